"""Answer layout: source cards, the short form of rule answers, the case-record copy,
and the served Chainlit bundle without the side panel's auto-open."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.models import Citation
from assistant.ui import answer_layout as al
from assistant.ui.mount import click_only_side_panel

pytestmark = pytest.mark.unit


def _cite(n: int, quote: str = "Any guardian of the child.", status: str = "current", section: str = "Options > SGO"):
    return Citation(n=n, document_id="wigan-2026-2028", authority="Wigan Council", title="Permanence Planning Strategy 2026-2028",
                    version="2026-2028 (Version Final)", status=status, section=section, page=None, quote=quote,
                    start=0, end=len(quote))


def test_source_cards_one_row_per_citation_with_council_document_version_section():
    md = al.source_cards([_cite(1), _cite(2, status="superseded", section="")])
    rows = [r for r in md.splitlines() if r.startswith("| [")]
    assert rows == [
        "| [1] | Wigan Council | Permanence Planning Strategy 2026-2028 | 2026-2028 (Version Final) | Options \\> SGO |",
        "| [2] | Wigan Council | Permanence Planning Strategy 2026-2028 | 2026-2028 (Version Final) (superseded) | — |",
    ]
    assert "| Source | Council | Document | Version | Section |" in md
    assert al.source_cards([]) == ""


RESULTS = [
    {"authority": "England", "outcome": "computed", "dates": [
        {"label": "First review due", "date": "2026-03-30", "relation": "by"},
        {"label": "Second review due", "date": "2026-06-30", "relation": "by"}]},
    {"authority": "Wigan Council", "outcome": "computed", "dates": [{"label": "Permanence plan", "date": "2026-06-30"}]},
    {"authority": "Bolton Council", "outcome": "computed", "dates": [
        {"label": "Plan for permanence", "date": "2026-06-30"}, {"label": "Second review", "date": "2026-06-01"}]},
]


def test_dates_table_is_what_due_by_status_in_date_order():
    md = al.dates_table(RESULTS, today=date(2026, 4, 1))
    lines = md.splitlines()
    assert lines[0] == "| What | Due by | Status on 1 April 2026 |"
    assert lines[2] == "| First review due (statute) | 30 March 2026 | **overdue** |"
    assert lines[3] == "| Second review (Bolton) | 1 June 2026 | upcoming |"
    assert len(lines) == 2 + 5


def test_where_councils_differ_names_the_council_and_its_own_date():
    line = al.where_councils_differ(RESULTS)
    assert line.startswith("Where councils differ: Bolton also gives 1 June 2026")
    assert "30 June 2026" in line
    agree = al.where_councils_differ(RESULTS[:2] + [{"authority": "Luton Council", "dates": [{"date": "2026-06-30"}]}])
    assert agree == "The councils agree: 30 June 2026."


def test_rule_summary_folds_the_reasoning_and_keeps_missing_facts_visible():
    md = al.rule_summary({"rules": RESULTS, "missing_facts": ["the date the child became looked after"]}, date(2026, 4, 1))
    assert md.index("| What | Due by") < md.index("Where councils differ") < md.index("Still needed")
    assert al.REASONING_STEP_NAME in md
    assert "[1]" not in md  # markers live with the reasoning, where their passages are


def test_markdown_to_plain_keeps_words_drops_markup():
    md = "**Statutory reviews** - looked after from **2 March 2026**:\n- First review by _30 March 2026_ [1]\n\n" \
         "| What | Due by |\n| --- | --- |\n| Second review \\(Bolton\\) | 1 June 2026 |\n> ⚠ note\nC\\_A\\_O"
    assert al.markdown_to_plain(md) == (
        "Statutory reviews - looked after from 2 March 2026:\n- First review by 30 March 2026 [1]\n\n"
        "What | Due by\nSecond review (Bolton) | 1 June 2026\n⚠ note\nC_A_O")


def test_case_record_text_has_full_citations_and_policy_dates():
    text = al.case_record_text("who can apply  for an SGO?", "Any guardian may apply. [1]", [_cite(1)],
                               {"wigan-2026-2028": date(2026, 1, 1)}, copied_on=date(2026, 12, 2))
    assert text.startswith("Question: who can apply for an SGO?\n\nAny guardian may apply. [1]\n")
    assert ("[1] Wigan Council — Permanence Planning Strategy 2026-2028 — version 2026-2028 (Version Final) (current) — "
            "section: Options > SGO — policy last updated: 1 January 2026\n    “Any guardian of the child.”") in text
    assert "2 December 2026" in text
    undated = al.case_record_text("q", "a", [_cite(1)], {}, copied_on=date(2026, 12, 2))
    assert "policy last updated: not dated" in undated


def test_served_bundle_loses_exactly_the_side_panel_auto_open():
    import chainlit.server as cl_server

    assets = Path(cl_server.build_dir) / "assets"
    bundle = next(p for p in assets.glob("index-*.js") if "title:" in p.read_text(encoding="utf-8")[:10_000_000])
    patched, count = click_only_side_panel(bundle.read_text(encoding="utf-8"))
    assert count == 1, "Chainlit's side-panel auto-open moved: check upstream PR Chainlit/chainlit#2982"
    assert 'display==="side"' in patched  # click-to-open (onElementRefClick) is untouched
    assert click_only_side_panel("x({title:D[D.length-1].name,elements:D})") == ("void 0", 1)

