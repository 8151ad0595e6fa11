"""The policy-gap log: every refusal, for QA leads to see what the policies do not cover.

SQLite (WAL) under ``data_dir``. Time, authority, reason code and the nearest sections are
always stored (for every reason: a question declined before retrieval, such as one about a
council the corpus does not hold, gets the nearest sections in all authorities); the
question's text only when ``settings.store_questions`` is true, because a question may carry
details of a child. ``summary`` groups refusals by reason and by section, so a QA lead sees
which topics practitioners ask about that the policies do not cover.

Reason codes: ``weak_evidence`` (nothing in the policies is close enough),
``no_amount_in_policies`` (asks for a sum of money no passage states), ``unknown_authority``
(a council the corpus holds no policy for), ``out_of_domain`` (not about permanence),
``injection`` (an attempt to change the assistant's instructions), ``model_not_covered`` and
``generation_failed`` (the optional generative engine).
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


class SectionCount(BaseModel):
    """A section named among the nearest of ``count`` refusals."""

    document_id: str
    authority: str
    title: str
    section: str
    count: int
    reasons: dict[str, int]


class ReasonCount(BaseModel):
    reason: str
    count: int
    sections: list[SectionCount]  # the sections refusals of this reason came closest to, most first


class GapSummary(BaseModel):
    total: int
    since: str | None
    authority: str | None
    by_reason: list[ReasonCount]
    by_section: list[SectionCount]
    by_authority: dict[str, int]


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

    def summary(self, since: str | None = None, authority: str | None = None, top: int = 10) -> GapSummary:
        """Refusals counted per reason code, per nearest section (overall and per reason) and
        per authority asked about; ``since`` is an ISO date or time (UTC)."""
        sql = "SELECT authority, reason, nearest_sections FROM gaps WHERE time >= ?"
        args: tuple = (since or "",)
        if authority:
            sql += " AND authority = ?"
            args += (authority,)
        with self._lock, self._connect() as db:
            rows = db.execute(sql, args).fetchall()
        reasons: dict[str, int] = {}
        per_auth: dict[str, int] = {}
        sections: dict[tuple[str, str], dict] = {}
        per_reason_sections: dict[str, dict[tuple[str, str], int]] = {}
        for auth, reason, nearest_json in rows:
            reasons[reason] = reasons.get(reason, 0) + 1
            per_auth[auth or "(all)"] = per_auth.get(auth or "(all)", 0) + 1
            for n in json.loads(nearest_json):
                key = (n["document_id"], n["section"])
                entry = sections.setdefault(key, {"document_id": n["document_id"], "authority": n["authority"],
                                                  "title": n["title"], "section": n["section"], "count": 0, "reasons": {}})
                entry["count"] += 1
                entry["reasons"][reason] = entry["reasons"].get(reason, 0) + 1
                per_reason_sections.setdefault(reason, {})[key] = per_reason_sections.setdefault(reason, {}).get(key, 0) + 1

        def ranked(counts: dict[tuple[str, str], int]) -> list[SectionCount]:
            keys = sorted(counts, key=lambda k: (-counts[k], k))[:top]
            return [SectionCount(**{**sections[k], "count": counts[k]}) for k in keys]

        return GapSummary(
            total=len(rows),
            since=since,
            authority=authority,
            by_reason=[ReasonCount(reason=r, count=c, sections=ranked(per_reason_sections.get(r, {})))
                       for r, c in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
            by_section=ranked({k: v["count"] for k, v in sections.items()}),
            by_authority=dict(sorted(per_auth.items(), key=lambda kv: (-kv[1], kv[0]))),
        )

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
