"""Glossary expansion (both ways), authority detection and version detection: no index needed."""

from __future__ import annotations

import pytest

from assistant.corpus import load_corpus
from assistant.retrieval.glossary import Glossary, GlossaryError, load_glossary
from assistant.retrieval.query_analysis import analyse, find_authorities
from assistant.settings import Settings

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(Settings().manifest_path)


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(Settings().glossary_path)


@pytest.mark.parametrize(
    "query, must_add",
    [
        ("who can apply for an SGO?", "special guardianship order"),
        ("who can apply for an sgo", "special guardianship order"),
        ("when does the IRO see the plan", "independent reviewing officer"),
        ("what is a CLA review", "looked after child"),
        ("LAC reviews timescales", "looked after child"),
        ("who chairs the PPM", "permanence planning meeting"),
        ("FGC before care?", "family group conference"),
        ("is the PLO used", "public law outline"),
        ("IFA placements", "independent fostering agency"),
        ("role of the VSH", "virtual school head"),
        ("who holds PR under a CAO", "parental responsibility"),
        ("who holds PR under a CAO", "child arrangements order"),
        ("Reg 24 carers", "regulation 24"),
        ("ADM ratification", "agency decision maker"),
    ],
)
def test_acronym_expands_to_long_form(glossary, query, must_add):
    exp = glossary.expand(query)
    assert must_add in exp.added
    assert must_add in exp.text and exp.text.startswith(query)


@pytest.mark.parametrize(
    "query, must_add",
    [
        ("who may apply for a special guardianship order", "SGO"),
        ("Special Guardianship orders and contact", "SGO"),
        ("what does the independent reviewing officer do", "IRO"),
        ("when is the permanency planning meeting held", "PPM"),
        ("family group conferences", "FGC"),
        ("children looked after reviews", "LAC"),
        ("regulation 24 placements", "Reg 24"),
    ],
)
def test_long_form_expands_to_acronym(glossary, query, must_add):
    assert must_add in glossary.expand(query).added


def test_expansion_adds_nothing_already_present_or_unknown(glossary):
    exp = glossary.expand("special guardianship order (SGO) eligibility")
    assert "SGO" not in exp.added and "special guardianship order" not in exp.added
    assert glossary.expand("what is the weather like").added == ()


def test_short_acronyms_match_case_sensitively(glossary):
    # "pr" and "pace" are ordinary words in lower case; "PR" and "PACE" are acronyms.
    assert "parental responsibility" not in glossary.expand("a pr campaign").added
    assert "parental responsibility" in glossary.expand("who has PR").added
    assert glossary.expand("keep pace with the plan").added == ()


def test_subjects_found_for_follow_ups(glossary):
    subjects = glossary.subjects("who can apply for an SGO?")
    assert [m.entry.id for m in subjects] == ["sgo"]
    assert glossary.subjects("and for a child arrangements order?")[0].entry.id == "cao"
    # the longest form wins: one match, not "residential care" inside it
    assert [m.surface for m in glossary.subjects("long-term residential care")] == ["long-term residential care"]


def test_glossary_errors_name_the_entry(tmp_path):
    bad = tmp_path / "g.yaml"
    bad.write_text("terms:\n  - id: x\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="entry x"):
        Glossary.load(bad)
    bad.write_text("terms:\n  - acronyms: [A]\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="#1"):
        Glossary.load(bad)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("who can apply for an SGO in Bolton?", ["Bolton Council"]),
        ("what does Luton's guidance say about PPMs", ["Luton Council"]),
        ("wigan council: second review?", ["Wigan Council"]),
        ("WILTSHIRE parallel planning", ["Wiltshire Council"]),
        ("compare bolton and Wigan on the second review", ["Bolton Council", "Wigan Council"]),
        ("who can apply for an SGO?", []),
    ],
)
def test_authority_detection(corpus, question, expected):
    assert analyse(corpus, question).authorities == expected


def test_explicit_authority_wins_over_detection(corpus):
    assert analyse(corpus, "what does Bolton do?", "Luton Council").authorities == ["Luton Council"]


def test_authority_names_are_words_not_substrings(corpus):
    assert find_authorities(corpus, "bolts and lutonic widgets") == []


@pytest.mark.parametrize(
    "question, statuses, ids",
    [
        ("who can apply for an SGO?", ("current",), None),
        ("in the 2021 strategy, when is the PPM held?", ("superseded",), ("wigan-2021-2025",)),
        ("what did the old Wigan strategy say about residential care", ("superseded",), ("wigan-2021-2025",)),
        ("the previous policy on siblings", ("superseded",), ("wigan-2021-2025",)),
        ("Wigan 2021-2025 permanence panel", ("superseded",), ("wigan-2021-2025",)),
        ("what changed between the 2021 and 2026 Wigan strategies?", ("current", "superseded"), ("wigan-2026-2028", "wigan-2021-2025")),
        ("the child has been in care since 2021, can the carer apply?", ("current",), None),
        ("old Luton guidance", ("current",), None),  # Luton has no older version
    ],
)
def test_version_detection(corpus, question, statuses, ids):
    scope = analyse(corpus, question).scope
    assert scope.statuses == statuses
    assert scope.document_ids == ids
