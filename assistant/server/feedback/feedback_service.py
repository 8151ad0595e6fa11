"""Feedback on answers: a rating (up/down) and an optional comment per answer id.

SQLite in WAL mode under ``data_dir``, shared by the API (``POST /feedback``) and the
chat UI. Answers are registered when given, so feedback for an unknown answer id is refused
rather than stored against nothing. A second rating of the same answer replaces the first (a
change of mind).

What is kept of an answer is what a QA lead needs to judge it later WITHOUT the question or
answer text (a question may identify a child): the engine, whether it refused and why, the
authority, the interpreted frame without facts (how it was scoped: authorities, versions,
expansions; for a rule answer the rule ids, never the dates or facts), and the citations
(document, version, section, quote offsets and the quoted policy text, which is the council's
published words). ``list_feedback`` returns rated answers newest first with those citations,
and counts per document and section (``permanence feedback``, ``GET /feedback``).

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

import json
from typing import Any

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
    # added for QA review; older stores gain them on open (``_ANSWER_COLUMNS``)
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


# columns added to ``answers`` after the first release: (name, SQL type)
_ANSWER_COLUMNS = (("authority", "TEXT"), ("kind", "TEXT"), ("refusal_reason", "TEXT"), ("frame", "TEXT"),
                   ("citations", "TEXT"))


class CitedPassage(BaseModel):
    """A citation of a rated answer: where in which version of which policy."""

    n: int
    document_id: str
    version: str | None = None
    status: str | None = None
    section: str = ""
    start: int
    end: int
    quote: str = ""


class ReviewedFeedback(BaseModel):
    """One rated answer as a QA lead reviews it (never the question or answer text)."""

    answer_id: str
    time: str
    rating: Rating
    comment: str | None
    answered_at: str
    engine: str | None
    kind: str | None  # answer | refusal | rule | declined
    refused: bool
    refusal_reason: str | None
    authority: str | None
    frame: dict[str, Any] = Field(default_factory=dict)
    citations: list[CitedPassage] = Field(default_factory=list)


class PlaceCount(BaseModel):
    document_id: str
    section: str
    up: int = 0
    down: int = 0


class FeedbackReview(BaseModel):
    total: int
    counts: dict[str, int]  # per rating
    by_document: dict[str, dict[str, int]]  # document -> {up, down}
    by_section: list[PlaceCount]  # most thumbs-down first
    items: list[ReviewedFeedback]


def answer_details(resp) -> dict[str, Any]:
    """What to keep of an ``AskResponse`` for review: no question, no answer text, no facts."""
    interp = dict(getattr(resp, "interpretation", None) or {})
    frame: dict[str, Any] = {k: interp[k] for k in ("authorities", "versions", "document_ids", "expanded_with") if k in interp}
    if resp.rules:
        frame["rules"] = sorted({rid for r in resp.rules for rid in (r.get("rule_ids") or [])})
        frame["topics"] = sorted({r.get("topic") for r in resp.rules if r.get("topic")})
    if getattr(resp, "missing_facts", None):
        frame["asked_for_facts"] = True  # which facts are missing names the fact, never its value
    if resp.refused:
        kind = "declined" if resp.refusal_reason in ("injection", "out_of_domain", "unknown_authority") else "refusal"
    else:
        kind = "rule" if resp.rules else "answer"
    return {
        "authority": ", ".join(resp.authorities) or None,
        "kind": kind,
        "refusal_reason": resp.refusal_reason,
        "frame": frame,
        "citations": [
            {"n": c.n, "document_id": c.document_id, "version": c.version, "status": c.status, "section": c.section,
             "start": c.start, "end": c.end, "quote": c.quote}
            for c in resp.citations
        ],
    }


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
            have = {row[1] for row in db.execute("PRAGMA table_info(answers)")}
            for name, sql_type in _ANSWER_COLUMNS:
                if name not in have:
                    db.execute(f"ALTER TABLE answers ADD COLUMN {name} {sql_type}")

    def _connect(self, timeout: float = 10) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=timeout)

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")

    REGISTER_TIMEOUT_S = 5.0  # the longest an answer waits for a busy database ...
    DEGRADED_TIMEOUT_S = 0.1  # ... and while it has just failed (RETRY_AFTER_S), hardly at all
    RETRY_AFTER_S = 30.0
    HEALTH_TIMEOUT_S = 0.5  # /health answers quickly even while the store is locked

    def register_answer(
        self, answer_id: str, engine: str, refused: bool, details: dict[str, Any] | None = None
    ) -> bool:
        """Make an answer rateable; ``details`` (``answer_details``) is what review shows of it.
        False (logged, and shown by ``writable``) when the database cannot take it now: the
        answer is served all the same."""
        d = details or {}
        failing = self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_AFTER_S
        try:
            with self._lock, self._connect(self.DEGRADED_TIMEOUT_S if failing else self.REGISTER_TIMEOUT_S) as db:
                db.execute(
                    "INSERT OR IGNORE INTO answers (answer_id, time, engine, refused, authority, kind, refusal_reason, "
                    "frame, citations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (answer_id, self._now(), engine, int(refused), d.get("authority"), d.get("kind"),
                     d.get("refusal_reason"), json.dumps(d.get("frame") or {}), json.dumps(d.get("citations") or [])),
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

    def answer(self, answer_id: str) -> ReviewedFeedback | None:
        """A rated answer with what it cited (None when unknown or never rated)."""
        rows = self._review_rows("WHERE f.answer_id = ?", (answer_id,), 1)
        return rows[0] if rows else None

    def _review_rows(self, where: str, args: tuple, limit: int) -> list[ReviewedFeedback]:
        sql = ("SELECT f.answer_id, f.time, f.rating, f.comment, a.time, a.engine, a.kind, a.refused, a.refusal_reason, "
               "a.authority, a.frame, a.citations FROM feedback f JOIN answers a ON a.answer_id = f.answer_id "
               f"{where} ORDER BY f.time DESC, f.rowid DESC LIMIT ?")
        with self._lock, self._connect() as db:
            rows = db.execute(sql, args + (limit,)).fetchall()
        return [
            ReviewedFeedback(
                answer_id=r[0], time=r[1], rating=r[2], comment=r[3], answered_at=r[4], engine=r[5], kind=r[6],
                refused=bool(r[7]), refusal_reason=r[8], authority=r[9], frame=json.loads(r[10] or "{}"),
                citations=[CitedPassage(**c) for c in json.loads(r[11] or "[]")],
            )
            for r in rows
        ]

    def list_feedback(self, since: str | None = None, rating: Rating | None = None, limit: int = 200) -> FeedbackReview:
        """Rated answers newest first, with counts per rating, per document and per section."""
        clauses, args = ["f.time >= ?"], [since or ""]
        if rating:
            clauses.append("f.rating = ?")
            args.append(rating)
        items = self._review_rows("WHERE " + " AND ".join(clauses), tuple(args), limit)
        counts = {"up": 0, "down": 0}
        by_doc: dict[str, dict[str, int]] = {}
        places: dict[tuple[str, str], PlaceCount] = {}
        for it in items:
            counts[it.rating] += 1
            for doc in dict.fromkeys(c.document_id for c in it.citations):
                by_doc.setdefault(doc, {"up": 0, "down": 0})[it.rating] += 1
            for key in dict.fromkeys((c.document_id, c.section) for c in it.citations):
                pc = places.setdefault(key, PlaceCount(document_id=key[0], section=key[1]))
                setattr(pc, it.rating, getattr(pc, it.rating) + 1)
        ranked = sorted(places.values(), key=lambda p: (-p.down, -p.up, p.document_id, p.section))
        return FeedbackReview(total=len(items), counts=counts, by_document=dict(sorted(by_doc.items())),
                              by_section=ranked, items=items)

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
