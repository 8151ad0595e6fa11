"""Markdown the chat shows: source panels, banners, refusals, rule tables. Pure functions.

Chainlit renders message and element content as markdown (raw HTML is off), so policy
text is escaped before display and the quoted passage is highlighted with bold, which
``public/offline.css`` also tints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from assistant.models import Citation

# Characters that would change the meaning of policy text rendered as markdown.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#$])")
_BULLET = re.compile(r"^(\s*(?:[-•·*+▪◦]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+)")


def element_name(n: int) -> str:
    """Name of the side-panel element for citation ``n``; matches the marker ``[n]``.

    Chainlit turns every occurrence of an element's name in the message into a link
    that opens the element, so the markers themselves become clickable.
    """
    return f"[{n}]"


def escape_markdown(text: str) -> str:
    """``text`` with markdown syntax characters escaped, so it shows as written."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _paragraphs_to_markdown(text: str) -> str:
    """Keep the document's line structure: blank lines stay paragraph breaks, single
    newlines become hard line breaks (markdown would otherwise join the lines)."""
    paras = re.split(r"\n\s*\n", text)
    return "\n\n".join("  \n".join(line.rstrip() for line in p.split("\n")) for p in paras)


def _bold_lines(quote: str) -> str:
    """Bold each line of ``quote`` separately (bold cannot cross a paragraph or a list
    item); a leading bullet stays outside the bold so lists still read as lists."""
    out_lines = []
    for line in quote.split("\n"):
        if not line.strip():
            out_lines.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        body = line.strip()
        bullet = ""
        m = _BULLET.match(body)
        if m:
            bullet, body = m.group(1), body[m.end():]
        out_lines.append(f"{lead}{escape_markdown(bullet)}**{escape_markdown(body)}**" if body else lead + escape_markdown(bullet))
    return "\n".join(out_lines)


