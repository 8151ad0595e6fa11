"""Metrics on hand-made cases, including the ones that must fail."""

from __future__ import annotations

import math

import pytest

from assistant.evaluation.gold import GoldItem
from assistant.evaluation.metrics import (
    CitationRef,
    Hit,
    Passage,
    aggregate,
    answer_statements,
    breakdown,
    citation_precision,
    citation_recall,
    hit_at_k,
    hits_passage,
    key_fact_recall,
    ndcg_at_k,
    percentile,
    reciprocal_rank,
    rule_mismatches,
    score_item,
    unsupported_rate,
    unsupported_sentences,
)

pytestmark = pytest.mark.unit

DOC = "wigan-2026-2028"
TEXT = ("Special guardianship. Any of the following can apply for special guardianship: any guardian. "
        "The parents of the child may not become the child's special guardians. Other text follows here.")
P_PARENT = Passage(DOC, "The parents of the child may not become the child's special guardians.",
                   TEXT.index("The parents"), TEXT.index("guardians. Other") + len("guardians."))
P_LIST = Passage(DOC, "Any of the following can apply for special guardianship:",
                 TEXT.index("Any of"), TEXT.index("Any of") + len("Any of the following can apply for special guardianship:"))


def hit(start, end, doc=DOC, text=None):
    return Hit(doc, text if text is not None else TEXT[start:end], start, end)


def item(**kw) -> GoldItem:
    base = dict(id="t-01", kind="eligibility", question="can parents be SGs?", authority="wigan",
                key_facts=["may not become"], gold_passages=[{"document_id": DOC, "text": P_PARENT.text}])
    base.update(kw)
    return GoldItem.model_validate(base)


# --- retrieval ---------------------------------------------------------------------------
def test_hit_by_span_by_text_and_not_across_documents():
    assert hits_passage(hit(0, len(TEXT)), P_PARENT)
    assert not hits_passage(hit(0, P_PARENT.start + 10), P_PARENT)  # cuts the passage
    # no offsets (another chunking): contains the normalised passage
    assert hits_passage(Hit(DOC, "xx The parents of the child  may not\nbecome the child's special guardians. yy"), P_PARENT)
    assert hits_passage(Hit(DOC, "The parents of the child may not become the child’s special guardians."), P_PARENT)
    assert not hits_passage(Hit("wigan-2021-2025", TEXT, 0, len(TEXT)), P_PARENT)


def test_hit_at_k_and_mrr():
    miss = hit(0, 20)
    good = hit(P_PARENT.start - 5, P_PARENT.end)
    hits = [miss, miss, good]
    assert hit_at_k(hits, [P_PARENT], 1) == 0.0
    assert hit_at_k(hits, [P_PARENT], 2) == 0.0
    assert hit_at_k(hits, [P_PARENT], 3) == 1.0
    assert reciprocal_rank(hits, [P_PARENT]) == pytest.approx(1 / 3)
    assert reciprocal_rank([miss], [P_PARENT]) == 0.0


def test_ndcg_rewards_covering_every_passage_not_repeating_one():
    a = hit(P_PARENT.start, P_PARENT.end)
    b = hit(P_LIST.start, P_LIST.end)
    assert ndcg_at_k([a, b], [P_PARENT, P_LIST]) == pytest.approx(1.0)
    dup = ndcg_at_k([a, a], [P_PARENT, P_LIST])
    ideal = 1 + 1 / math.log2(3)
    assert dup == pytest.approx(1 / ideal)
    late = ndcg_at_k([hit(0, 5), a], [P_PARENT])
    assert late == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k([], [P_PARENT]) == 0.0


# --- citations -----------------------------------------------------------------------------
def test_citation_recall_and_precision():
    c_gold = CitationRef(DOC, P_PARENT.text, P_PARENT.start, P_PARENT.end, 1)
    c_other = CitationRef(DOC, "Other text follows here.", TEXT.index("Other"), len(TEXT), 2)
    c_fact = CitationRef("bolton", "parents may not become special guardians", 0, 40, 3)
    assert citation_recall([c_gold], [P_PARENT, P_LIST]) == 0.5
    assert citation_recall([c_other], [P_PARENT]) == 0.0
    assert citation_recall([], [P_PARENT]) == 0.0
    assert citation_recall([c_gold], []) is None
    # precise: gold (by span) or quoting a key fact
    assert citation_precision([c_gold, c_other], [P_PARENT], ["may not become"]) == 0.5
    assert citation_precision([c_fact], [P_PARENT], ["may not become"]) == 1.0
    assert citation_precision([c_other], [P_PARENT], ["may not become"]) == 0.0
    assert citation_precision([], [P_PARENT], []) is None


