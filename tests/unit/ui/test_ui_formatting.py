"""The chat's markdown: source panels, highlights, banners, refusals, rule tables."""

from __future__ import annotations

import re

import pytest

from assistant.models import Citation
from assistant.ui import formatting as f

pytestmark = pytest.mark.unit

DOC = (
    "Options for Permanence\n\n"
    "Special Guardianship\n\n"
    "Any of the following can apply for special guardianship:\n"
    "- A guardian of the child.\n"
    "- A local authority foster carer with whom the child has lived for one year immediately preceding the application.\n"
    "- Anyone with whom the child has lived for three out of the last five years.\n\n"
    "The parents of the child may not become the child's special guardians.\n"
)


def _cite(quote: str, n: int = 1, status: str = "current", doc: str = DOC) -> Citation:
    start = doc.index(quote)
    return Citation(n=n, document_id="wigan-2026-2028", authority="Wigan Council", title="Permanence Planning Strategy 2026-2028",
                    version="2026-2028 (Version Final)", status=status, section="Options for Permanence > Special Guardianship",
                    page=17, quote=quote, start=start, end=start + len(quote), score=0.9)


def _plain(md: str) -> str:
    """Markdown back to the words a reader sees (drop escapes, bold, hard breaks)."""
    return re.sub(r"\s+", " ", md.replace("**", "").replace("  \n", "\n").replace("\\", "")).strip()


def test_element_name_is_the_marker():
    assert f.element_name(3) == "[3]"


def test_escape_markdown_keeps_text_visible():
    raw = "Introduction_____ 3** [see] <b> #1 a|b"
    esc = f.escape_markdown(raw)
    assert "**" not in esc.replace("\\*\\*", "")
    assert esc.replace("\\", "") == raw


def test_highlight_bolds_exactly_the_quote_inside_its_context():
    quote = "A local authority foster carer with whom the child has lived for one year immediately preceding the application."
    c = _cite(quote)
    md = f.highlight_in_context(DOC, c.start, c.end, context_chars=200)
    bold = re.findall(r"\*\*(.+?)\*\*", md)
    assert [_plain(b) for b in bold] == [quote]
    # the surrounding text is there too, in order
    plain = _plain(md)
    assert plain.index("can apply for special guardianship") < plain.index(quote) < plain.index("three out of the last five years")
    # the bullet marker stays outside the bold, so the list still renders as a list
    assert "- **A local authority" in md


def test_highlight_multiline_quote_bolds_each_line():
    quote = "- A guardian of the child.\n- A local authority foster carer"
    c = _cite(quote)
    md = f.highlight_in_context(DOC, c.start, c.end, context_chars=50)
    assert "- **A guardian of the child.**" in md
    assert "- **A local authority foster carer**" in md


def test_context_window_cuts_at_line_boundaries_and_marks_truncation():
    doc = "x" * 50 + "\n" + "first line\nSecond the quoted sentence here.\nthird line\n" + "y" * 50
    start = doc.index("Second")
    end = start + len("Second the quoted sentence here.")
    lo, hi = f.surrounding_span(doc, start, end, context_chars=20)
    assert doc[lo:hi].startswith("first line") and doc[lo:hi].endswith("third line")
    md = f.highlight_in_context(doc, start, end, context_chars=20)
    assert md.startswith("… ") and md.endswith(" …")


def test_citation_panel_names_the_source_quotes_then_highlights_in_context():
    quote = "The parents of the child may not become the child's special guardians."
    c = _cite(quote)
    panel = f.citation_panel(c, DOC)
    assert "> The parents of the child may not become the child's special guardians." in panel
    assert panel.index("### Quoted passage") < panel.index("### In its document")
    for needle in ("Permanence Planning Strategy 2026-2028", "Wigan Council", "2026-2028 (Version Final)", "current",
                   "Options for Permanence > Special Guardianship", "17"):
        assert needle in panel.replace("\\", "")
    assert "**The parents of the child may not become the child's special guardians.**" in panel
    assert "three out of the last five years" in panel  # context shown


