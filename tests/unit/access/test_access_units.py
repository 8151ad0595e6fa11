"""Access and personal data, piece by piece: roles, the user store, tokens, screening of
comments, clean text, plausible dates, the rate limiter, sessions bound to their owner, and
the retention purge (what is expired goes, nothing else)."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from assistant.access import roles
from assistant.access.identity import Access
from assistant.access.users import UserError, UserStore
from assistant.privacy import personal_data, retention
from assistant.settings import Settings

pytestmark = pytest.mark.unit


@pytest.fixture()
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- roles ------------------------------------------------------------------------------------


def test_each_role_holds_exactly_its_rights():
    assert roles.PERMISSIONS["practitioner"] == {"ask", "feedback"}
    assert roles.PERMISSIONS["trainer"] == {"ask", "feedback", "quiz"}
    assert roles.PERMISSIONS["qa_lead"] == {"ask", "feedback", "gaps", "feedback_review", "eval"}
    assert roles.PERMISSIONS["admin"] >= {"users", "ingest", "quiz", "gaps"}
    assert roles.normalise_role("QA lead") == roles.normalise_role("qa-lead") == "qa_lead"
    with pytest.raises(ValueError, match="roles: practitioner"):
        roles.normalise_role("superuser")
    assert not roles.permits(None, "ask") and not roles.permits("", "ask")


# --- users and tokens -------------------------------------------------------------------------


def test_user_store_hashes_passwords_and_is_private(settings):
    store = UserStore(settings)
    store.add("alice", "trainer", "correct horse battery")
    assert mode(store.path) == 0o600
    raw = store.path.read_bytes()
    assert b"correct horse battery" not in raw and b"$argon2" in raw
    assert store.verify_password("alice", "correct horse battery").role == "trainer"
    assert store.verify_password("alice", "wrong password!!") is None
    assert store.verify_password("nobody", "correct horse battery") is None
    with pytest.raises(UserError, match="exists"):
        store.add("alice", "admin", "another long one")
    with pytest.raises(UserError, match="12 characters"):
        store.add("bob", "practitioner", "short")


def test_tokens_are_shown_once_kept_hashed_and_revocable(settings):
    store = UserStore(settings)
    store.add("qa", "qa_lead", None)
    token = store.issue_token("qa")
    assert token.startswith("pat_") and token.encode() not in store.path.read_bytes()
    assert store.user_for_token(token).name == "qa"
    assert store.user_for_token(token + "x") is None and store.user_for_token("k" * 40) is None
    assert store.revoke_tokens("qa") == 1 and store.user_for_token(token) is None
    token = store.issue_token("qa")
    store.remove("qa")
    assert store.user_for_token(token) is None


def test_log_in_turns_on_with_a_key_a_user_or_single_sign_on(settings, monkeypatch):
    monkeypatch.delenv("OAUTH_GOOGLE_CLIENT_ID", raising=False)
    access = Access(settings)
    assert not access.enabled
    assert Access(settings.model_copy(update={"api_key": "k" * 24})).enabled
    monkeypatch.setenv("OAUTH_GOOGLE_CLIENT_ID", "x")
    assert Access(settings).enabled
    monkeypatch.delenv("OAUTH_GOOGLE_CLIENT_ID")
    access.users.add("someone", "practitioner", None)
    access.users._count = None
    assert access.enabled


def test_the_key_logs_in_an_admin_only_while_there_are_no_users(settings):
    keyed = Access(settings.model_copy(update={"api_key": "the-shared-key-123"}))
    assert keyed.from_password("anyone", "the-shared-key-123").role == "admin"
    assert keyed.from_password("anyone", "not-the-key") is None
    keyed.users.add("alice", "practitioner", "alice's password")
    keyed.users._count = None
    assert keyed.from_password("anyone", "the-shared-key-123") is None
    assert keyed.from_password("alice", "alice's password").role == "practitioner"
    assert keyed.from_bearer("the-shared-key-123").role == "admin"  # scripts keep the key


def test_a_chat_log_in_is_checked_again_on_every_use(settings):
    access = Access(settings)
    access.users.add("alice", "trainer", "alice's password")
    assert access.from_chat_claims("alice", {"via": "password"}).role == "trainer"
    access.users.set_role("alice", "practitioner")
    assert access.from_chat_claims("alice", {"via": "password"}).role == "practitioner"
    access.users.remove("alice")
    assert access.from_chat_claims("alice", {"via": "password"}) is None
    assert access.from_chat_claims("admin", {"via": "api-key"}) is None  # no key configured
    assert access.from_chat_claims("x", {"role": "admin"}) is None  # claims alone give nothing


def test_sso_users_take_their_role_from_the_store_or_the_default(settings, monkeypatch):
    access = Access(settings)
    access.users.add("ann@council.gov.uk", "qa_lead", None)
    assert access.from_sso("ann@council.gov.uk").role == "qa_lead"
    assert access.from_sso("new@council.gov.uk").role == "practitioner"
    strict = Access(settings.model_copy(update={"sso_default_role": ""}))
    assert strict.from_sso("new@council.gov.uk") is None


def test_the_chat_secret_is_made_once_and_private(settings):
    access = Access(settings)
    secret = access.jwt_secret()
    assert len(secret) >= 40 and access.jwt_secret() == secret
    assert mode(settings.data_dir / "auth_secret") == 0o600


# --- screening and clean text -----------------------------------------------------------------


@pytest.mark.parametrize("text, kind", [
    ("the child called Jayden Smith was moved", "a name after 'called' or 'named'"),
    ("Jayden, born 3 April 2019, came into care", "a date of birth"),
    ("DOB: 03/04/2019", "a date of birth"),
    ("NHS number 943 476 5919", "an NHS number"),
    ("lives at BL1 1AA", "a postcode"),
    ("placed at 12 Mill Lane with his aunt", "an address"),
])
def test_personal_data_is_found_and_removed(text, kind):
    assert kind in personal_data.find(text)
    assert personal_data.find(personal_data.redact(text)) == []
    assert "[removed]" in personal_data.redact(text)


@pytest.mark.parametrize("text", [
    "the answer quoted the 2021 strategy, not the 2026 one",
    "Section 4.2 says 13 weeks; the answer said 12",
    "wrong council: I asked about Luton",
    "Regulation 33 reviews are every 6 months",
    "1234567890 is not a valid NHS number",
])
def test_ordinary_comments_pass(text):
    assert personal_data.find(text) == []


def test_control_characters_and_surrogates_are_refused_without_echo():
    from assistant.answering.schemas import AskRequest

    for bad in ("who \x00 can apply", "who \ud800 can apply", "\x1b[31m"):
        with pytest.raises(ValidationError) as err:
            AskRequest(question=bad)
        assert err.value.errors()[0]["loc"] == ("question",)
    assert AskRequest(question="who can\tapply\n for an SGO?").question


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2100-01-01"])
def test_implausible_dates_are_refused(day):
    from assistant.rules.facts import TimelineFacts

    with pytest.raises(ValidationError, match="between 1900-01-01 and 2099-12-31"):
        TimelineFacts(looked_after_from=day)
    assert TimelineFacts(looked_after_from="2026-03-02").looked_after_from.year == 2026


# --- rate limits and sessions -----------------------------------------------------------------


def test_sliding_window_limits_then_recovers():
    from assistant.server.security import SlidingWindow

    now = [0.0]
    window = SlidingWindow(3, 60, clock=lambda: now[0])
    assert [window.take("ip") for _ in range(3)] == [None, None, None]
    assert window.take("ip") == 60 and window.take("other") is None
    now[0] = 61
    assert window.take("ip") is None
    small = SlidingWindow(1, 60, max_keys=2, clock=lambda: now[0])
    for key in "abc":
        small.add(key)
    assert len(small._events) == 2  # bounded in keys


def test_a_conversation_continues_only_for_its_owner():
    from assistant.conversation.sessions import SessionStore

    store = SessionStore(6, 3600, 100)
    mine, _ = store.get_or_create(None, owner="alice")
    again, notice = store.get_or_create(mine.id, owner="alice")
    assert again is mine and notice is None
    theirs, notice = store.get_or_create(mine.id, owner="bob")
    assert theirs is not mine and theirs.owner == "bob" and "not found" in notice
    assert store.get_or_create(mine.id, owner="alice")[0] is mine  # untouched by the attempt


# --- retention --------------------------------------------------------------------------------


def test_purge_removes_expired_data_and_nothing_else(settings):
    from assistant.answering.gap_log import GapLog
    from assistant.server.feedback.feedback_service import FeedbackRequest, FeedbackService

    now = datetime.now(timezone.utc)
    old = (now - timedelta(days=400)).isoformat(timespec="seconds")
    feedback, gaps = FeedbackService(settings), GapLog(settings)
    for answer in ("old", "new"):
        feedback.register_answer(answer, "extractive", False)
        feedback.submit(FeedbackRequest(answer_id=answer, rating="down", comment=f"{answer} comment"))
        gaps.record("q", None, "weak evidence", [])
    with sqlite3.connect(feedback.path) as db:
        db.execute("UPDATE feedback SET time = ? WHERE answer_id = 'old'", (old,))
    with sqlite3.connect(gaps.path) as db:
        db.execute("UPDATE gaps SET time = ? WHERE id = 1", (old,))
    files = retention.chat_files_dir(settings) / "session-1"
    files.mkdir(parents=True)
    (files / "stale.md").write_text("quiz answers")
    (files / "fresh.md").write_text("quiz answers")
    os.utime(files / "stale.md", (time.time() - 2 * 86400,) * 2)

    report = retention.purge(settings)
    assert report.as_dict() == {"feedback_comments_cleared": 1, "gap_entries_deleted": 1, "chat_files_deleted": 1}
    assert feedback.get("old").comment is None and feedback.get("old").rating == "down"  # the rating stays
    assert feedback.get("new").comment == "new comment"
    assert [g.id for g in gaps.list()] == [2]
    assert not (files / "stale.md").exists() and (files / "fresh.md").exists()
    assert retention.purge(settings).as_dict() == {k: 0 for k in report.as_dict()}  # idempotent

    assert retention.erase_answer(settings, "new") and feedback.get("new") is None
    for path in (feedback.path, gaps.path):
        assert mode(path) == 0o600


def test_registering_an_answer_is_best_effort_when_the_store_is_locked(settings):
    from assistant.server.feedback.feedback_service import FeedbackService

    feedback = FeedbackService(settings)
    assert feedback.writable()
    blocker = sqlite3.connect(feedback.path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        assert feedback.register_answer("a1", "extractive", False) is False
        assert time.monotonic() - started < 8
        started = time.monotonic()
        assert feedback.register_answer("a2", "extractive", False) is False
        assert time.monotonic() - started < 1  # while it is failing, answers hardly wait
        assert not feedback.writable() and "locked" in feedback.last_write_error
    finally:
        blocker.rollback()
        blocker.close()
    assert feedback.writable() and feedback.register_answer("a1", "extractive", False)


# --- the commands ----------------------------------------------------------------------------


def test_users_and_purge_commands(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.access.identity import _access
    from assistant.cli import app
    from assistant.settings import get_settings

    monkeypatch.setenv("PERMANENCE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    _access.clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["users", "add", "tess", "--role", "Trainer", "--password-stdin"],
                          input="a long enough password\n")
        assert r.exit_code == 0 and "log-in is on" in r.output
        assert runner.invoke(app, ["users", "add", "x", "--role", "boss", "--no-password"]).exit_code == 2
        token = runner.invoke(app, ["users", "token", "tess"]).output.strip()
        assert token.startswith("pat_")
        listed = runner.invoke(app, ["users", "list", "--json"]).output
        assert '"role": "trainer"' in listed and token not in listed
        r = runner.invoke(app, ["purge"])
        assert r.exit_code == 0 and "feedback comments cleared: 0" in r.output
        assert runner.invoke(app, ["users", "remove", "tess"]).exit_code == 0
        assert runner.invoke(app, ["users", "remove", "tess"]).exit_code == 2
    finally:
        get_settings.cache_clear()
        _access.clear()
