"""Users of the service: name, role, an argon2 password hash, and API tokens (kept as SHA-256).

SQLite under ``data_dir`` (``users.sqlite3``, mode 0600), shared by the API, the chat and the
CLI (``permanence users ...``). A token is 32 random bytes, so a plain SHA-256 of it is as
good as a slow hash and lets a request find its user with one indexed look-up.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.access.roles import normalise_role
from assistant.privacy.files import private_file
from assistant.settings import Settings

TOKEN_PREFIX = "pat_"
MIN_PASSWORD_CHARS = 12

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT, created TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS tokens (
        token_hash TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        label TEXT, created TEXT NOT NULL
    )""",
)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    has_password: bool = False


class UserError(ValueError):
    """A user cannot be added or changed as asked (the message says why)."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class UserStore:
    """Thread-safe; every call opens its own short connection."""

    COUNT_TTL_S = 1.0  # how long ``count`` may be stale: it runs on every request

    def __init__(self, settings: Settings, path: Path | None = None):
        default = settings.resolve(settings.users_file) if settings.users_file else settings.resolve(settings.data_dir) / "users.sqlite3"
        self.path = path or default
        private_file(self.path)
        self._hasher = PasswordHasher()
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self._lock = threading.Lock()
        self._count: tuple[float, int] | None = None
        with self._connect() as db:
            for stmt in _SCHEMA:
                db.execute(stmt)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")

    # -- users ----------------------------------------------------------------------
    def add(self, name: str, role: str, password: str | None = None) -> User:
        name = name.strip()
        if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
            raise UserError("a user name is 1 to 200 printable characters")
        role = normalise_role(role)
        if password is not None and len(password) < MIN_PASSWORD_CHARS:
            raise UserError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
        pw_hash = self._hasher.hash(password) if password is not None else None
        with self._lock, self._connect() as db:
            try:
                db.execute(
                    "INSERT INTO users (name, role, password_hash, created) VALUES (?, ?, ?, ?)",
                    (name, role, pw_hash, self._now()),
                )
            except sqlite3.IntegrityError as exc:
                raise UserError(f"user {name!r} exists already") from exc
            self._count = None
        return User(name, role, pw_hash is not None)

    def set_role(self, name: str, role: str) -> User:
        role = normalise_role(role)
        with self._lock, self._connect() as db:
            if db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name)).rowcount == 0:
                raise UserError(f"no user {name!r}")
        return self.get(name)  # type: ignore[return-value]

    def set_password(self, name: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_CHARS:
            raise UserError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
        with self._lock, self._connect() as db:
            if db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (self._hasher.hash(password), name)).rowcount == 0:
                raise UserError(f"no user {name!r}")

    def remove(self, name: str) -> bool:
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM tokens WHERE name = ?", (name,))
            gone = db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0
            self._count = None
        return gone

    def get(self, name: str) -> User | None:
        with self._connect() as db:
            row = db.execute("SELECT name, role, password_hash FROM users WHERE name = ?", (name,)).fetchone()
        return User(row[0], row[1], row[2] is not None) if row else None

    def list(self) -> list[User]:
        with self._connect() as db:
            rows = db.execute("SELECT name, role, password_hash FROM users ORDER BY name").fetchall()
        return [User(r[0], r[1], r[2] is not None) for r in rows]

    def count(self) -> int:
        """How many users there are (cached for ``COUNT_TTL_S``: a user added by the CLI in
        another process turns log-in on within a second)."""
        now = time.monotonic()
        cached = self._count
        if cached is not None and now - cached[0] < self.COUNT_TTL_S:
            return cached[1]
        with self._connect() as db:
            n = int(db.execute("SELECT COUNT(*) FROM users").fetchone()[0])
        self._count = (now, n)
        return n

    def verify_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs; the same work is done for an unknown name."""
        with self._connect() as db:
            row = db.execute("SELECT name, role, password_hash FROM users WHERE name = ?", (name,)).fetchone()
        stored = row[2] if row and row[2] else self._dummy_hash
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if not row or not row[2]:
            return None
        return User(row[0], row[1], True)

    # -- API tokens -------------------------------------------------------------------
    def issue_token(self, name: str, label: str | None = None) -> str:
        """A new API token for ``name``; shown once, only its hash is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._lock, self._connect() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
                raise UserError(f"no user {name!r}")
            db.execute(
                "INSERT INTO tokens (token_hash, name, label, created) VALUES (?, ?, ?, ?)",
                (_token_hash(token), name, label, self._now()),
            )
        return token

    def revoke_tokens(self, name: str) -> int:
        with self._lock, self._connect() as db:
            return db.execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount

    def user_for_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self._connect() as db:
            row = db.execute(
                "SELECT u.name, u.role, u.password_hash FROM tokens t JOIN users u ON u.name = t.name "
                "WHERE t.token_hash = ?",
                (_token_hash(token),),
            ).fetchone()
        return User(row[0], row[1], row[2] is not None) if row else None
