"""The quiz credits a key fact stated in other words, and not a wrong answer: the
calibration set for ``quiz.SIMILARITY_THRESHOLD``, with the real embedder.

Each row: a key fact from the gold set, a learner's paraphrase, whether it should earn the
point, and a wrong answer (plausible, on the same subject) that must not. The threshold
sits above every wrong answer; paraphrases the embedder cannot see (marked False) are kept
so a better model or threshold shows up here as a change.
"""

from __future__ import annotations

import pytest

from assistant.ui import quiz

pytestmark = pytest.mark.integration

# (key fact, paraphrase, credited?, wrong answer)
CALIBRATION = [
    ("parallel plan should be pursued", "you run a second plan alongside the first one", True, "the child goes home"),
    ("shared with the birth parents", "parental responsibility is shared with mum and dad", True,
     "the local authority holds it alone"),
    ("Review of Permanence work to date", "look back at the permanence work done so far", True, "the child's health needs"),
    ("grandparent", "the child's grandmother", True, "a family friend"),
    ("more than 2 years", "over two years", True, "within 28 days"),
    ("drift", "the case is drifting with no progress", True, "the plan is on track"),
    ("second statutory review", "by the 2nd looked after review", True, "at the first review"),  # glossary
    ("step parent", "a stepfather", False, "a neighbour"),
    ("allocated Team Manager", "the social worker's team manager chairs it", False, "the IRO chairs it"),
    ("still viable", "whether the plan can still work", False, "the agenda lists contact arrangements"),
]


@pytest.fixture(scope="module")
def similarity(embedder):
    return quiz.embedder_similarity(embedder)


def _q(fact: str) -> quiz.QuizQuestion:
    return quiz.QuizQuestion("cal-01", "cal", "process", None, "calibration", (fact,))


@pytest.mark.parametrize("fact,paraphrase,credited,wrong", CALIBRATION, ids=[c[0] for c in CALIBRATION])
def test_paraphrase_credited_and_wrong_answer_not(similarity, fact, paraphrase, credited, wrong):
    got = quiz.score_answer(_q(fact), paraphrase, similarity)[0]
    assert got.covered is credited, (fact, paraphrase, got)
    if credited:
        # the words shown are the learner's own (numbers may show as digits or words)
        assert got.evidence and any(got.evidence.lower() in v.lower() for v in quiz._variants(paraphrase))
        assert got.how
    assert not quiz.score_answer(_q(fact), wrong, similarity)[0].covered, (fact, wrong)


def test_threshold_separates_the_calibration_set(similarity):
    """Margins, so a change of model or threshold is visible: every wrong answer scores
    below the threshold, and the paraphrases credited by meaning score at or above it."""
    wrong = [max(similarity(quiz.describe_fact(f), quiz.clauses(w))) for f, _, _, w in CALIBRATION]
    assert max(wrong) < quiz.SIMILARITY_THRESHOLD, wrong
    by_meaning = [(f, p) for f, p, ok, _ in CALIBRATION if ok and not quiz.score_answer(_q(f), p)[0].covered]
    assert len(by_meaning) >= 4  # most credited paraphrases share no words with the fact
    for f, p in by_meaning:
        assert max(similarity(quiz.describe_fact(f), quiz.clauses(p))) >= quiz.SIMILARITY_THRESHOLD, (f, p)
