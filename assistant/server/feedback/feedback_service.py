"""Feedback on answers: a rating (up/down) and an optional comment per answer id.

SQLite in WAL mode under ``data_dir``, shared by the API (``POST /feedback``) and the
chat UI. Answers are registered when given (id, time, engine, refused; no text), so
feedback for an unknown answer id is refused rather than stored against nothing.
A second rating of the same answer replaces the first (a change of mind).
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.settings import Settings

Rating = Literal["up", "down"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS answers (
        answer_id TEXT PRIMARY KEY, time TEXT NOT NULL, engine TEXT, refused INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS feedback (
        answer_id TEXT PRIMARY KEY REFERENCES answers(answer_id),
        time TEXT NOT NULL, rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT
    )""",
)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(..., min_length=1, max_length=100)
    rating: Rating = Field(..., description='"up" or "down" (1/-1 and true/false are accepted)')
    comment: str | None = Field(None, max_length=2000)

    @field_validator("rating", mode="before")
    @classmethod
    def _coerce(cls, v):
        if v is True or v == 1 or (isinstance(v, str) and v.strip().lower() in ("up", "+1", "1", "good", "\U0001f44d")):
            return "up"
        if v is False or v == -1 or (isinstance(v, str) and v.strip().lower() in ("down", "-1", "bad", "\U0001f44e")):
            return "down"
        return v


class FeedbackRecord(BaseModel):
    answer_id: str
    time: str
    rating: Rating
    comment: str | None


class UnknownAnswer(KeyError):
    def __str__(self) -> str:
        return f"unknown answer id {self.args[0]!r}"


class FeedbackService:
    """Stores answers' ids and their feedback."""

    def __init__(self, settings: Settings, path: Path | None = None):
        self.path = path or settings.resolve(settings.data_dir) / "feedback.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            for stmt in _SCHEMA:
                db.execute(stmt)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")

    def register_answer(self, answer_id: str, engine: str, refused: bool) -> None:
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO answers (answer_id, time, engine, refused) VALUES (?, ?, ?, ?)",
                (answer_id, self._now(), engine, int(refused)),
            )

    def submit(self, req: FeedbackRequest) -> FeedbackRecord:
        """Store (or replace) the feedback of one answer; ``UnknownAnswer`` if never given."""
        with self._lock, self._connect() as db:
            if db.execute("SELECT 1 FROM answers WHERE answer_id = ?", (req.answer_id,)).fetchone() is None:
                raise UnknownAnswer(req.answer_id)
            now = self._now()
            db.execute(
                "INSERT INTO feedback (answer_id, time, rating, comment) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(answer_id) DO UPDATE SET time = excluded.time, rating = excluded.rating, "
                "comment = excluded.comment",
                (req.answer_id, now, req.rating, req.comment),
            )
        return FeedbackRecord(answer_id=req.answer_id, time=now, rating=req.rating, comment=req.comment)

    def get(self, answer_id: str) -> FeedbackRecord | None:
        with self._lock, self._connect() as db:
            row = db.execute(
                "SELECT answer_id, time, rating, comment FROM feedback WHERE answer_id = ?", (answer_id,)
            ).fetchone()
        return FeedbackRecord(answer_id=row[0], time=row[1], rating=row[2], comment=row[3]) if row else None

    def summary(self) -> dict[str, int]:
        with self._lock, self._connect() as db:
            rows = db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall()
        out = {"up": 0, "down": 0}
        out.update({r: n for r, n in rows})
        return out
