"""Possible policy gaps (refused questions) for QA leads: ``GET /gaps``, ``GET /gaps/summary``,
``permanence gaps [--summary]``."""

from __future__ import annotations

from assistant.answering.gap_log import GapLog, GapRecord, GapSummary


class GapsService:
    def __init__(self, log: GapLog):
        self.log = log

    def list(self, limit: int = 100, authority: str | None = None) -> list[GapRecord]:
        """Most recent refusals first; question text only where the deployment stores it."""
        return self.log.list(limit=limit, authority=authority)

    def summary(self, since: str | None = None, authority: str | None = None, top: int = 10) -> GapSummary:
        """Refusals grouped by reason code and by the sections they came closest to."""
        return self.log.summary(since=since, authority=authority, top=top)
