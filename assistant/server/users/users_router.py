"""GET /users: who may use the service and in what role (admins). Users are added and
removed with ``permanence users`` on the server itself."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from assistant.access.identity import Principal, access_for
from assistant.access.roles import USERS
from assistant.server.security import authenticate, require, settings_of

router = APIRouter(tags=["users"])


class UserInfo(BaseModel):
    name: str
    role: str
    password_set: bool


class Me(BaseModel):
    name: str
    role: str
    via: str


@router.get("/users", response_model=list[UserInfo], dependencies=[Depends(require(USERS))])
def users(request: Request) -> list[UserInfo]:
    return [UserInfo(name=u.name, role=u.role, password_set=u.has_password)
            for u in access_for(settings_of(request)).users.list()]


@router.get("/me", response_model=Me)
def me(who: Principal = Depends(authenticate)) -> Me:
    """Who the credentials sent name, and their role."""
    return Me(name=who.name, role=who.role, via=who.via)