def test_citation_of_part_of_a_passage_covers_it_only_when_half_or_more():
    half = CitationRef(DOC, "The parents of the child may not become", P_PARENT.start, P_PARENT.start + 39)
    tiny = CitationRef(DOC, "The parents", P_PARENT.start, P_PARENT.start + 11)
    assert citation_recall([half], [P_PARENT]) == 1.0
    assert citation_recall([tiny], [P_PARENT]) == 0.0


# --- answers -------------------------------------------------------------------------------
def test_key_fact_recall():
    assert key_fact_recall("It is the FOUR-MONTH review.", ["four-month review", "13 weeks"]) == 0.5
    assert key_fact_recall("nothing", ["four-month review"]) == 0.0
    assert key_fact_recall("x", []) is None


CITES = [
    CitationRef(DOC, "The parents of the child may not become the child's special guardians.", 0, 10, 1),
    CitationRef(DOC, "Any of the following can apply for special guardianship:\n• Any guardian of the child.", 20, 40, 2),
]


def test_statements_attach_to_the_markers_after_them():
    st = answer_statements("**Wigan**:\nFirst quote. [1] Second one. [2][3]\n- item [2]\nTrailing claim. Another.")
    assert st == [("**Wigan**:", []), ("First quote.", [1]), ("Second one.", [2, 3]), ("- item", [2]),
                  ("Trailing claim.", []), ("Another.", [])]


def test_supported_answer_has_no_unsupported_statements():
    answer = ("**Wigan Council**, Permanence Planning Strategy 2026-2028:\n"
              "The parents of the child may not become the child's special guardians. [1]\n"
              "Any of the following can apply for special guardianship: [2]\n"
              "- Any guardian of the child. [2]")
    judged, bad = unsupported_sentences(answer, CITES)
    assert bad == [] and judged == 2
    assert unsupported_rate(answer, CITES) == 0.0


def test_invented_or_misattributed_statements_are_unsupported():
    answer = ("The parents of the child may not become the child's special guardians. [1]\n"
              "Parents can apply after two years. [1]\n"  # marker, but not in its quote
              "Any guardian of the child. [1]\n"  # in a quote, but not in the one its marker points at
              "Special guardians are paid weekly.")  # no marker at all
    judged, bad = unsupported_sentences(answer, CITES)
    assert judged == 4 and len(bad) == 3
    assert unsupported_rate(answer, CITES) == pytest.approx(0.75)


def test_elided_quote_pieces_must_each_be_quoted():
    ok = "The parents of the child ... the child's special guardians. [1]"
    bad = "The parents of the child ... may apply anyway. [1]"
    assert unsupported_rate(ok, CITES) == 0.0
    assert unsupported_rate(bad, CITES) == 1.0


# --- rules --------------------------------------------------------------------------------
RULES = {"computation": "review_schedule", "results": [
    {"authority": "England", "outcome": "computed", "dates": [
        {"key": "review_1", "date": "2026-03-30"}, {"key": "review_2", "date": "2026-06-30"}]},
    {"authority": "Luton Council", "outcome": "computed", "earliest_date": None, "dates": [
        {"key": "luton_ppm_1", "date": "2026-03-30", "status": "overdue"}]},
]}


def test_rule_exact_match_and_each_kind_of_mismatch():
    assert rule_mismatches({"dates": {"review_1": "2026-03-30", "review_2": "2026-06-30"}}, RULES) == []
    assert rule_mismatches({"result": {"authority": "England", "outcome": "computed"}}, RULES) == []
    assert rule_mismatches({"statuses": {"luton_ppm_1": "overdue"}}, RULES) == []
    wrong = rule_mismatches({"dates": {"review_2": "2026-07-01"}}, RULES)
    assert wrong and "review_2" in wrong[0] and "2026-06-30" in wrong[0]
    assert rule_mismatches({"dates": {"review_9": "2026-07-01"}}, RULES)[0].startswith("date review_9: missing")
    assert rule_mismatches({"result": {"authority": "England", "outcome": "eligible"}}, RULES)
    assert rule_mismatches({"statuses": {"luton_ppm_1": "upcoming"}}, RULES)
    assert rule_mismatches({"dates": {"review_1": "2026-03-30"}}, None) == ["no rule result"]
    assert rule_mismatches({"dates": {"review_1": "2026-03-30"}}, []) != []


