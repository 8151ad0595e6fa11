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


def test_citation_panel_names_the_source_and_highlights():
    quote = "The parents of the child may not become the child's special guardians."
    c = _cite(quote)
    panel = f.citation_panel(c, DOC)
    for needle in ("Permanence Planning Strategy 2026-2028", "Wigan Council", "2026-2028 (Version Final)", "current",
                   "Options for Permanence > Special Guardianship", "17"):
        assert needle in panel.replace("\\", "")
    assert "**The parents of the child may not become the child's special guardians.**" in panel
    assert "three out of the last five years" in panel  # context shown


def test_citation_panel_without_matching_text_shows_quote_alone():
    quote = "The parents of the child may not become the child's special guardians."
    c = _cite(quote)
    panel = f.citation_panel(c, "a different text entirely")
    assert "**The parents of the child may not become the child's special guardians.**" in panel
    assert "three out of the last five years" not in panel


def test_superseded_banner_names_document_and_successor():
    old = _cite("The parents of the child may not become the child's special guardians.", status="superseded")
    old = old.model_copy(update={"document_id": "wigan-2021-2025", "title": "Permanence Planning Strategy 2021-2025", "version": "2021-2025"})
    assert f.superseded_banner([_cite("A guardian of the child.")]) is None
    banner = f.superseded_banner([old, old], {"wigan-2021-2025": "Permanence Planning Strategy 2026-2028"})
    assert banner.startswith(":::warning\n") and banner.endswith("\n:::")
    assert "2021-2025" in banner and "superseded by Permanence Planning Strategy 2026-2028" in banner
    assert banner.count("2021-2025) is superseded") == 1  # one mention per document


def test_refusal_says_not_covered_and_lists_nearest_sections():
    near = _cite("A guardian of the child.", n=1)
    md = f.refusal_markdown("The policies do not say.", [near])
    assert f.REFUSAL_HEADING in md
    assert md.index(f.REFUSAL_HEADING) < md.index("Nearest sections")
    assert "[1] Wigan Council" in md


def test_sources_list_has_one_clickable_marker_per_citation():
    cs = [_cite("A guardian of the child.", n=1), _cite("The parents of the child may not become", n=2)]
    md = f.sources_list(cs)
    assert md.count("[1]") == 1 and md.count("[2]") == 1
    assert f.sources_list([]) == ""


def test_rule_results_table_sorted_by_due_date_with_status():
    results = [{
        "title": "Statutory reviews", "authority": "England",
        "events": [
            {"label": "Second review", "due": "2026-06-30", "status": "upcoming", "basis": "reg. 33"},
            {"label": "First review", "due": "2026-03-30", "status": "overdue", "basis": "reg. 33"},
        ],
        "legal_basis": "Care Planning, Placement and Case Review (England) Regulations 2010, reg. 33",
    }]
    md = f.rule_results_markdown(results)
    assert "| Due | What | Status | Basis |" in md
    assert md.index("2026-03-30") < md.index("2026-06-30")
    assert "🔴 overdue" in md and "🟢 upcoming" in md
    assert "reg. 33" in md


def test_rule_eligibility_outcome_and_reasons():
    md = f.rule_results_markdown([{"title": "SGO without leave", "outcome": "not eligible",
                                   "reasons": ["lived with the carer for 10 months, not one year"],
                                   "earliest_date": "2026-01-10"}])
    assert "❌ not eligible" in md and "Qualifies from: 2026-01-10" in md and "10 months" in md


def test_missing_facts_prompt_lists_each_fact():
    p = f.missing_facts_prompt(["the date the child became looked after", "the date of the first review"])
    assert "the date the child became looked after" in p and "the date of the first review" in p
    assert "not guess" in p
