"""POST /ask and POST /ask/stream (server-sent events: ``delta`` events, then ``final``)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from sse_starlette import EventSourceResponse

from assistant.answering.schemas import AskRequest, AskResponse
from assistant.corpus import UnknownAuthority
from assistant.server.errors import index_not_ready, is_index_not_ready, unknown_authority
from assistant.access.identity import Principal
from assistant.access.roles import ASK
from assistant.server.security import limit_questions, require, settings_of
from assistant.services import get_services

router = APIRouter(tags=["ask"], dependencies=[Depends(limit_questions)])


@router.post("/ask", response_model=AskResponse)
def ask(body: AskRequest, request: Request, who: Principal = Depends(require(ASK))) -> AskResponse:
    """Answer one question with verbatim citations, or refuse and say why."""
    services = get_services(settings_of(request))
    try:
        return services.ask.ask(body, owner=who.name)
    except UnknownAuthority as exc:
        raise unknown_authority(exc) from exc
    except Exception as exc:
        if is_index_not_ready(exc):
            raise index_not_ready(exc) from exc
        raise


@router.post("/ask/stream")
def ask_stream(body: AskRequest, request: Request, who: Principal = Depends(require(ASK))) -> EventSourceResponse:
    """The same answer as /ask, streamed: ``delta`` events with text, then ``final`` with the full response."""
    services = get_services(settings_of(request))
    try:
        services.corpus.resolve_authority(body.authority)  # 422 before the stream starts
    except UnknownAuthority as exc:
        raise unknown_authority(exc) from exc

    def events():
        try:
            for item in services.ask.ask_stream(body, owner=who.name):
                if isinstance(item, AskResponse):
                    yield {"event": "final", "data": item.model_dump_json()}
                else:
                    yield {"event": "delta", "data": json.dumps({"text": item})}
        except Exception as exc:  # once streaming, errors travel as an event
            msg = str(exc) if is_index_not_ready(exc) else "the answer could not be completed"
            yield {"event": "error", "data": json.dumps({"detail": msg})}

    return EventSourceResponse(events(), ping=0)


