"""The policy-gap log: every refusal, for QA leads to see what the policies do not cover.

SQLite (WAL) under ``data_dir``. Time, authority, reason and the nearest sections are
always stored; the question's text only when ``settings.store_questions`` is true,
because a question may carry details of a child.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from assistant.privacy.files import private_file
from assistant.settings import Settings


class NearestSection(BaseModel):
    """A section that came closest to answering a refused question."""

    document_id: str
    authority: str
    title: str
    version: str
    status: str
    section: str
    page: int | None = None
    score: float = 0.0


class GapRecord(BaseModel):
    id: int
    time: str
    authority: str | None
    reason: str
    question: str | None
    nearest_sections: list[NearestSection]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    authority TEXT,
    reason TEXT NOT NULL,
    question TEXT,
    nearest_sections TEXT NOT NULL
)
"""


class GapLog:
    """Append-only log of refusals; safe to share between threads."""

    def __init__(self, settings: Settings, path: Path | None = None):
        self.store_questions = settings.store_questions
        self.path = path or settings.resolve(settings.data_dir) / "gaps.sqlite3"
        private_file(self.path)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(
        self,
        question: str,
        authority: str | None,
        reason: str,
        nearest: list[NearestSection],
    ) -> int:
        """Store one refusal; the question text only where the deployment allows it."""
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            authority,
            reason,
            question if self.store_questions else None,
            json.dumps([n.model_dump() for n in nearest]),
        )
        with self._lock, self._connect() as db:
            cur = db.execute(
                "INSERT INTO gaps (time, authority, reason, question, nearest_sections) VALUES (?, ?, ?, ?, ?)", row
            )
            return int(cur.lastrowid)

    def list(self, limit: int = 100, authority: str | None = None) -> list[GapRecord]:
        """Most recent first."""
        sql = "SELECT id, time, authority, reason, question, nearest_sections FROM gaps"
        args: tuple = ()
        if authority:
            sql += " WHERE authority = ?"
            args = (authority,)
        sql += " ORDER BY id DESC LIMIT ?"
        args += (limit,)
        with self._lock, self._connect() as db:
            rows = db.execute(sql, args).fetchall()
        return [
            GapRecord(
                id=r[0],
                time=r[1],
                authority=r[2],
                reason=r[3],
                question=r[4],
                nearest_sections=[NearestSection(**n) for n in json.loads(r[5])],
            )
            for r in rows
        ]
