"""How an answer is laid out in the chat, apart from its text: source cards under it, the
short form of a rule answer (dates first, then one line on where councils differ), and
the plain-text copy for a case record. Pure functions over citations and rule results.

Kept apart from ``formatting`` (which renders panels, banners and refusals) so the
answer's layout can change without touching how a passage or a rule table is rendered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from assistant.models import Citation
from assistant.ui import formatting

SOURCES_HEADING = "Sources"
REASONING_STEP_NAME = "reasoning and sources"


# ---------------------------------------------------------------------------
# Source cards
# ---------------------------------------------------------------------------

def _cell(text: str) -> str:
    return formatting.escape_markdown(" ".join(str(text).split())).replace("|", "\\|")


def source_cards(citations: Sequence[Citation]) -> str:
    """One compact row per citation: marker, council, document, version, section.

    A table (with a header row, so screen readers announce each column) rather than a
    list of long lines; the marker in the first cell is the same link as in the text,
    so a card opens the same side panel.
    """
    if not citations:
        return ""
    rows = [f"**{SOURCES_HEADING}** (select a number to read the passage in its document)", "",
            "| Source | Council | Document | Version | Section |", "| --- | --- | --- | --- | --- |"]
    for c in citations:
        version = c.version + (" (superseded)" if c.status == "superseded" else "")
        rows.append(f"| {formatting.element_name(c.n)} | {_cell(c.authority)} | {_cell(c.title)} | {_cell(version)} | "
                    f"{_cell(c.section) if c.section else '—'} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------
# Short rule answers
# ---------------------------------------------------------------------------

def _council(authority: Any) -> str:
    name = str(authority or "")
    return "statute" if name == "England" else name.removesuffix(" Council")


def rule_dates(results: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Every computed date of ``results``, once each, in date order, with its council."""
    seen: set[tuple] = set()
    out = []
    for r in results:
        for d in r.get("dates") or []:
            if not isinstance(d, Mapping):
                continue
            key = (str(d.get("date")), d.get("label"), r.get("authority"))
            if key in seen:
                continue
            seen.add(key)
            out.append({**d, "authority": r.get("authority")})
    return sorted(out, key=lambda d: str(d.get("date")))


def dates_table(results: Sequence[Mapping[str, Any]], today: date,
                due_soon_days: int = formatting.DUE_SOON_DAYS) -> str:
    """The dates of a rule answer as three columns: what, due by, status (on ``today``)."""
    dates = rule_dates(results)
    if not dates:
        return ""
    lines = [f"| What | Due by | Status on {formatting.uk_date(today)} |", "| --- | --- | --- |"]
    for d in dates:
        relation = {"from": "from ", "window_opens": "from ", "before": "before ", "window_closes": "until "}.get(
            str(d.get("relation", "by")), "")
        what = f"{_cell(d.get('label'))} ({_cell(_council(d.get('authority')))})"
        lines.append(f"| {what} | {relation}{formatting.uk_date(d.get('date'))} | "
                     f"{formatting.date_status(d, today, due_soon_days)} |")
    return "\n".join(lines)


def outcomes_table(results: Sequence[Mapping[str, Any]]) -> str:
    """Non-date outcomes (eligibility, private fostering) as what / whose rule / outcome."""
    rows = [r for r in results if r.get("outcome") not in (None, "computed")]
    if not rows:
        return ""
    lines = ["| What | Whose rule | Outcome |", "| --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {_cell(r.get('title') or 'Rule result')} | {_cell(_council(r.get('authority')))} | "
                     f"{formatting.outcome_label(r.get('outcome'))} |")
    return "\n".join(lines)


def where_councils_differ(results: Sequence[Mapping[str, Any]]) -> str:
    """One line: do the councils' own dates agree, and if not, who gives which date."""
    by_council: dict[str, set[str]] = {}
    for r in results:
        if r.get("authority") in (None, "England"):
            continue
        for d in r.get("dates") or []:
            if isinstance(d, Mapping) and d.get("date"):
                by_council.setdefault(_council(r.get("authority")), set()).add(str(d.get("date"))[:10])
    if not by_council:
        return ""
    if len(by_council) == 1:
        (council, days), = by_council.items()
        return f"Only {council}'s policy sets a date for this: " + ", ".join(formatting.uk_date(x) for x in sorted(days)) + "."
    common = set.intersection(*by_council.values())
    if all(days == common for days in by_council.values()):
        return ("The councils agree: " + ", ".join(formatting.uk_date(x) for x in sorted(common)) + ".")
    differ = []
    for council, days in sorted(by_council.items()):
        own = sorted(days - common)
        if own:
            differ.append(f"{council} also gives " + ", ".join(formatting.uk_date(x) for x in own))
    agreed = (" all give " + ", ".join(formatting.uk_date(x) for x in sorted(common))) if common else ""
    return ("Where councils differ: " + "; ".join(differ)
            + (f" (the councils{agreed})" if agreed else "") + ". The statutory schedule is the legal limit.")