def test_citation_panel_without_matching_text_shows_quote_alone():
    quote = "The parents of the child may not become the child's special guardians."
    c = _cite(quote)
    panel = f.citation_panel(c, "a different text entirely")
    assert "> The parents of the child may not become the child's special guardians." in panel
    assert "three out of the last five years" not in panel
    assert "could not be read" in panel


def test_superseded_banner_names_document_and_successor():
    old = _cite("The parents of the child may not become the child's special guardians.", status="superseded")
    old = old.model_copy(update={"document_id": "wigan-2021-2025", "title": "Permanence Planning Strategy 2021-2025", "version": "2021-2025"})
    assert f.superseded_banner([_cite("A guardian of the child.")]) is None
    banner = f.superseded_banner([old, old], {"wigan-2021-2025": "Permanence Planning Strategy 2026-2028"})
    assert banner.startswith("> ⚠ **This answer quotes a superseded document.**") and "\n" not in banner
    assert "*Permanence Planning Strategy 2021-2025* (2021-2025) is superseded by Permanence Planning Strategy 2026-2028" in banner
    assert banner.count("is superseded") == 1  # one mention per document


NEAREST = [{"document_id": "luton", "authority": "Luton Council", "title": "Permanence Planning Guidance", "version": "v56",
            "status": "current", "section": "Permanence Planning Meetings", "page": None, "score": 0.2}]


def test_refusal_says_not_covered_first_and_lists_nearest_sections():
    md = f.refusal_markdown("I can't answer it from them.", NEAREST)
    assert md.startswith(f"> ⚠ {f.REFUSAL_HEADING}\n> ")
    assert md.index(f.REFUSAL_HEADING) < md.index("I can't answer it from them.") < md.index("nearest sections")
    assert "Luton Council, *Permanence Planning Guidance* (v56, current): Permanence Planning Meetings" in md


def test_refusal_does_not_repeat_nearest_sections_the_answer_already_lists():
    answer = "The policies in the corpus do not cover this question.\n\nThe nearest sections are:\n- Luton Council ..."
    md = f.refusal_markdown(answer, NEAREST)
    assert md.lower().count("nearest sections") == 1


def test_decline_is_worded_as_a_decline():
    md = f.refusal_markdown("I can't change how I work.", [], reason="injection")
    assert f.DECLINE_HEADING in md and f.REFUSAL_HEADING not in md


def test_sources_list_has_one_clickable_marker_per_citation():
    cs = [_cite("A guardian of the child.", n=1), _cite("The parents of the child may not become", n=2)]
    md = f.sources_list(cs)
    assert md.count("[1]") == 1 and md.count("[2]") == 1
    assert f.sources_list([]) == ""


REVIEWS = {
    "topic": "review_schedule", "rule_ids": ["statute-reg33"], "title": "Statutory reviews", "authority": "England",
    "document_id": None, "document_status": None, "outcome": "computed", "summary": "…", "reasons": [],
    "dates": [
        {"key": "second_review", "label": "Second review due", "date": "2026-06-30", "relation": "by",
         "basis": "3 months after the first review", "held_on": None, "late": None, "projected": True, "skipped_holidays": []},
        {"key": "first_review", "label": "First review due", "date": "2026-03-30", "relation": "by",
         "basis": "20 working days after 2 March 2026", "held_on": None, "late": None, "projected": False,
         "skipped_holidays": [{"date": "2026-04-03", "name": "Good Friday"}]},
        {"key": "third_review", "label": "Third review due", "date": "2026-12-30", "relation": "by",
         "basis": "6 months after the second review", "held_on": None, "late": None, "projected": True, "skipped_holidays": []},
    ],
    "routes": [], "earliest_date": None,
    "legal_basis": ["Care Planning, Placement and Case Review (England) Regulations 2010, reg. 33"],
    "citations": [], "missing_facts": [], "notes": [],
}