# --- per-item pass/fail ----------------------------------------------------------------------
def test_score_item_pass_and_each_way_to_fail():
    good = hit(P_PARENT.start, P_PARENT.end)
    cite = [CitationRef(DOC, P_PARENT.text, P_PARENT.start, P_PARENT.end, 1)]
    ans = P_PARENT.text + " [1]"
    s = score_item(item(), [P_PARENT], hits=[good], answer=ans, citations=cite, refused=False, latency_ms=5)
    assert s.passed and s.hit_at_5 == 1.0 and s.key_fact_recall == 1.0 and s.citation_recall == 1.0
    assert s.unsupported_rate == 0.0 and s.false_refusal == 0.0

    s = score_item(item(), [P_PARENT], hits=[good], answer="", citations=[], refused=True)
    assert not s.passed and s.false_refusal == 1.0 and s.key_fact_recall == 0.0

    s = score_item(item(), [P_PARENT], hits=[good], answer="Parents can. [1]", citations=cite, refused=False)
    assert not s.passed and any("missing key facts" in r for r in s.reasons)

    s = score_item(item(), [P_PARENT], hits=[good], answer="They may not become guardians.", citations=[], refused=False)
    assert not s.passed and any("no gold passage cited" in r for r in s.reasons)

    refuse = item(id="r-01", kind="unanswerable", must_refuse=True, key_facts=[], gold_passages=[], authority=None)
    s = score_item(refuse, [], hits=None, answer="Fees are £500.", citations=[], refused=False)
    assert not s.passed and s.refusal_correct == 0.0
    s = score_item(refuse, [], hits=None, answer="Not covered.", citations=[], refused=True)
    assert s.passed and s.refusal_correct == 1.0


def test_rule_item_fails_on_a_wrong_date_even_when_the_answer_reads_well():
    rule = item(id="rule-01", kind="rule", key_facts=["30 March 2026"], gold_passages=[],
                rule={"endpoint": "review-schedule", "facts": {"looked_after_from": "2026-03-02"}},
                expected={"dates": {"review_1": "2026-03-30"}})
    ok = score_item(rule, [], hits=None, answer="First review by 30 March 2026.", refused=False, rule_result=RULES)
    assert ok.passed and ok.rule_exact == 1.0 and ok.rule_chat_exact == 0.0
    bad_rules = {"results": [{"dates": [{"key": "review_1", "date": "2026-03-31"}]}]}
    bad = score_item(rule, [], hits=None, answer="First review by 30 March 2026.", refused=False, rule_result=bad_rules)
    assert not bad.passed and bad.rule_exact == 0.0


def test_retrieval_only_engine_is_judged_on_hit_at_5_and_skips_refusals():
    s = score_item(item(), [P_PARENT], hits=[hit(0, 5)] * 5 + [hit(P_PARENT.start, P_PARENT.end)])
    assert s.passed is False and s.hit_at_10 == 1.0 and s.hit_at_5 == 0.0
    refuse = item(id="r-01", kind="hostile", must_refuse=True, key_facts=[], gold_passages=[], authority=None)
    assert score_item(refuse, [], hits=[]).passed is None


def test_aggregate_breakdown_and_percentile():
    a = item(id="a-01")
    b = item(id="b-01", authority="bolton", gold_passages=[{"document_id": "bolton", "text": "xxxxxxxxxx yy"}])
    r = item(id="r-01", kind="hostile", must_refuse=True, key_facts=[], gold_passages=[], authority=None)
    sa = score_item(a, [P_PARENT], hits=[hit(P_PARENT.start, P_PARENT.end)], answer=P_PARENT.text + " [1]",
                    citations=[CitationRef(DOC, P_PARENT.text, P_PARENT.start, P_PARENT.end, 1)], refused=False, latency_ms=10)
    sb = score_item(b, [Passage("bolton", "xxxxxxxxxx yy", 0, 13)], hits=[], answer="", refused=True, latency_ms=30)
    sr = score_item(r, [], hits=None, answer="", refused=True, latency_ms=20)
    rows = [(a, sa), (b, sb), (r, sr)]
    agg = aggregate(rows)
    assert agg["items"] == 3 and agg["pass_rate"] == pytest.approx(2 / 3)
    assert agg["hit_at_5"] == 0.5 and agg["false_refusal_rate"] == 0.5 and agg["refusal_accuracy"] == 1.0
    assert agg["latency_p50_ms"] == 20 and agg["latency_p95_ms"] == 30
    by_doc = breakdown(rows, "document")
    assert set(by_doc) == {DOC, "bolton", "(none)"} and by_doc["bolton"]["pass_rate"] == 0.0
    assert set(breakdown(rows, "authority")) == {"wigan", "bolton", "(all)"}
    assert percentile([], 50) is None and percentile([5.0], 95) == 5.0
    assert percentile(list(range(1, 101)), 95) == 95


def test_a_comparison_line_is_judged_on_the_words_it_puts_in_quotes():
    cites = [CitationRef(DOC, "A child's permanence plan should be established at the four-month review.", 0, 10, 1),
             CitationRef("bolton", "The second Review takes place no more than 13 weeks after the care episode begins.", 0, 10, 2)]
    ok = 'The authorities differ on timing. Wigan: "at the four-month review" [1]; Bolton: "no more than 13 weeks" [2]'
    assert unsupported_rate(ok, cites) == 0.0
    wrong = 'Wigan: "at the six-month review" [1]; Bolton: "no more than 13 weeks" [1]'
    judged, bad = unsupported_sentences(wrong, cites)
    assert judged == 2 and len(bad) == 2  # invented words, and words quoted from the wrong citation
