"""Feedback on answers: a rating (up/down) and an optional comment per answer id.

SQLite in WAL mode under ``data_dir``, shared by the API (``POST /feedback``) and the
chat UI. Answers are registered when given (id, time, engine, refused; no text), so
feedback for an unknown answer id is refused rather than stored against nothing.
A second rating of the same answer replaces the first (a change of mind).

Registering an answer is best effort: it runs on the answer's path, so a locked or full
database costs a log line and a "not ready" in ``/health``, never the answer itself.
The file is 0600; comments are cleared after ``retention_feedback_comment_days``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.privacy.files import private_file
from assistant.text_input import CLEAN_TEXT_SCHEMA, check_clean
from assistant.settings import Settings

log = logging.getLogger(__name__)

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

    answer_id: str = Field(..., min_length=1, max_length=100, json_schema_extra=CLEAN_TEXT_SCHEMA)
    rating: Rating = Field(..., description='"up" or "down" (1/-1 and true/false are accepted)')
    comment: str | None = Field(
        None, max_length=2000, json_schema_extra=CLEAN_TEXT_SCHEMA,
        description="About the answer, not the case: a comment that seems to name a child, a date of birth, "
                    "an NHS number or an address is refused with 422 and saved only without them",
    )

    _clean = field_validator("answer_id", "comment")(check_clean)

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
        private_file(self.path)
        self._lock = threading.Lock()
        self.last_write_error: str | None = None
        self._failed_at: float | None = None
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            for stmt in _SCHEMA:
                db.execute(stmt)

    def _connect(self, timeout: float = 10) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=timeout)

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")

    REGISTER_TIMEOUT_S = 5.0  # the longest an answer waits for a busy database ...
    DEGRADED_TIMEOUT_S = 0.1  # ... and while it has just failed (RETRY_AFTER_S), hardly at all
    RETRY_AFTER_S = 30.0
    HEALTH_TIMEOUT_S = 0.5  # /health answers quickly even while the store is locked

    def register_answer(self, answer_id: str, engine: str, refused: bool) -> bool:
        """Make ``answer_id`` rateable; False (logged, and shown by ``writable``) when the
        database cannot take it now: the answer is served all the same."""
        failing = self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_AFTER_S
        try:
            with self._lock, self._connect(self.DEGRADED_TIMEOUT_S if failing else self.REGISTER_TIMEOUT_S) as db:
                db.execute(
                    "INSERT OR IGNORE INTO answers (answer_id, time, engine, refused) VALUES (?, ?, ?, ?)",
                    (answer_id, self._now(), engine, int(refused)),
                )
        except sqlite3.Error as exc:
            self.last_write_error = f"{type(exc).__name__}: {exc}"
            self._failed_at = time.monotonic()
            log.error("answer %s not registered for feedback: %s", answer_id, self.last_write_error)
            return False
        self.last_write_error, self._failed_at = None, None
        return True

    def writable(self) -> bool:
        """Whether a write would go through now (``/health``'s readiness): takes the write lock
        and lets it go, without changing anything."""
        try:
            with self._lock:
                db = self._connect(self.HEALTH_TIMEOUT_S)
                try:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("ROLLBACK")
                finally:
                    db.close()
        except sqlite3.Error as exc:
            self.last_write_error = f"{type(exc).__name__}: {exc}"
            return False
        return True

    def list(self, limit: int = 100) -> list[FeedbackRecord]:
        """The latest feedback first (for QA leads)."""
        with self._lock, self._connect() as db:
            rows = db.execute(
                "SELECT answer_id, time, rating, comment FROM feedback ORDER BY time DESC LIMIT ?", (limit,)
            ).fetchall()
        return [FeedbackRecord(answer_id=r[0], time=r[1], rating=r[2], comment=r[3]) for r in rows]

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