def test_rule_dates_table_in_date_order_with_status_against_today():
    from datetime import date

    md = f.rule_results_markdown([REVIEWS], today=date(2026, 6, 20))
    assert "**Timeline** (status on 20 June 2026)" in md
    assert "| Date | What | Whose rule | Status | How it was worked out |" in md
    assert md.index("30 March 2026") < md.index("30 June 2026") < md.index("30 December 2026")
    row = {line.split("|")[2].strip(): line for line in md.splitlines() if line.startswith("| by ")}
    assert "| England |" in row["First review due"]
    assert "**overdue**" in row["First review due"]
    assert "**due soon**" in row["Second review due"]
    assert "upcoming" in row["Third review due"]
    assert "Good Friday 3 April 2026" in row["First review due"]
    assert "reg. 33" in md


def test_date_status_held_and_late():
    from datetime import date

    held = {"date": "2026-03-30", "relation": "by", "held_on": "2026-04-02", "late": True}
    assert f.date_status(held, date(2026, 5, 1)) == "✔ held 2 April 2026 (late)"
    assert f.date_status({"date": "2026-05-01", "relation": "from"}, date(2026, 5, 1)) == "✔ reached"


def test_rule_eligibility_routes_and_earliest_date():
    result = {**REVIEWS, "title": "Special guardianship without leave", "authority": "Wigan Council", "outcome": "not_eligible",
              "dates": [], "earliest_date": "2026-01-10",
              "routes": [{"id": "fc_one_year", "label": "Foster carer, one year", "status": "not_yet", "qualifies_from": "2026-01-10",
                          "reasons": [], "legal_reference": None, "missing_facts": []},
                         {"id": "la_consent", "label": "Consent of the local authority", "status": "possible",
                          "qualifies_from": None, "reasons": [], "legal_reference": None, "missing_facts": []}],
              "missing_facts": ["whether the local authority consents"]}
    md = f.rule_results_markdown([result])
    assert "**Special guardianship without leave** (Wigan Council): ✘ not eligible" in md
    assert "| Foster carer, one year | ✘ not yet | 10 January 2026 |" in md
    assert "| Consent of the local authority | ? possible | — |" in md
    assert "Earliest date without leave: **10 January 2026**" in md
    assert "Still needed: whether the local authority consents" in md
    assert "Timeline" not in md  # no dates, no timeline


def test_rule_timeline_merges_authorities_in_date_order():
    from datetime import date

    bolton = {**REVIEWS, "authority": "Bolton Council", "title": "Bolton second review",
              "dates": [{"key": "b2", "label": "Second review (13 weeks)", "date": "2026-06-01", "relation": "by",
                         "basis": "13 weeks after 2 March 2026"}], "legal_basis": []}
    md = f.rule_results_markdown([REVIEWS, bolton], today=date(2026, 3, 1))
    rows = [line for line in md.splitlines() if line.startswith("| by ")]
    assert [r.split("|")[2].strip() for r in rows] == ["First review due", "Second review (13 weeks)", "Second review due", "Third review due"]
    assert "| Bolton Council |" in rows[1]


def test_missing_facts_prompt_lists_each_fact():
    p = f.missing_facts_prompt(["the date the child became looked after", "the date of the first review"])
    assert "the date the child became looked after" in p and "the date of the first review" in p
    assert "not guess" in p


def test_rule_policy_changed_says_so_and_quotes_the_new_wording():
    stale = {**REVIEWS, "title": "Permanency Planning Meetings", "authority": "Luton Council", "outcome": "policy_changed",
             "dates": [], "summary": 'Luton: the timescale changed in Permanence Planning Guidance (v57). It now says: '
                                     '"... within 6 weeks ..."'}
    md = f.rule_results_markdown([stale])
    assert "**Permanency Planning Meetings** (Luton Council): ! the policy changed" in md
    assert "within 6 weeks" in md
