"""Induction quiz logic: which questions, how answers are scored, the summaries."""

from __future__ import annotations

import csv
import io
import random
from types import SimpleNamespace

import pytest

from assistant.ui import quiz

pytestmark = pytest.mark.unit


def _item(id, kind="eligibility", authority="wigan", question="who can apply for an SGO in wigan?",
          key_facts=("guardian",), must_refuse=False, turns=()):
    return SimpleNamespace(id=id, kind=kind, authority=authority, question=question, key_facts=list(key_facts),
                           must_refuse=must_refuse, turns=list(turns))


ITEMS = [
    _item("wig26-sgo-who-01", key_facts=("guardian", "one year immediately preceding", "three out of the last five years")),
    _item("wig26-cao-who-01", question="who can apply for a CAO without leave", key_facts=("parent or guardian", "lived for 3 years")),
    _item("lut-ppm-01", kind="timescale", authority="luton", question="when is the first PPM in luton?", key_facts=("within 4 weeks",)),
    _item("bol-review2-01", kind="timescale", authority="bolton", question="when is the 2nd review?", key_facts=("13 weeks",)),
    _item("ref-weather-01", kind="unanswerable", authority=None, question="weather?", key_facts=(), must_refuse=True),
    _item("fu-sgo-01", kind="followup", question="and in luton?", turns=("who can apply for an SGO?",)),
    _item("rule-review-01", kind="rule", key_facts=()),
]


def test_only_self_contained_answerable_items_become_questions():
    qs = quiz.quiz_questions(ITEMS)
    assert [q.id for q in qs] == ["wig26-sgo-who-01", "wig26-cao-who-01", "lut-ppm-01", "bol-review2-01"]
    assert qs[0].topic == "sgo" and qs[0].topic_label == "Special guardianship"


def test_topic_comes_from_the_gold_id():
    assert quiz.topic_of("wig26-sgo-who-01") == "sgo"
    assert quiz.topic_of("lut-ppm-01") == "ppm"
    assert quiz.topic_of("single") == "single"


@pytest.mark.parametrize("text,terms,count", [
    ("/quiz", (), quiz.DEFAULT_COUNT),
    ("/quiz sgo", ("sgo",), quiz.DEFAULT_COUNT),
    ("quiz luton 3", ("luton",), 3),
    ("/quiz on sgo in wigan 50", ("sgo", "wigan"), quiz.MAX_COUNT),
    ("/quiz 0", (), 1),
])
def test_parse_quiz_request(text, terms, count):
    req = quiz.parse_quiz_request(text)
    assert req.terms == terms and req.count == count


def test_select_filters_by_topic_kind_authority_or_word():
    qs = quiz.quiz_questions(ITEMS)
    rng = random.Random(1)
    assert {q.id for q in quiz.select_questions(qs, quiz.QuizRequest(("sgo",)), rng)} == {"wig26-sgo-who-01"}
    assert {q.id for q in quiz.select_questions(qs, quiz.QuizRequest(("luton",)), rng)} == {"lut-ppm-01"}
    assert {q.id for q in quiz.select_questions(qs, quiz.QuizRequest(("timescale",)), rng)} == {"lut-ppm-01", "bol-review2-01"}
    assert {q.id for q in quiz.select_questions(qs, quiz.QuizRequest(("wigan", "cao")), rng)} == {"wig26-cao-who-01"}
    assert quiz.select_questions(qs, quiz.QuizRequest(("adoption",)), rng) == []


def test_select_limits_count_and_interleaves_topics():
    qs = quiz.quiz_questions(ITEMS)
    picked = quiz.select_questions(qs, quiz.QuizRequest((), 3), random.Random(7))
    assert len(picked) == 3
    assert len({q.topic for q in picked}) == 3  # three different topics before any repeats


def test_scoring_counts_each_key_fact_and_accepts_number_words():
    q = quiz.quiz_questions(ITEMS)[0]
    res = quiz.score_answer(q, "A guardian, or a foster carer with the child for one year immediately preceding the application")
    assert [r.covered for r in res] == [True, True, False]
    q2 = quiz.quiz_questions(ITEMS)[1]
    res2 = quiz.score_answer(q2, "Parent or guardian, or a person the child has lived for three years with")
    assert [r.covered for r in res2] == [True, True]
    q3 = quiz.quiz_questions(ITEMS)[3]
    assert quiz.score_answer(q3, "thirteen weeks after the care episode starts")[0].covered
    assert not quiz.score_answer(q3, "within 3 months")[0].covered


def test_describe_fact_makes_regexes_readable():
    assert quiz.describe_fact("one year immediately preceding") == "one year immediately preceding"
    assert quiz.describe_fact(r"6\s*-\s*12 months") == "6 - 12 months"
    assert quiz.describe_fact("four-month review|second Looked After Review") == "four-month review / second Looked After Review"
    assert quiz.describe_fact(r"\bPLO\b") == "PLO"


