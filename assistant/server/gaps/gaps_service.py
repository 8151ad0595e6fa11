"""Possible policy gaps (refused questions) for QA leads: ``GET /gaps``, ``permanence gaps``."""

from __future__ import annotations

from assistant.answering.gap_log import GapLog, GapRecord


class GapsService:
    def __init__(self, log: GapLog):
        self.log = log

    def list(self, limit: int = 100, authority: str | None = None) -> list[GapRecord]:
        """Most recent refusals first; question text only where the deployment stores it."""
        return self.log.list(limit=limit, authority=authority)
