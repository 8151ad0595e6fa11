"""Markdown the chat shows: source panels, banners, refusals, rule tables. Pure functions.

Chainlit renders message and element content as markdown (raw HTML is off), so policy
text is escaped before display and the quoted passage is highlighted with bold, which
``public/offline.css`` also tints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
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


def citation_panel(c: Citation, document_text: str | None = None, context_chars: int = 500) -> str:
    """Side-panel markdown for citation ``c``: what the source is, then the passage.

    With the document's normalised text (``ingest.documents.load_document_text``) the
    passage is shown highlighted inside its surrounding text; without it, on its own.
    """
    lines = [
        f"### {escape_markdown(c.title)}",
        "",
        f"- **Authority:** {escape_markdown(c.authority)}",
        f"- **Version:** {escape_markdown(c.version)}",
        f"- **Status:** {c.status}" + (" — superseded: check the current version" if c.status == "superseded" else ""),
        f"- **Section:** {escape_markdown(c.section) if c.section else 'not named in the document'}",
        f"- **Page:** {c.page if c.page is not None else 'not paginated'}",
        f"- **Document id:** `{c.document_id}` (characters {c.start}–{c.end})",
        "",
        "#### Quoted passage",
        "",
    ]
    quote_ok = document_text is not None and document_text[c.start:c.end] == c.quote
    if quote_ok:
        lines.append(highlight_in_context(document_text, c.start, c.end, context_chars))
    else:
        # Offsets do not match this text (index older than the corpus?): show the quote alone.
        lines.append(_paragraphs_to_markdown(_bold_lines(c.quote)))
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
    Uses Chainlit's ``:::warning`` alert block (plain text only inside it).
    """
    seen: dict[str, Citation] = {}
    for c in citations:
        if c.status == "superseded" and c.document_id not in seen:
            seen[c.document_id] = c
    if not seen:
        return None
    parts = []
    for doc_id, c in seen.items():
        text = f"{c.authority}'s {c.title} ({c.version}) is superseded"
        if successors and successors.get(doc_id):
            text += f" by {successors[doc_id]}"
        parts.append(text)
    body = "This answer quotes a superseded document: " + "; ".join(parts) + ". Check the current version before acting on it."
    return f":::warning\n{body}\n:::"


REFUSAL_HEADING = "**The policies in this corpus do not cover this question.**"


def refusal_markdown(answer: str, nearest: Sequence[Citation] = (), notices: Sequence[str] = ()) -> str:
    """How a refusal looks: it says so first, gives the assistant's own wording, then the
    nearest sections (each openable like a citation), and never an improvised answer."""
    lines = [":::caution", "Not covered: the assistant will not guess an answer.", ":::", "", REFUSAL_HEADING, ""]
    if answer.strip():
        lines += [answer.strip(), ""]
    if nearest:
        lines.append("Nearest sections you may want to read:")
        lines.append("")
        for c in nearest:
            lines.append(f"- {element_name(c.n)} {citation_heading(c)}")
        lines.append("")
    for n in notices:
        lines.append(f"_{escape_markdown(n)}_")
    return "\n".join(lines).rstrip()


# ---------------------------------------------------------------------------
# Rule results (assistant.rules): review schedules, timelines, eligibility.
# ---------------------------------------------------------------------------

_STATUS_ICON = {"overdue": "🔴 overdue", "due soon": "🟠 due soon", "due_soon": "🟠 due soon", "upcoming": "🟢 upcoming",
                "done": "✔ done", "held": "✔ held", "eligible": "✅ eligible", "not eligible": "❌ not eligible",
                "not_eligible": "❌ not eligible", "can't tell yet": "❔ can't tell yet", "cant_tell": "❔ can't tell yet",
                "unknown": "❔ can't tell yet"}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "; ".join(_fmt(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) or "—"
    return escape_markdown(str(value)).replace("\n", " ")


def status_label(status: Any) -> str:
    if status is None:
        return "—"
    return _STATUS_ICON.get(str(status).strip().lower(), _fmt(status))


def _first(d: Mapping[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in d and d[k] not in (None, "", [], {}):
            return d[k]
    return None


def _due_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Dated items of one rule result, whatever the rule calls them."""
    for key in ("events", "timeline", "due_dates", "dates", "items", "reviews", "schedule"):
        val = result.get(key)
        if isinstance(val, list) and val and all(isinstance(v, Mapping) for v in val):
            return [dict(v) for v in val]
        if isinstance(val, Mapping) and val:
            return [{"label": k, "due": v} for k, v in val.items()]
    return []


def rule_results_markdown(results: Sequence[Mapping[str, Any]]) -> str:
    """Rule results as small tables: one per result, dated items in date order with
    their status; eligibility outcomes with reasons; each with its legal basis."""
    blocks: list[str] = []
    for r in results:
        title = _first(r, "title", "rule_title", "rule", "name", "kind") or "Rule result"
        authority = _first(r, "authority")
        head = f"**{_fmt(title)}**" + (f" — {_fmt(authority)}" if authority else "")
        lines = [head]
        outcome = _first(r, "outcome", "status", "result")
        if outcome is not None and not _due_rows(r):
            lines.append(f"Outcome: {status_label(outcome)}")
        earliest = _first(r, "earliest_date", "qualifies_from", "earliest")
        if earliest:
            lines.append(f"Qualifies from: {_fmt(earliest)}")
        rows = _due_rows(r)
        if rows:
            rows.sort(key=lambda e: str(_first(e, "due", "due_date", "date", "by") or "9999"))
            lines += ["", "| Due | What | Status | Basis |", "| --- | --- | --- | --- |"]
            for e in rows:
                lines.append(
                    "| {} | {} | {} | {} |".format(
                        _fmt(_first(e, "due", "due_date", "date", "by")),
                        _fmt(_first(e, "label", "what", "event", "name", "title")),
                        status_label(_first(e, "status", "state")),
                        _fmt(_first(e, "basis", "legal_basis", "source", "authority")),
                    )
                )
        reasons = _first(r, "reasons", "reason", "explanation")
        if reasons:
            reasons = reasons if isinstance(reasons, list) else [reasons]
            lines += [""] + [f"- {_fmt(x)}" for x in reasons]
        missing = _first(r, "missing_facts", "facts_needed", "needed")
        if missing:
            lines.append(f"Still needed: {_fmt(missing)}")
        skipped = _first(r, "skipped_holidays", "holidays_skipped")
        if skipped:
            lines.append(f"Bank holidays skipped: {_fmt(skipped)}")
        basis = _first(r, "legal_basis", "basis")
        if basis and not rows:
            lines.append(f"Legal basis: {_fmt(basis)}")
        elif basis:
            lines.append(f"Legal basis: {_fmt(basis)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def missing_facts_prompt(missing: Sequence[str]) -> str:
    """The question the chat asks when a rule needs facts the user has not given."""
    if len(missing) == 1:
        need = missing[0]
    else:
        need = "; ".join(missing[:-1]) + " and " + missing[-1]
    return (
        f"To work this out exactly I need: **{escape_markdown(need)}**. "
        "Please reply with it (dates like 2 March 2026). I will not guess it."
    )