def _played_session() -> quiz.QuizSession:
    qs = {q.id: q for q in quiz.quiz_questions(ITEMS)}
    s = quiz.QuizSession(quiz.QuizRequest(("wigan",), 3))
    s.record(qs["wig26-sgo-who-01"], "a guardian; three out of the last five years")
    s.record(qs["wig26-cao-who-01"], "skip")
    s.record(qs["lut-ppm-01"], "within 4 weeks of coming into care")
    return s


def test_session_scores_per_topic_and_total():
    s = _played_session()
    scores = {t.topic: (t.questions, t.covered, t.total) for t in s.topic_scores()}
    assert scores == {"sgo": (1, 2, 3), "cao": (1, 0, 2), "ppm": (1, 1, 1)}
    t = s.totals()
    assert (t.questions, t.covered, t.total, t.percent) == (3, 3, 6, 50)
    assert s.records[1].skipped


def test_summary_markdown_has_topic_table_and_each_question():
    md = quiz.summary_markdown(_played_session())
    assert "| Special guardianship | 1 | 2 / 3 | 67% |" in md
    assert "| Child arrangements orders | 1 | 0 / 2 | 0% |" in md
    assert "| **All topics** | 3 | 3 / 6 | 50% |" in md
    assert "- [x] guardian" in md and "- [ ] one year immediately preceding" in md
    assert "_skipped_" in md


def test_summary_csv_rows_per_question_topic_and_total():
    rows = list(csv.DictReader(io.StringIO(quiz.summary_csv(_played_session()))))
    assert [r["row"] for r in rows] == ["question"] * 3 + ["topic"] * 3 + ["total"]
    q1 = rows[0]
    assert q1["question_id"] == "wig26-sgo-who-01" and q1["facts_covered"] == "2" and q1["facts_total"] == "3"
    assert q1["facts_missed"] == "one year immediately preceding"
    total = rows[-1]
    assert (total["questions"], total["facts_covered"], total["facts_total"], total["score_percent"]) == ("3", "3", "6", "50")


def test_feedback_markdown_marks_covered_and_missed():
    s = _played_session()
    fb = quiz.feedback_markdown(s.records[0])
    assert "2 of 3" in fb and "✔ covered: guardian" in fb and "✘ missed: one year immediately preceding" in fb
    assert quiz.feedback_markdown(s.records[1]).startswith("Skipped")


def test_real_gold_set_yields_questions():
    """The shipped gold set loads and gives quiz questions across several topics."""
    from assistant.evaluation.gold import load_gold
    from assistant.settings import Settings

    qs = quiz.quiz_questions(load_gold(Settings().gold_dir))
    assert len(qs) >= 20
    assert len({q.topic for q in qs}) >= 5
    assert all(q.key_facts for q in qs)


# -- a fair quiz: the gold answer as model answer, words shown for each point ----------

def test_model_answer_is_the_gold_passages_whole_and_its_key_facts():
    q = quiz.QuizQuestion("x-sgo-01", "sgo", "eligibility", None, "Who may not apply?",
                          ("party to a marriage",),
                          (("wigan-2026-2028", "A party to a marriage with the child's parent\nis not eligible."),))
    md = quiz.model_answer_markdown(q, lambda doc: f"Wigan Council ({doc})")
    assert "“A party to a marriage with the child's parent  \nis not eligible.”" in md
    assert "_Wigan Council (wigan-2026-2028)_" in md
    assert md.rstrip().endswith("**Key facts:** party to a marriage.")
    # the fact a learner is told they missed is worded as in the model answer
    rec = quiz.QuizSession().record(q, "a grandparent")
    assert "✘ missed: party to a marriage" in quiz.feedback_markdown(rec)


def test_each_point_shows_the_learners_words_and_how_they_earned_it():
    q = quiz.QuizQuestion("x-sgo-01", "sgo", "eligibility", None, "?", ("three out of the last five years", "foster carer"))
    rec = quiz.QuizSession().record(q, "Someone the child lived with 3 out of the last 5 years; a Foster Carer")
    fb = quiz.feedback_markdown(rec)
    assert "your words: “three out of the last five years” (same words)" in fb  # numbers read either way
    assert "your words: “Foster Carer” (same words)" in fb
    assert rec.covered == 2


def test_similarity_credits_meaning_only_with_the_same_numbers():
    q = quiz.QuizQuestion("x-review-01", "review", "timescale", None, "?", ("within 20 working days",))
    always_close = lambda fact, texts: [0.99 for _ in texts]  # noqa: E731 - a stand-in embedder
    assert not quiz.score_answer(q, "in about a month", always_close)[0].covered
    hit = quiz.score_answer(q, "inside twenty working days of coming into care", always_close)[0]
    assert hit.covered and hit.how.startswith("same meaning") and "twenty working days" in hit.evidence


def test_topics_are_readable_names_from_ours_or_the_glossary():
    assert quiz.topic_of("p-luton-sgo-panel-01") == "sgo"
    assert quiz.topic_of("t-ver-ppm-chair-01") == "ppm"
    assert quiz.topic_of("p-cmp-adopt-01") == "adoption"
    assert quiz.topic_label("ffa") == "Fostering for adoption"  # from the glossary, not "Ffa"
