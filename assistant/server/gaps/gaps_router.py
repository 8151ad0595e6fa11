"""GET /gaps: refused questions (possible policy gaps), most recent first; GET /gaps/summary:
the same grouped by reason code and by nearest section."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request

from assistant.answering.gap_log import GapRecord, GapSummary
from assistant.corpus import UnknownAuthority
from assistant.server.errors import unknown_authority
from assistant.access.roles import GAPS
from assistant.server.security import require, settings_of
from assistant.services import get_services

router = APIRouter(tags=["gaps"], dependencies=[Depends(require(GAPS))])


@router.get("/gaps", response_model=list[GapRecord])
def gaps(request: Request, limit: int = Query(100, ge=1, le=1000), authority: str | None = None) -> list[GapRecord]:
    services = get_services(settings_of(request))
    try:
        full = services.corpus.resolve_authority(authority)
    except UnknownAuthority as exc:
        raise unknown_authority(exc) from exc
    return services.gaps.list(limit=limit, authority=full)


@router.get("/gaps/summary", response_model=GapSummary)
def gaps_summary(
    request: Request,
    since: date | None = Query(None, description="Only refusals on or after this date (YYYY-MM-DD)"),
    authority: str | None = None,
    top: int = Query(10, ge=1, le=100, description="Sections listed per group"),
) -> GapSummary:
    services = get_services(settings_of(request))
    try:
        full = services.corpus.resolve_authority(authority)
    except UnknownAuthority as exc:
        raise unknown_authority(exc) from exc
    return services.gaps.summary(since=since.isoformat() if since else None, authority=full, top=top)
