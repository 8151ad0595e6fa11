"""Sessions (bounded, expiring, capped, thread-safe) and model-free follow-up resolution."""

from __future__ import annotations

import threading

import pytest

from assistant.conversation.follow_ups import resolve
from assistant.conversation.sessions import SessionStore, Turn
from assistant.corpus import load_corpus
from assistant.retrieval.glossary import load_glossary
from assistant.settings import Settings

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _turn(q, auths=(), refused=False):
    return Turn(q, q, tuple(auths), "id", refused)


def test_turns_are_bounded():
    store = SessionStore(max_turns=3, ttl_s=60, max_sessions=10)
    s, notice = store.get_or_create(None)
    assert notice is None
    for i in range(5):
        store.record(s, _turn(f"q{i}"))
    assert [t.question for t in s.turns] == ["q2", "q3", "q4"]
    assert s.last_turn.question == "q4"


def test_unknown_session_starts_a_new_one_with_a_notice():
    store = SessionStore(max_turns=3, ttl_s=60, max_sessions=10)
    s, notice = store.get_or_create("made-up-id")
    assert s.id != "made-up-id"
    assert "not found" in notice
    again, notice2 = store.get_or_create(s.id)
    assert again is s and notice2 is None


def test_sessions_expire():
    clock = FakeClock()
    store = SessionStore(max_turns=3, ttl_s=60, max_sessions=10, clock=clock)
    s, _ = store.get_or_create(None)
    clock.now += 30
    assert store.get_or_create(s.id)[0] is s  # touching renews it
    clock.now += 61
    fresh, notice = store.get_or_create(s.id)
    assert fresh.id != s.id and "expired" in notice


def test_least_recently_used_session_is_evicted_at_the_cap():
    store = SessionStore(max_turns=3, ttl_s=600, max_sessions=2)
    a, _ = store.get_or_create(None)
    b, _ = store.get_or_create(None)
    store.get_or_create(a.id)  # a is now the most recent
    c, _ = store.get_or_create(None)
    assert len(store) == 2
    assert store.get_or_create(a.id)[0] is a
    assert store.get_or_create(b.id)[0] is not b  # b was evicted
    assert c.id


def test_store_is_thread_safe():
    store = SessionStore(max_turns=50, ttl_s=600, max_sessions=1000)
    s, _ = store.get_or_create(None)
    ids: list[str] = []

    def work():
        for i in range(100):
            store.record(s, _turn(str(i)))
            ids.append(store.get_or_create(None)[0].id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(s.turns) == 50
    assert len(set(ids)) == 400  # every new session got its own id
    assert len(store) == 401


@pytest.fixture(scope="module")
def ctx():
    s = Settings()
    return load_corpus(s.manifest_path), load_glossary(s.glossary_path)


def test_follow_up_with_new_subject_keeps_the_frame(ctx):
    corpus, glossary = ctx
    r = resolve("and for a child arrangements order?", _turn("who can apply for an SGO?"), None, corpus, glossary)
    assert r.follow_up
    assert r.question == "who can apply for a child arrangements order?"
    assert r.authority is None
    assert "new subject" in r.explanation


def test_follow_up_with_new_authority_keeps_the_subject(ctx):
    corpus, glossary = ctx
    r = resolve("what about Luton?", _turn("who can apply for an SGO?"), None, corpus, glossary)
    assert r.question == "who can apply for an SGO in Luton?"
    assert r.authority == "Luton Council"
    r2 = resolve("and Bolton's?", _turn("when is the plan due in Wigan?", ["Wigan Council"]), None, corpus, glossary)
    assert r2.question == "when is the plan due in Bolton?"
    assert r2.authority == "Bolton Council"


def test_follow_up_keeps_the_previous_authority(ctx):
    corpus, glossary = ctx
    r = resolve("and for a CAO?", _turn("who can apply for an SGO in Wigan?", ["Wigan Council"]), None, corpus, glossary)
    assert r.question == "who can apply for a CAO in Wigan?"
    assert r.authority == "Wigan Council"


def test_standalone_questions_are_not_rewritten(ctx):
    corpus, glossary = ctx
    prev = _turn("who can apply for an SGO?")
    r = resolve("When must the permanence plan be in place?", prev, None, corpus, glossary)
    assert not r.follow_up and r.question == "When must the permanence plan be in place?"
    assert not resolve("and for a CAO?", None, None, corpus, glossary).follow_up
    # a refused question is no frame to build on
    assert not resolve("and for a CAO?", _turn("tell me a joke", refused=True), None, corpus, glossary).follow_up