def surrounding_span(text: str, start: int, end: int, context_chars: int = 500) -> tuple[int, int]:
    """Bounds of the text shown around ``text[start:end]``: up to ``context_chars`` each
    side, cut at line boundaries (or at a word boundary when a line is very long)."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    lo = max(0, start - context_chars)
    if lo > 0:
        nl = text.find("\n", lo, start)
        if nl != -1:
            lo = nl + 1
        else:
            sp = text.find(" ", lo, start)
            lo = sp + 1 if sp != -1 else lo
    hi = min(len(text), end + context_chars)
    if hi < len(text):
        nl = text.rfind("\n", end, hi)
        if nl != -1:
            hi = nl
        else:
            sp = text.rfind(" ", end, hi)
            hi = sp if sp != -1 else hi
    return lo, hi


def highlight_in_context(text: str, start: int, end: int, context_chars: int = 500) -> str:
    """Markdown of the passage ``text[start:end]`` in bold inside its surrounding text."""
    lo, hi = surrounding_span(text, start, end, context_chars)
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    # Bold must touch its text; a closing ** right before a letter would not close,
    # so keep a space there (quotes end at sentence or list boundaries, rarely mid-word).
    if after[:1].isalnum() and quote[-1:] and not quote[-1:].isalnum():
        after = " " + after
    if before[-1:].isalnum() and quote[:1] and not quote[:1].isalnum():
        before = before + " "
    body = _paragraphs_to_markdown(escape_markdown(before) + "\x00" + _bold_lines(quote) + "\x00" + escape_markdown(after))
    body = body.replace("\x00", "")
    prefix = "… " if lo > 0 else ""
    suffix = " …" if hi < len(text) else ""
    return f"{prefix}{body.strip()}{suffix}"


def citation_heading(c: Citation) -> str:
    """One line naming the source: authority, title, version and status, section, page."""
    parts = [f"{c.authority}, *{escape_markdown(c.title)}*", f"version {escape_markdown(c.version)} ({c.status})"]
    if c.section:
        parts.append(f"section: {escape_markdown(c.section)}")
    if c.page is not None:
        parts.append(f"page {c.page}")
    return " · ".join(parts)


def blockquote(text: str) -> str:
    """``text`` as a markdown blockquote, line structure kept, markdown escaped."""
    body = _paragraphs_to_markdown(escape_markdown(text.strip()))
    return "\n".join("> " + line if line else ">" for line in body.split("\n"))


def citation_panel(c: Citation, document_text: str | None = None, context_chars: int = 300) -> str:
    """Side-panel markdown for citation ``c``: what the source is, the passage itself,
    then the passage highlighted (bold) inside its surrounding text.

    The surrounding text comes from the document's normalised text
    (``ingest.documents.load_document_text``), whose offsets the citation uses; when it
    cannot be read, or no longer matches, the passage is shown on its own with a note.
    """
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    status = c.status + (" — check the current version before relying on it" if c.status == "superseded" else "")
    # A table, not bold labels: in the panel, bold is reserved for the highlighted passage.
    lines = [
        f"## {escape_markdown(c.title)}",
        "",
        "| Source | Detail |",
        "| --- | --- |",
        f"| Authority | {cell(escape_markdown(c.authority))} |",
        f"| Version | {cell(escape_markdown(c.version))} |",
        f"| Status | {status} |",
        f"| Section | {cell(escape_markdown(c.section)) if c.section else 'not named in the document'} |",
        f"| Page | {c.page if c.page is not None else 'not paginated'} |",
        f"| Document | `{c.document_id}`, characters {c.start}–{c.end} |",
        "",
        "### Quoted passage",
        "",
        blockquote(c.quote),
        "",
        "### In its document",
        "",
    ]
    if document_text is not None and document_text[c.start:c.end] == c.quote:
        lines.append(highlight_in_context(document_text, c.start, c.end, context_chars))
    else:
        lines.append("_The document text could not be read at these offsets (has the index been rebuilt?), "
                     "so the surrounding text is not shown._")
    return "\n".join(lines)


def sources_list(citations: Sequence[Citation]) -> str:
    """A compact numbered list of the sources under an answer (markers stay clickable)."""
    if not citations:
        return ""
    rows = [f"- {element_name(c.n)} {citation_heading(c)}" for c in citations]
    return "**Sources** (click a number to see the passage):\n\n" + "\n".join(rows)


def superseded_banner(citations: Iterable[Citation], successors: Mapping[str, str] | None = None) -> str | None:
    """A warning when the answer quotes a superseded document, naming its replacement.

    ``successors`` maps a superseded document id to a description of its successor.
    A blockquote (``public/offline.css`` tints blockquotes in answers): Chainlit 2.12's
    ``:::warning`` alert syntax does not render as an alert in messages.
    """
    seen: dict[str, Citation] = {}
    for c in citations:
        if c.status == "superseded" and c.document_id not in seen:
            seen[c.document_id] = c
    if not seen:
        return None
    parts = []
    for doc_id, c in seen.items():
        text = f"{escape_markdown(c.authority)}'s *{escape_markdown(c.title)}* ({escape_markdown(c.version)}) is superseded"
        if successors and successors.get(doc_id):
            text += f" by {escape_markdown(successors[doc_id])}"
        parts.append(text)
    return ("> ⚠ **" + SUPERSEDED_HEADING + "** " + "; ".join(parts)
            + ". Check the current version before acting on it.")


SUPERSEDED_HEADING = "This answer quotes a superseded document."
REFUSAL_HEADING = "**The policies in this corpus do not cover this question.**"
DECLINE_HEADING = "**This is outside what the assistant answers.**"
_DECLINE_REASONS = ("injection", "out_of_domain")


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else getattr(obj, key, default)


def nearest_sections_list(nearest: Sequence[Any]) -> str:
    """The nearest sections of a refusal, one line each: authority, title, version, section."""
    rows = []
    for s in nearest:
        where = f"{_get(s, 'authority')}, *{escape_markdown(str(_get(s, 'title')))}* ({escape_markdown(str(_get(s, 'version')))}, {_get(s, 'status')})"
        section = _get(s, "section")
        page = _get(s, "page")
        rows.append(f"- {where}" + (f": {escape_markdown(section)}" if section else "") + (f", page {page}" if page else ""))
    return "\n".join(rows)


def refusal_markdown(answer: str, nearest: Sequence[Any] = (), notices: Sequence[str] = (), reason: str | None = None) -> str:
    """How a refusal looks: a tinted block says so before anything else, then the
    assistant's own wording and the nearest sections to read. Nothing in it is presented
    as policy."""
    declined = reason in _DECLINE_REASONS
    if declined:
        lines = [f"> ⚠ {DECLINE_HEADING}", "> It only answers questions about the permanence policies in its corpus."]
    else:
        lines = [f"> ⚠ {REFUSAL_HEADING}", "> The assistant will not guess an answer the policies do not give."]
    lines.append("")
    body = answer.strip()
    if body:
        lines += [body, ""]
    if nearest and "nearest section" not in body.lower():
        lines += ["The nearest sections are:", "", nearest_sections_list(nearest), ""]
    for n in notices:
        lines.append(f"_{escape_markdown(n)}_")
    return "\n".join(lines).rstrip()


# ---------------------------------------------------------------------------
# Rule results (assistant.rules.results.RuleResult, as JSON dicts)
# ---------------------------------------------------------------------------

DUE_SOON_DAYS = 14
# Words first, symbols only from common fonts (no emoji: many work PCs render them as boxes).
_OUTCOME = {
    "eligible": "✔ eligible", "not_eligible": "✘ not eligible", "cannot_tell": "? can't tell yet",
    "applies": "✔ applies", "does_not_apply": "✘ does not apply", "computed": "dates computed",
    "not_applicable": "— not applicable", "no_timescale": "— no timescale in the document",
    "not_yet": "✘ not yet", "possible": "? possible",
    "policy_changed": "! the policy changed: its new wording is quoted, no date computed",
}


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def uk_date(value: Any) -> str:
    d = _as_date(value)
    return f"{d.day} {d:%B %Y}" if d else _fmt(value)


def outcome_label(outcome: Any) -> str:
    return _OUTCOME.get(str(outcome), _fmt(outcome))


def date_status(item: Mapping[str, Any], today: date, due_soon_days: int = DUE_SOON_DAYS) -> str:
    """Overdue / due soon / upcoming against ``today``; held (late or on time) when known."""
    held = _as_date(item.get("held_on"))
    if held:
        return f"✔ held {uk_date(held)}" + (" (late)" if item.get("late") else "")
    when = _as_date(item.get("date"))
    if when is None:
        return "—"
    relation = item.get("relation", "by")
    if relation in ("from", "window_opens"):
        return "✔ reached" if when <= today else "upcoming"
    if when < today or (relation == "before" and when == today):
        return "**overdue**"
    if (when - today).days <= due_soon_days:
        return "**due soon**"
    return "upcoming"


_RELATION_WORD = {"by": "by", "before": "before", "from": "from", "window_opens": "from", "window_closes": "until"}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "; ".join(_fmt(v) for v in value) or "—"
    return escape_markdown(str(value)).replace("\n", " ")


def _cell(value: Any) -> str:
    return _fmt(value).replace("|", "\\|")


def rule_results_markdown(results: Sequence[Mapping[str, Any]], today: date | None = None,
                          due_soon_days: int = DUE_SOON_DAYS) -> str:
    """Rule results as one small timeline (every computed date, in date order, with its
    status against ``today``), eligibility routes per result, the outcomes that are not
    plain date computations, and any facts still needed. The answer text above carries
    the reasons and their citation markers."""
    today = today or date.today()
    lines: list[str] = []
    rows: list[tuple[str, str]] = []
    seen: set[tuple] = set()
    for r in results:
        who = _cell(r.get("authority"))
        if r.get("document_status") == "superseded":
            who += " (superseded document)"
        for d in r.get("dates") or []:
            if not isinstance(d, Mapping):
                continue
            key = (str(d.get("date")), d.get("label"), who)
            if key in seen:
                continue
            seen.add(key)
            how = _cell(d.get("basis"))
            skipped = d.get("skipped_holidays") or []
            if skipped:
                how += " (skips " + ", ".join(f"{_fmt(h.get('name'))} {uk_date(h.get('date'))}" for h in skipped) + ")"
            when = f"{_RELATION_WORD.get(d.get('relation', 'by'), 'by')} {uk_date(d.get('date'))}"
            rows.append((str(d.get("date")), f"| {when} | {_cell(d.get('label'))} | {who} | {date_status(d, today, due_soon_days)} | {how} |"))
    if rows:
        rows.sort(key=lambda x: x[0])
        lines += [f"**Timeline** (status on {uk_date(today)})", "",
                  "| Date | What | Whose rule | Status | How it was worked out |", "| --- | --- | --- | --- | --- |"]
        lines += [row for _, row in rows]
    for r in results:
        outcome = r.get("outcome")
        routes = [x for x in r.get("routes") or [] if isinstance(x, Mapping)]
        if outcome in (None, "computed") and not routes:
            continue
        head = f"**{_fmt(r.get('title') or 'Rule result')}** ({_fmt(r.get('authority'))}): {outcome_label(outcome)}"
        lines += ["", head]
        if outcome == "policy_changed":  # the rule's own summary quotes the new wording
            lines += ["", _fmt(r.get("summary"))]
        if routes:
            lines += ["", "| Route | Status | Qualifies from |", "| --- | --- | --- |"]
            for x in routes:
                lines.append(f"| {_cell(x.get('label'))} | {outcome_label(x.get('status'))} | "
                             f"{uk_date(x.get('qualifies_from')) if x.get('qualifies_from') else '—'} |")
        if r.get("earliest_date"):
            lines += ["", f"Earliest date without leave: **{uk_date(r['earliest_date'])}**"]
    basis = list(dict.fromkeys(b for r in results for b in (r.get("legal_basis") or [])))
    if basis:
        lines += ["", "Legal basis: " + "; ".join(_fmt(b) for b in basis)]
    missing = list(dict.fromkeys(m for r in results for m in (r.get("missing_facts") or [])))
    if missing:
        lines += ["", "Still needed: " + "; ".join(_fmt(m) for m in missing)]
    return "\n".join(lines).strip()


def missing_facts_prompt(missing: Sequence[str]) -> str:
    """The question the chat asks when a rule needs facts the user has not given."""
    if len(missing) == 1:
        need = missing[0]
    else:
        need = "; ".join(missing[:-1]) + " and " + missing[-1]
    return f"Reply with **{escape_markdown(need)}** (dates like 2 March 2026). I will not guess it."
