"""Retention: what a user typed is kept only as long as the settings say.

| kind | where | kept |
| --- | --- | --- |
| conversation turns | memory | ``session_ttl_s`` idle (the session store forgets them itself) |
| feedback comments | ``data_dir/feedback.sqlite3`` | ``retention_feedback_comment_days``; the rating stays |
| policy-gap entries | ``data_dir/gaps.sqlite3`` | ``retention_gap_days`` |
| chat files (quiz summaries) | ``data_dir/chat_files/`` | ``retention_chat_file_hours`` |

``purge`` applies it now; the server runs it at start-up and every ``purge_interval_s``, and
``permanence purge`` runs it by hand. ``erase_answer`` answers an erasure request for one answer.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from assistant.settings import Settings

log = logging.getLogger(__name__)

CHAT_FILES = "chat_files"


@dataclass
class PurgeReport:
    feedback_comments_cleared: int = 0
    gap_entries_deleted: int = 0
    chat_files_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def chat_files_dir(settings: Settings) -> Path:
    return settings.resolve(settings.data_dir) / CHAT_FILES


def _cutoff(now: datetime, days: float) -> str:
    return (now - timedelta(days=days)).isoformat(timespec="seconds")


def _update(path: Path, sql: str, args: tuple) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path, timeout=5) as db:
        try:
            return db.execute(sql, args).rowcount
        except sqlite3.OperationalError as exc:  # a table not made yet
            if "no such table" in str(exc):
                return 0
            raise


def purge(settings: Settings, now: datetime | None = None) -> PurgeReport:
    """Remove what is past its retention, and nothing else."""
    now = now or datetime.now(timezone.utc)
    data = settings.resolve(settings.data_dir)
    report = PurgeReport()
    report.feedback_comments_cleared = _update(
        data / "feedback.sqlite3",
        "UPDATE feedback SET comment = NULL WHERE comment IS NOT NULL AND time < ?",
        (_cutoff(now, settings.retention_feedback_comment_days),),
    )
    report.gap_entries_deleted = _update(
        data / "gaps.sqlite3", "DELETE FROM gaps WHERE time < ?", (_cutoff(now, settings.retention_gap_days),)
    )
    files = chat_files_dir(settings)
    if files.is_dir():
        oldest = now.timestamp() - settings.retention_chat_file_hours * 3600
        for path in sorted(files.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            try:
                if path.is_file() and path.stat().st_mtime < oldest:
                    path.unlink()
                    report.chat_files_deleted += 1
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            except FileNotFoundError:
                continue
    if any(report.as_dict().values()):
        log.info("purge: %s", report.as_dict())
    return report


def erase_answer(settings: Settings, answer_id: str) -> bool:
    """Delete the feedback (rating and comment) given on one answer; True when there was some."""
    return _update(settings.resolve(settings.data_dir) / "feedback.sqlite3",
                   "DELETE FROM feedback WHERE answer_id = ?", (answer_id,)) > 0


def erase_all(settings: Settings) -> None:
    """Everything users typed: feedback, gap log, chat files (conversations live in memory only)."""
    data = settings.resolve(settings.data_dir)
    for name in ("feedback.sqlite3", "gaps.sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            (data / (name + suffix)).unlink(missing_ok=True)
    shutil.rmtree(chat_files_dir(settings), ignore_errors=True)


def run_periodically(settings: Settings, stop, interval_s: float | None = None) -> None:
    """Purge now, then every ``interval_s`` until ``stop`` (a threading.Event) is set."""
    interval = settings.purge_interval_s if interval_s is None else interval_s
    while True:
        try:
            purge(settings)
        except Exception:  # noqa: BLE001 - a failed purge must not stop the server; it is retried
            log.exception("purge failed")
        if not interval or stop.wait(interval):
            return