def rule_summary(response: Mapping[str, Any], today: date, due_soon_days: int = formatting.DUE_SOON_DAYS) -> str:
    """The short form shown first for a rule answer: the dates (or outcomes) table, then
    one line on where councils differ, then what is still needed if anything."""
    results = [r for r in response.get("rules") or [] if isinstance(r, Mapping)]
    # a verdict (eligible, not eligible, applies ...) comes first; the dates it rests on after
    parts = [outcomes_table(results), dates_table(results, today, due_soon_days), where_councils_differ(results)]
    missing = [str(m) for m in response.get("missing_facts") or []]
    if missing:
        parts.append("**Still needed:** " + "; ".join(formatting.escape_markdown(m) for m in missing) + ".")
    parts.append(f"_The reasoning and the quoted passages are folded under “{REASONING_STEP_NAME}” below._")
    return "\n\n".join(p for p in parts if p)


def is_rule_answer(response: Mapping[str, Any]) -> bool:
    return bool(response.get("rules")) and not response.get("refused")


# ---------------------------------------------------------------------------
# Plain text for the case record
# ---------------------------------------------------------------------------

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w\\])_(?!\s)(.+?)(?<!\s)_(?!\w)|(?<![\w\\*])\*(?!\s)(.+?)(?<!\s)\*(?!\*)")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # markdown: any escaped ASCII punctuation


def markdown_to_plain(md: str) -> str:
    """What a reader sees of ``md``, as plain text a case-recording system keeps as is:
    no emphasis marks or escapes, table rows as cells separated by " | ", no rule rows."""
    out = []
    for line in md.splitlines():
        s = line.rstrip()
        if re.fullmatch(r"\s*\|?\s*:?-{3,}.*", s):
            continue  # a table's separator row
        s = re.sub(r"^\s*#{1,6}\s+", "", s)
        s = re.sub(r"^\s*>\s?", "", s)
        s = _LINK.sub(r"\1", s)
        s = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or m.group(4), s)
        if s.strip().startswith("|") and s.strip().endswith("|"):
            s = " | ".join(c.strip() for c in re.split(r"(?<!\\)\|", s.strip()[1:-1]))
        s = _UNESCAPE.sub(r"\1", s)
        out.append(s)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def citation_record(c: Citation, updated: date | None) -> str:
    """One citation in full: council, document, version, section, when the policy was
    last updated, then the quote word for word."""
    head = [f"[{c.n}] {c.authority}", c.title, f"version {c.version} ({c.status})",
            f"section: {c.section}" if c.section else "section: not named in the document"]
    if c.page is not None:
        head.append(f"page {c.page}")
    head.append(f"policy last updated: {formatting.uk_date(updated)}" if updated else "policy last updated: not dated")
    quote = "\n".join("    " + line for line in c.quote.strip().splitlines())
    return " — ".join(head) + "\n    \u201c" + quote.strip() + "\u201d"


def case_record_text(question: str, answer_markdown: str, citations: Sequence[Citation],
                     updated: Mapping[str, date | None], copied_on: date) -> str:
    """The answer as plain text with full citations, ready to paste into a case note.

    ``updated`` maps a document id to the date its policy was last updated (manifest).
    """
    parts = [f"Question: {' '.join(question.split())}", "", markdown_to_plain(answer_markdown)]
    if citations:
        parts += ["", "Sources (quoted word for word):"]
        parts += [citation_record(c, updated.get(c.document_id)) for c in citations]
    parts += ["", f"From the permanence policy assistant, {formatting.uk_date(copied_on)}. "
                  "Check the current version of each policy before acting on it."]
    return "\n".join(parts).strip() + "\n"
