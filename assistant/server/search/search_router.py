"""POST /search: passages with their verbatim text and offsets, no answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from assistant.corpus import UnknownAuthority
from assistant.server.errors import index_not_ready, is_index_not_ready, unknown_authority
from assistant.server.search.search_service import SearchRequest, SearchResponse
from assistant.access.roles import ASK
from assistant.server.security import require, settings_of
from assistant.services import get_services

router = APIRouter(tags=["search"], dependencies=[Depends(require(ASK))])


@router.post("/search", response_model=SearchResponse)
def search(body: SearchRequest, request: Request) -> SearchResponse:
    try:
        return get_services(settings_of(request)).search.search(body)
    except UnknownAuthority as exc:
        raise unknown_authority(exc) from exc
    except Exception as exc:
        if is_index_not_ready(exc):
            raise index_not_ready(exc) from exc
        raise
