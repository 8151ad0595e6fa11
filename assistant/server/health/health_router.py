"""GET /health: open without an API key (load balancers and uptime checks call it)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from assistant.server.health.health_service import Health
from assistant.server.security import settings_of
from assistant.services import get_services

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    return get_services(settings_of(request)).health.check()
