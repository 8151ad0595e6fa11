"""Gold follows document lineage (no index needed): where each passage is looked up, what is
stale, and the suggested edit."""

from __future__ import annotations

import pytest

from assistant.evaluation.gold import GoldItem
from assistant.evaluation.gold_lineage import (
    CorpusDocument,
    key_fact_edits,
    most_similar_span,
    resolve_passages,
    stale_item_ids,
)

pytestmark = pytest.mark.unit

V1 = ("Planning\n\nThe first meeting is held within 4 weeks of the child entering care. "
      "It is chaired by the team manager.\n\nTracking\n\nThe tracking meeting is monthly.")
V2 = V1.replace("within 4 weeks", "within 6 weeks")
SECTIONS = ((0, ("Planning",)), (V1.index("Tracking"), ("Tracking",)))


def item(iid: str, passage: str, doc: str = "pol", key_facts=("x",), **extra) -> GoldItem:
    return GoldItem.model_validate({"id": iid, "kind": "timescale", "question": "q?", "key_facts": list(key_facts),
                                    "gold_passages": [{"document_id": doc, "text": passage, **extra}]})


def docs(*entries: CorpusDocument) -> dict[str, CorpusDocument]:
    return {d.id: d for d in entries}


OLD_V = CorpusDocument("pol", "fam", "superseded", V1, SECTIONS)
NEW_V = CorpusDocument("pol-v2", "fam", "current", V2, tuple((V2.index("Tracking") if p == ("Tracking",) else 0, p)
                                                             for _, p in SECTIONS))
ITEMS = [
    item("first-01", "The first meeting is held within 4 weeks of the child entering care.", key_facts=["within 4 weeks"]),
    item("chair-01", "It is chaired by the team manager."),
    item("old-01", "The first meeting is held within 4 weeks of the child entering care.", pinned=True),
]


def test_unchanged_passages_follow_the_current_version_and_a_changed_one_is_stale():
    recs = resolve_passages(ITEMS, docs(OLD_V, NEW_V))
    chair = recs["chair-01"][0]
    assert (chair["document_id"], chair["status"], chair["found"]) == ("pol-v2", "followed", True)
    assert chair["section"] == "Planning" and V2[chair["start"]:chair["end"]] == "It is chaired by the team manager."
    first = recs["first-01"][0]
    assert (first["document_id"], first["status"], first["found"]) == ("pol-v2", "changed", False)
    assert first["old_section"] == "Planning"
    sug = first["suggestion"]
    assert sug["action"] == "replace" and sug["document_id"] == "pol-v2" and sug["section"] == "Planning"
    assert sug["text"] == "The first meeting is held within 6 weeks of the child entering care."
    assert sug["key_facts"] == [{"old": "within 4 weeks", "new": "within 6 weeks"}]
    # a pinned passage stays on the version it names, where it is still verbatim
    old = recs["old-01"][0]
    assert (old["document_id"], old["status"]) == ("pol", "unchanged")
    assert stale_item_ids(recs) == ["first-01"]


def test_a_document_edited_in_place_and_a_missing_family():
    edited = CorpusDocument("pol", "fam", "current", V2, SECTIONS)
    recs = resolve_passages(ITEMS[:1] + [item("gone-01", "Some passage that is nowhere.", doc="removed-doc")],
                            docs(edited))
    assert recs["first-01"][0]["status"] == "changed" and recs["first-01"][0]["document_id"] == "pol"
    assert recs["gone-01"][0]["status"] == "missing document" and recs["gone-01"][0]["suggestion"] is None
    # an explicit family finds the passage in the family's current version
    fam = resolve_passages([item("fam-01", "The tracking meeting is monthly.", doc="removed-doc", family="fam")], docs(edited))
    assert fam["fam-01"][0]["status"] == "followed" and fam["fam-01"][0]["document_id"] == "pol"


def test_a_removed_passage_gets_review_not_a_replacement():
    gone = CorpusDocument("pol-v2", "fam", "current", V1.replace(" It is chaired by the team manager.", ""), SECTIONS)
    rec = resolve_passages([ITEMS[1]], docs(OLD_V, gone))["chair-01"][0]
    assert rec["status"] == "changed" and rec["suggestion"]["action"] == "review"
    assert "removed" in rec["suggestion"]["why"] and rec["suggestion"]["key_facts"] == []


def test_suggested_span_trims_to_a_passage_that_started_and_ended_mid_sentence():
    old = "held within 4 weeks of the child"
    start, end, sim = most_similar_span(old, V2)
    assert V2[start:end] == "held within 6 weeks of the child" and sim > 0.9


def test_key_fact_edits_only_for_facts_the_new_text_no_longer_states():
    edits = key_fact_edits(["within 4 weeks", "team manager", r"\bmonthly\b"],
                           "within 4 weeks by the team manager monthly", "within 6 weeks by the team manager monthly")
    assert edits == [{"old": "within 4 weeks", "new": "within 6 weeks"}]
    # a fact the rewrite cannot fix is flagged for a hand edit
    assert key_fact_edits(["four weeks"], "in four weeks", "in a month") == [{"old": "four weeks", "new": "a month"}]
    # a pattern the changed words do not appear in literally is flagged for a hand edit
    assert key_fact_edits([r"\d+ weeks"], "plan within 4 weeks", "plan by the second review") == [
        {"old": r"\d+ weeks", "new": None}]


def test_policies_changed_since_the_baseline_per_family():
    from assistant.evaluation.document_changes import changed_documents, document_records

    before = docs(CorpusDocument("pol", "fam", "current", V1, SECTIONS), CorpusDocument("other", "o", "current", "Same."))
    records = document_records(before)
    # a new version beside the old one, the other policy untouched
    now = docs(OLD_V, NEW_V, CorpusDocument("other", "o", "current", "Same."))
    (change,) = changed_documents(records, before, now)
    assert (change["family"], change["old"], change["new"], change["change"]) == ("fam", "pol", "pol-v2", "new version")
    assert [c["path_b"] for c in change["diff"]["changed"]] == ["Planning"] and "6 weeks" in change["diff"]["changed"][0]["diff"]
    # an edit in place: the old text comes from the baseline's snapshot
    edited = docs(CorpusDocument("pol", "fam", "current", V2, SECTIONS), CorpusDocument("other", "o", "current", "Same."))
    (change,) = changed_documents(records, before, edited)
    assert change["change"] == "edited in place" and change["diff"]["changed"]
    # without the baseline's texts the change is still named, with a pointer instead of a diff
    (change,) = changed_documents(records, {}, edited)
    assert change["diff"] is None and "diff-versions" in change["note"]
    assert changed_documents(records, before, before) == []
