"""One identity for the API and the chat.

Log-in is on when any of these is configured: the shared key (``PERMANENCE_API_KEY``), a
user (``permanence users add``), or a single-sign-on provider (Chainlit's ``OAUTH_*``
variables). Then every request names a principal by one of:

- ``Authorization: Bearer <shared key>``: the scripts' key, an administrator;
- ``Authorization: Bearer pat_...``: a user's own API token (``permanence users token``);
- the chat's log-in cookie (a JWT signed with the chat's secret), on GET only, so a person logged in to
  the chat can open ``/docs`` and the schema.

With only the key set and no users, the chat's log-in form takes the key as the password of
an administrator (as a notebook server's token does), so nobody is locked out.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from assistant.access import roles
from assistant.access.users import UserStore
from assistant.privacy.files import private_file
from assistant.settings import Settings

KEY_ADMIN = "admin"  # the name a shared-key log-in is known by
VIA_KEY, VIA_TOKEN, VIA_PASSWORD, VIA_OAUTH, VIA_OPEN = "api-key", "token", "password", "oauth", "open"


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    via: str

    def may(self, permission: str) -> bool:
        return roles.permits(self.role, permission)


OPEN = Principal("local", "admin", VIA_OPEN)  # log-in off: a laptop on 127.0.0.1 only


def oauth_configured() -> bool:
    """A single-sign-on provider is configured (Chainlit reads ``OAUTH_<PROVIDER>_CLIENT_ID``)."""
    return any(k.startswith("OAUTH_") and k.endswith("_CLIENT_ID") and v for k, v in os.environ.items())


def _secret(value) -> str:
    """A SecretStr setting's text ("" when unset); a plain str too (``model_copy`` does not validate)."""
    if value is None:
        return ""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def shared_key(settings: Settings) -> str | None:
    return _secret(settings.api_key) or None


class Access:
    """The auth state of one deployment (one per Settings; see ``access_for``)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.users = UserStore(settings)
        self._jwt_secret: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(shared_key(self.settings)) or oauth_configured() or self.users.count() > 0

    def describe(self) -> str:
        """What turned log-in on, for the start-up banner."""
        why = []
        if shared_key(self.settings):
            why.append("the shared API key")
        n = self.users.count()
        if n:
            why.append(f"{n} user(s)")
        if oauth_configured():
            why.append("single sign-on")
        return ", ".join(why)

    # -- secrets ------------------------------------------------------------------------
    def jwt_secret(self) -> str:
        """The chat's signing secret: the setting, else one made once and kept in
        ``data_dir/auth_secret`` (0600), so log-ins survive a restart and every worker agrees."""
        if self._jwt_secret is None:
            self._jwt_secret = _secret(self.settings.auth_secret) or self._kept_secret()
        return self._jwt_secret

    def _kept_secret(self) -> str:
        """``data_dir/auth_secret``, made by whichever worker comes first (link, never overwrite)."""
        path: Path = self.settings.resolve(self.settings.data_dir) / "auth_secret"
        if not path.exists():
            draft = private_file(path.with_name(f"auth_secret.{os.getpid()}.{secrets.token_hex(4)}"))
            draft.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        private_file(path)
        return path.read_text(encoding="utf-8").strip()

    # -- credentials ----------------------------------------------------------------------
    def from_bearer(self, token: str) -> Principal | None:
        key = shared_key(self.settings)
        if key is not None and secrets.compare_digest(token.encode("utf-8", "replace"), key.encode()):
            return Principal(KEY_ADMIN, "admin", VIA_KEY)
        user = self.users.user_for_token(token)
        return Principal(user.name, user.role, VIA_TOKEN) if user else None

    def from_password(self, name: str, password: str) -> Principal | None:
        """The chat's password log-in: a user's own password, or the shared key while there are no users."""
        user = self.users.verify_password(name, password)
        if user is not None:
            return Principal(user.name, user.role, VIA_PASSWORD)
        key = shared_key(self.settings)
        if key is not None and self.users.count() == 0 and secrets.compare_digest(
            password.encode("utf-8", "replace"), key.encode()
        ):
            return Principal(KEY_ADMIN, "admin", VIA_KEY)
        return None

    def from_sso(self, identifier: str) -> Principal | None:
        """A person signed in by the council's identity provider: their role in the user store,
        else ``settings.sso_default_role`` (empty: only listed users may enter)."""
        user = self.users.get(identifier)
        if user is not None:
            return Principal(user.name, user.role, VIA_OAUTH)
        default = (self.settings.sso_default_role or "").strip()
        return Principal(identifier, roles.normalise_role(default), VIA_OAUTH) if default else None

    def from_chat_claims(self, identifier: str, metadata: dict) -> Principal | None:
        """Re-check a chat log-in on every use: a removed user or a withdrawn key loses access
        at once, and a changed role applies at once."""
        via = metadata.get("via")
        if via == VIA_KEY:
            return Principal(KEY_ADMIN, "admin", VIA_KEY) if shared_key(self.settings) else None
        if via == VIA_PASSWORD:
            user = self.users.get(identifier)
            return Principal(user.name, user.role, VIA_PASSWORD) if user else None
        if via == VIA_OAUTH:
            return self.from_sso(identifier) if oauth_configured() else None
        return None

    def from_chat_jwt(self, token: str) -> Principal | None:
        import jwt

        try:
            claims = jwt.decode(token, self.jwt_secret(), algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        return self.from_chat_claims(str(claims.get("identifier", "")), claims.get("metadata") or {})


_access: dict[int, tuple[Settings, Access]] = {}  # cleared by tests that swap the settings


def access_for(settings: Settings) -> Access:
    """The ``Access`` of ``settings`` (built once per settings object)."""
    hit = _access.get(id(settings))
    if hit is None or hit[0] is not settings:
        hit = (settings, Access(settings))
        _access[id(settings)] = hit
    return hit[1]
