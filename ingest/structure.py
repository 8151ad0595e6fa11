"""Recover a document's structure from its normalised text: headings, sections, units.

The policies reached us as plain text out of PDF and HTML converters, so headings are
plain lines. This module finds them and cuts the text into *units* that chunking must
not split blindly:

- headings: numbered ("5.4 Special Guardianship Orders", "1. Purpose & Vision"),
  roman ("ii. Twin Track or Parallel Planning"), "Appendix …", entries of the table
  of contents, headings the format marks (HTML ``<h2>``, markdown ``##``), and
  unnumbered title lines (short, no closing punctuation, followed by content);
- a table of contents ("Introduction_____ 3**") and the cover before it are not content;
- a list stays whole with its lead-in sentence ("Any of the following can apply…:" and
  every bullet); tab-separated table rows stay together with their header row;
- "PRACTICE GUIDANCE" marks a boxed note: the marker and the note form one unit;
- documents with no headings at all (web pages whose headings were lost) get section
  titles inferred from what each passage is about (see ``TOPICS``).

Everything is expressed as character offsets into the normalised text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

# --- data shapes -------------------------------------------------------------------


@dataclass
class Line:
    start: int
    end: int
    text: str
    kind: str = "blank"  # blank | bullet | item | table | para | heading | title | toc | front | marker


@dataclass
class Heading:
    start: int
    end: int
    level: int
    text: str


@dataclass
class Unit:
    """An indivisible-by-default piece of content.

    ``parts`` are the sub-spans chunking may window over when the unit is longer than
    the embedder reads: list items, table rows, sentences of a paragraph. ``lead`` is
    the span every window must repeat (a list's lead-in, a table's header row, the
    guidance marker).
    """

    kind: str  # paragraph | list | table | guidance
    start: int
    end: int
    parts: list[tuple[int, int]] = field(default_factory=list)
    lead: tuple[int, int] | None = None
    section_path: tuple[str, ...] = ()
    inner_kind: str | None = None  # for guidance: the kind of what the box holds


@dataclass
class DocumentStructure:
    title: str | None
    headings: list[Heading]
    units: list[Unit]
    # (offset, path): from offset on, content lies in section path (sorted by offset)
    sections: list[tuple[int, tuple[str, ...]]]
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, why): toc, cover

    def section_path_at(self, offset: int) -> tuple[str, ...]:
        keys = [s for s, _ in self.sections]
        i = bisect.bisect_right(keys, offset) - 1
        return self.sections[i][1] if i >= 0 else ()


# --- line classification ----------------------------------------------------------

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(\.?)\s+(\S.*)$")
_ROMAN = re.compile(r"^((?:x{0,3})(?:ix|iv|v?i{0,3}))\.\s+(\S.*)$", re.IGNORECASE)
_APPENDIX = re.compile(r"^(appendix|annex|schedule)\b(\s+[\w.]+)?\s*(?::|-|–)?\s*(.*)$", re.IGNORECASE)
_TOC_LEADER = re.compile(r"(?:_{3,}|\.{4,}|…{2,}|\s{2,})\s*\d{1,3}\s*\**\s*$")
_CONTENTS = re.compile(r"^(table of )?contents:?$", re.IGNORECASE)
_MARKER = re.compile(r"^(PRACTICE GUIDANCE|PRACTICE NOTE|GUIDANCE|NOTE|KEY POINTS?|IMPORTANT)$")
_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to with & / - – vs".split())
_GENERIC_SUBHEADINGS = frozenset(
    ("other considerations", "considerations", "further information", "notes", "note", "summary", "key points")
)
_ITEM = re.compile(r"^(?:\(?\d{1,2}[.)]|\(?[a-z][.)]|\([ivx]+\))\s+\S")


def _title_like(text: str) -> bool:
    """Short, unpunctuated, capitalised: the shape of a heading line."""
    if not text or "\t" in text or text.startswith("• ") or len(text) > 130:
        return False
    if text[-1] in ".,;:!?" or not (text[0].isupper() or text[0].isdigit()):
        return False
    words = text.split()
    if len(words) > 20:
        return False
    if len(words) > 9:
        content = [w for w in words if w.lower() not in _SMALL_WORDS and w[:1].isalpha()]
        caps = sum(1 for w in content if w[:1].isupper())
        if not content or caps / len(content) < 0.6:
            return False
    return True


def _toc_entry_name(text: str) -> str:
    text = text[2:] if text.startswith("• ") else text
    text = _TOC_LEADER.sub("", text).rstrip("*_ .")
    text = re.sub(r"^(\d{1,2}(?:\.\d{1,2})*\.?|[ivxIVX]+\.)\s+", "", text)
    return _key(text)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def _split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for raw in text.split("\n"):
        kind = "blank" if not raw.strip() else "para"
        lines.append(Line(pos, pos + len(raw), raw, kind))
        pos += len(raw) + 1
    return lines


# --- parsing ------------------------------------------------------------------------


def parse_structure(
    text: str,
    title: str | None = None,
    known_headings: list[tuple[int, str]] | None = None,
) -> DocumentStructure:
    """Headings, sections and content units of one normalised document."""
    lines = _split_lines(text)
    content = [ln for ln in lines if ln.kind != "blank"]
    skipped: list[tuple[int, int, str]] = []

    # 1. table of contents, and the cover page before it
    toc_level1: set[str] = set()
    contents_idx = next((i for i, ln in enumerate(content[:80]) if _CONTENTS.match(ln.text.strip())), None)
    if contents_idx is not None:
        for ln in content[:contents_idx]:
            ln.kind = "front"
        if contents_idx:
            skipped.append((content[0].start, content[contents_idx - 1].end, "cover"))
        content[contents_idx].kind = "toc"
        toc_start = content[contents_idx].start
        toc_end = content[contents_idx].end
        # entries: the contiguous run of lines after "Contents" (one blank line allowed first)
        li = lines.index(content[contents_idx]) + 1
        while li < len(lines) and lines[li].kind == "blank":
            li += 1
        while li < len(lines) and lines[li].kind != "blank":
            ln = lines[li]
            ln.kind = "toc"
            entry = ln.text[2:] if ln.text.startswith("• ") else ln.text
            if not _ROMAN.match(entry) or _NUMBERED.match(entry):
                toc_level1.add(_toc_entry_name(ln.text))
            toc_end = ln.end
            li += 1
        skipped.append((toc_start, toc_end, "table of contents"))
    # stray leader lines ("Introduction_____ 3") anywhere are contents too
    for ln in content:
        if ln.kind == "para" and _TOC_LEADER.search(ln.text) and "_" in ln.text:
            ln.kind = "toc"
            skipped.append((ln.start, ln.end, "table of contents"))

    # 2. the document title line (first content line, when it is the title)
    body = [ln for ln in content if ln.kind == "para"]
    doc_title = title
    if body and contents_idx is None and _title_like(body[0].text):
        first = _key(body[0].text)
        if title is None or first == _key(title) or first in _key(title) or _key(title) in first:
            body[0].kind = "title"
            doc_title = doc_title or body[0].text

    # 3. classify the rest
    known = {_key(t): lvl for lvl, t in (known_headings or [])}
    min_known = min(known.values(), default=1)
    for ln in body:
        if ln.kind != "para":
            continue
        t = ln.text
        if t.startswith("• "):
            ln.kind = "bullet"
        elif "\t" in t:
            ln.kind = "table"
        elif _MARKER.match(t):
            ln.kind = "marker"
        elif _ITEM.match(t) and not _heading_shape(t):
            ln.kind = "item"

    headings = _find_headings(lines, body, toc_level1, known, min_known)
    units = _build_units(lines, text)

    has_structure = any(h.level >= 1 for h in headings)
    if has_structure:
        sections = _sections_from_headings(headings)
    else:
        sections = _infer_sections(units, text)
    _assign_sections(units, sections, text)
    sections = _add_guidance_sections(units, sections)
    return DocumentStructure(doc_title, headings, units, sections, skipped)


def _heading_shape(text: str) -> bool:
    m = _NUMBERED.match(text)
    r = _ROMAN.match(text)
    return bool(m and _title_like(m.group(3))) or bool(r and r.group(1) and _title_like(r.group(2)))


def _find_headings(lines, body, toc_level1, known, min_known) -> list[Heading]:
    headings: list[Heading] = []
    numbered_top = any(
        (m := _NUMBERED.match(ln.text)) and "." not in m.group(1) and _title_like(m.group(3))
        for ln in body
        if ln.kind == "para"
    )
    structured = bool(toc_level1) or numbered_top or bool(known)
    idx = {id(ln): i for i, ln in enumerate(lines)}

    def next_content(ln):
        i = idx[id(ln)] + 1
        while i < len(lines) and lines[i].kind == "blank":
            i += 1
        return lines[i] if i < len(lines) else None

    pending: Heading | None = None
    for ln in body:
        if ln.kind != "para":
            pending = None
            continue
        t = ln.text
        level: int | None = None
        name = t
        m = _NUMBERED.match(t)
        rm = _ROMAN.match(t)
        am = _APPENDIX.match(t)
        if known and _key(t) in known:
            level = known[_key(t)] - min_known + 1
        elif m and _title_like(m.group(3)) and not (m.group(2) == "" and "." not in m.group(1)):
            level = m.group(1).count(".") + 1
        elif rm and rm.group(1) and _title_like(rm.group(2)):
            level = 2 if structured else 1
        elif am and _title_like(t) and (am.group(2) or am.group(3) or t.strip().lower() in ("appendix", "annex")):
            level = 1
        elif _title_like(t) and toc_level1 and _key(t) in toc_level1:
            level = 1
        elif _title_like(t) and not known:
            level = 2 if structured else 1
        if level is None:
            pending = None
            continue
        nxt = next_content(ln)
        if nxt is None:
            continue  # a title line at the very end heads nothing
        # A long heading the PDF wrapped onto the next line: "... and Temporary" / "Approval as ..."
        if pending is not None and len(pending.text) >= 55 and level == pending.level and not m:
            pending.end = ln.end
            pending.text = f"{pending.text} {t}"
            ln.kind = "heading"
            pending = None
            continue
        if _key(t) in _GENERIC_SUBHEADINGS and headings:
            level = headings[-1].level + 1  # "Other considerations" belongs to the heading above
        ln.kind = "heading"
        h = Heading(ln.start, ln.end, level, name)
        headings.append(h)
        pending = h
    return headings


def _sections_from_headings(headings: list[Heading]) -> list[tuple[int, tuple[str, ...]]]:
    sections: list[tuple[int, tuple[str, ...]]] = []
    stack: list[Heading] = []
    for h in headings:
        while stack and stack[-1].level >= h.level:
            stack.pop()
        stack.append(h)
        sections.append((h.start, tuple(_heading_label(x.text) for x in stack)))
    return sections


def _heading_label(text: str) -> str:
    """ "5.4 Special Guardianship Orders (SGOs)" stays as written; only stray spaces go."""
    return re.sub(r"\s+", " ", text).strip()


# --- units ----------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9•])")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence boundaries inside ``text[start:end]`` (abbreviation-tolerant enough here)."""
    spans = []
    s = start
    for m in _SENTENCE_END.finditer(text, start, end):
        prev_word = text[max(start, m.start() - 6):m.start()].split()[-1:] or [""]
        if prev_word[0].rstrip(".").lower() in ("e.g", "i.e", "etc", "no", "nb", "n.b", "s", "para", "reg", "dr", "mr", "mrs", "ms"):
            continue
        spans.append((s, m.start()))
        s = m.end()
    if s < end:
        spans.append((s, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _build_units(lines: list[Line], text: str) -> list[Unit]:
    units: list[Unit] = []
    seq = [ln for ln in lines if ln.kind in ("para", "bullet", "item", "table", "marker", "heading")]
    i = 0
    n = len(seq)

    def gap_ok(a: Line, b: Line) -> bool:
        """Lines a and b are adjacent, or separated by at most one blank line."""
        between = text[a.end:b.start]
        return between.count("\n") <= 2 and not between.strip()

    while i < n:
        ln = seq[i]
        if ln.kind == "heading":
            i += 1
            continue
        if ln.kind == "marker":
            units.append(Unit("marker", ln.start, ln.end, [(ln.start, ln.end)]))
            i += 1
            continue
        if ln.kind == "table":
            rows = [ln]
            while i + 1 < n and seq[i + 1].kind == "table" and gap_ok(rows[-1], seq[i + 1]):
                i += 1
                rows.append(seq[i])
            units.append(Unit("table", rows[0].start, rows[-1].end, [(r.start, r.end) for r in rows[1:]] or [(ln.start, ln.end)],
                              lead=(rows[0].start, rows[0].end) if len(rows) > 1 else None))
            i += 1
            continue
        if ln.kind in ("bullet", "item"):
            items = [ln]
            while i + 1 < n:
                nxt = seq[i + 1]
                if nxt.kind in ("bullet", "item") and gap_ok(items[-1], nxt):
                    i += 1
                    items.append(nxt)
                    continue
                # "…; and secondly," between two bullet runs belongs to the list
                if (nxt.kind == "para" and len(nxt.text) < 40 and nxt.text[:1].islower() and i + 2 < n
                        and seq[i + 2].kind in ("bullet", "item")):
                    i += 2
                    items.extend([nxt, seq[i]])
                    continue
                break
            lead = None
            start = items[0].start
            if units and units[-1].kind == "paragraph" and _is_lead_in(text[units[-1].start:units[-1].end]) \
                    and gap_ok(_line_at(seq, units[-1].end), items[0]):
                prev = units.pop()
                lead = (prev.start, prev.end)
                start = prev.start
            units.append(Unit("list", start, items[-1].end, [(it.start, it.end) for it in items], lead=lead))
            i += 1
            continue
        # a paragraph line; a lead-in followed by ";"-terminated paragraphs is a list too
        if units and units[-1].kind == "paragraph" and _is_lead_in(text[units[-1].start:units[-1].end]):
            run = [ln]
            j = i
            end_char = ln.text[-1:]
            while end_char in (";", "?") and j + 1 < n and seq[j + 1].kind == "para":
                j += 1
                run.append(seq[j])
                if not seq[j].text.endswith(end_char):
                    break
            if end_char == "?" and not run[-1].text.endswith("?"):
                run.pop()  # questions end with "?": the line after them is not one
                j -= 1
            if len(run) >= 2 and all(r.text.endswith(end_char) for r in run[:-1]):
                prev = units.pop()
                units.append(Unit("list", prev.start, run[-1].end, [(r.start, r.end) for r in run], lead=(prev.start, prev.end)))
                i = j + 1
                continue
        units.append(Unit("paragraph", ln.start, ln.end, sentence_spans(text, ln.start, ln.end)))
        i += 1

    return _wrap_guidance(units, text)


def _line_at(seq: list[Line], end: int) -> Line:
    return next(ln for ln in seq if ln.end == end)


def _is_lead_in(para: str) -> bool:
    p = para.rstrip()
    return p.endswith(":") or p.endswith(",") or p.endswith(" including") or p.endswith(" include")


def _wrap_guidance(units: list[Unit], text: str) -> list[Unit]:
    """'PRACTICE GUIDANCE' + the note it marks -> one guidance unit."""
    out: list[Unit] = []
    i = 0
    while i < len(units):
        u = units[i]
        if u.kind != "marker":
            out.append(u)
            i += 1
            continue
        if i + 1 >= len(units) or units[i + 1].kind == "marker":
            i += 1  # a marker with nothing after it
            continue
        inner = [units[i + 1]]
        j = i + 2
        # a box of "Indicators…:" list followed by "Implications…:" list holds both
        while (j < len(units) and inner[-1].kind == "list" and units[j].kind == "list" and units[j].lead
               and units[j].lead[1] - units[j].lead[0] < 80):
            inner.append(units[j])
            j += 1
        parts: list[tuple[int, int]] = []
        for x in inner:
            if x.lead and x is not inner[0]:
                parts.append(x.lead)
            parts.extend(x.parts)
        first = inner[0]
        lead_end = first.lead[1] if first.lead else u.end
        out.append(Unit("guidance", u.start, inner[-1].end, parts, lead=(u.start, lead_end), inner_kind=first.kind))
        i = j
    return out


# --- section inference for documents without headings ----------------------------------

# What a passage is about, for web pages whose headings were lost in extraction:
# (section title, weight, patterns). Earlier topics win ties, so the more specific come
# first; broad topics weigh less so that they never take over a passage on their own.
TOPICS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Definition of Permanence", 1.5, (r"\bdefin(?:ed|ition)\b[^.]*permanen", r"permanen\w* (?:is|are) defined", r"aspects of permanen", r"permanen\w* for children has")),
    ("Fostering for Adoption and Concurrent Planning", 1.0, (r"fostering for adoption", r"foster(?:ing)? to adopt", r"concurren", r"early permanence", r"dual approval")),
    ("Special Guardianship Orders", 1.0, (r"special guardian",)),
    ("Child Arrangements Orders", 1.0, (r"child arrangements? orders?",)),
    ("Long-Term Fostering", 1.0, (r"long[- ]term fost", r"permanent fostering", r"long term foster")),
    ("Short-Term Fostering", 1.0, (r"short[- ]term foster",)),
    ("Residential Care", 1.0, (r"residential",)),
    ("Adoption", 1.0, (r"\badopt(?:ion|ive|ers?|ed)\b", r"placement order", r"relinquish")),
    ("Siblings", 1.0, (r"sibling", r"brothers and sisters")),
    ("Parallel Planning", 1.0, (r"parallel", r"twin[- ]track", r"multi[- ]track")),
    ("Reunification and Return Home", 1.0, (r"reunif", r"re-unif", r"return(?:ing|ed)? home", r"rehabilitat")),
    ("Family and Friends / Connected Persons", 1.0, (r"connected persons?", r"family (?:or|and) friends", r"close relative", r"private fostering", r"family group (?:conference|meeting)")),
    ("Children in Need and Edge of Care", 1.0, (r"children in need", r"edge of care", r"early help", r"stay(?:ing)? (?:at home|together)")),
    ("Becoming Looked After", 1.0, (r"come into care", r"becomes? looked after", r"coming into care")),
    ("Permanence Tracking Meetings", 1.0, (r"tracking meeting", r"permanen\w* tracking")),
    ("Permanence Planning Meetings", 1.0, (r"planning meeting", r"\bPPM'?s?\b")),
    ("Reviews", 1.0, (r"(?:first|second|third) (?:statutory |looked after )?review", r"statutory review", r"looked after (?:children'?s? )?review")),
    ("Identity, Ethnicity and Culture", 1.0, (r"ethnic", r"heritage", r"\brace\b", r"cultur", r"religio")),
    ("Local Placement", 1.0, (r"placed locally", r"local provision", r"local placement", r"\blocally\b", r"out[- ]of[- ]area", r"authority boundary")),
    ("Management Oversight", 1.0, (r"management oversight", r"case management", r"quality assurance", r"sufficiency")),
    ("Decisions and Panels", 0.7, (r"agency decision maker", r"fostering panel", r"adoption panel", r"\bpanel\b", r"head of service")),
    ("Communicating the Permanence Plan", 1.5, (r"communicat\w* (?:a |the )?permanen\w* plan",)),
    ("Assessment", 0.7, (r"assessment framework", r"single assessment", r"family assessment", r"assessment process")),
    ("Birth Parents and Families", 0.5, (r"birth (?:parents?|famil\w*)",)),
)
_TOPIC_RES = tuple((name, w, tuple(re.compile(p, re.IGNORECASE) for p in pats)) for name, w, pats in TOPICS)
_REFERENCE = re.compile(r"^\(?(?:please )?(?:also )?see(?: also)?:?\s", re.IGNORECASE)


def _topic_scores(passage: str) -> dict[str, float]:
    first = _first_sentence(passage)
    scores: dict[str, float] = {}
    for name, weight, pats in _TOPIC_RES:
        s = sum(len(p.findall(passage)) + len(p.findall(first)) for p in pats)
        if s:
            scores[name] = s * weight
    return scores


def _first_sentence(passage: str) -> str:
    m = re.search(r"[.!?:;](\s|$)", passage)
    return passage[: m.end()] if m else passage


def _infer_sections(units: list[Unit], text: str) -> list[tuple[int, tuple[str, ...]]]:
    """Give a heading-less document sections: a new one wherever the topic clearly changes.

    A passage opens a new section when its first sentence names a topic that also
    dominates it and the two passages after it (so one passing mention does not flip
    the section); a "See … Procedure" reference line lowers the bar, because in these
    procedure manuals references sit at section boundaries.
    """
    content = [u for u in units if u.kind != "marker"]
    scores = [_topic_scores(text[u.start:u.end]) for u in content]
    sections: list[tuple[int, tuple[str, ...]]] = []
    current = "Introduction"
    after_reference = False
    for i, u in enumerate(content):
        passage = text[u.start:u.end]
        if i == 0:
            sections.append((u.start, (current,)))
        is_ref = bool(_REFERENCE.match(passage)) and len(passage) < 220
        window: dict[str, float] = {}
        for j, w in ((i, 2.0), (i + 1, 1.0), (i + 2, 0.5)):
            if j < len(scores):
                for t, v in scores[j].items():
                    window[t] = window.get(t, 0.0) + v * w
        if window and i > 0:
            best, val = max(window.items(), key=lambda kv: (kv[1], -_topic_rank(kv[0])))
            here = window.get(current, 0.0)
            bar = 3.0 if (after_reference or is_ref) else 5.0
            if current == "Introduction":
                bar = 8.0  # an opening mentions every option in passing: leave it on a clear topic only
            if (best != current and val >= bar and val >= 2 * here
                    and _first_sentence_mentions(passage, best)):
                current = best
                sections.append((u.start, (current,)))
        after_reference = is_ref
    return _labelled_sections(content, text, sections)


_LABEL = re.compile(r"^([A-Z][^\n.;:]{2,100}?)\s+[-–]\s+\S")


def _labelled_sections(content: list[Unit], text: str, sections):
    """A run of "Label - text" paragraphs ("Special Guardianship - This Order will be
    awarded by the court…") names its own sections, one per label."""
    labels: list[tuple[int, str]] = []
    for u in content:
        m = _LABEL.match(text[u.start:u.end]) if u.kind == "paragraph" else None
        label = m.group(1).strip() if m else None
        labels.append((u.start, label if label and _title_like(label) else ""))
    extra = []
    i = 0
    while i < len(labels):
        j = i
        while j < len(labels) and labels[j][1]:
            j += 1
        if j - i >= 2:  # a run, not a lone dash in a sentence
            extra.extend((start, (label,)) for start, label in labels[i:j])
            i = j
        else:
            i += 1
    if not extra:
        return sections
    starts = {s for s, _ in extra}
    return sorted([s for s in sections if s[0] not in starts] + extra, key=lambda s: s[0])


def _topic_rank(name: str) -> int:
    return next(i for i, t in enumerate(TOPICS) if t[0] == name)


def _first_sentence_mentions(passage: str, topic: str) -> bool:
    first = _first_sentence(passage)
    pats = next(p for n, _, p in _TOPIC_RES if n == topic)
    return any(p.search(first) for p in pats)


def _assign_sections(units: list[Unit], sections, text: str) -> None:
    keys = [s for s, _ in sections]
    for u in units:
        i = bisect.bisect_right(keys, u.start) - 1
        u.section_path = sections[i][1] if i >= 0 else ()


def _add_guidance_sections(units: list[Unit], sections):
    extra = []
    for u in units:
        if u.kind == "guidance":
            path = u.section_path + ("Practice Guidance",)
            extra.append((u.start, path))
            extra.append((u.end, u.section_path))
            u.section_path = path
    merged = sorted(sections + extra, key=lambda s: s[0])
    return merged
