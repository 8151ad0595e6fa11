"""GET /documents: the policies the assistant quotes, with version, status and chunk counts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from assistant.server.documents.documents_service import DocumentInfo
from assistant.access.roles import ASK
from assistant.server.security import require, settings_of
from assistant.services import get_services

router = APIRouter(tags=["documents"], dependencies=[Depends(require(ASK))])


@router.get("/documents", response_model=list[DocumentInfo])
def documents(request: Request) -> list[DocumentInfo]:
    return get_services(settings_of(request)).documents.list()
