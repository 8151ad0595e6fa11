"""Cut a policy document's text into answer units: sentences, list blocks and table rows.

Every unit is a span ``[start, end)`` of the normalised document text, so a quote is
always ``text[start:end]``. A list block is the lead-in line ("Any of the following can
apply for special guardianship:") with every bullet under it: a list question gets the
whole list, never its first bullet. Headings are not units (they state no policy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_BULLET = re.compile(r"^[ \t]*(?:[-\u2022\u00b7*\u25aa\u25e6\u2013]|\(?\d{1,2}[.)]|\(?[ivx]{1,4}[.)]|\(?[a-h][.)])[ \t]+\S")
_TERMINAL = re.compile(r"[.;:!?\"\u201d']\s*$")
# Sentence ends: ., ! or ? followed by space and a capital/quote/digit. Abbreviations
# common in these policies are protected below.
_SENT_END = re.compile(r"(?<=[.!?])[\"\u201d')]?\s+(?=[A-Z\"\u201c(\d\u2018])")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|N\.B|NB|No|s|ss|Reg|reg|para|v|vs|Mr|Mrs|Ms|Dr|St|approx)\.|\b[A-Z]\.)$")

UnitKind = Literal["sentence", "list", "row"]


@dataclass(frozen=True)
class Unit:
    """One quotable span of a document."""

    kind: UnitKind
    start: int
    end: int
    # For lists: the lead-in span and each item's span (document offsets).
    lead: tuple[int, int] | None = None
    items: tuple[tuple[int, int], ...] = ()
    # For sentences: the paragraph they stand in, so a quote can grow to the whole point.
    para: tuple[int, int] | None = None


@dataclass
class _Line:
    start: int
    end: int  # without the newline
    text: str
    is_bullet: bool = False

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def bullet(self) -> bool:
        return bool(_BULLET.match(self.text))


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_heading(line: _Line) -> bool:
    t = line.text.strip()
    return bool(t) and not line.is_bullet and not _TERMINAL.search(t) and len(t.split()) <= 12 and "\t" not in t


def _continues(prev: str, nxt: str) -> bool:
    """A paragraph broken by a page break: no closing punctuation, next starts lower-case."""
    p, n = prev.rstrip(), nxt.lstrip()
    return bool(p) and bool(n) and not _TERMINAL.search(p) and (n[0].islower() or n[0] in ",;")


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (document offsets, whitespace trimmed)."""
    spans: list[tuple[int, int]] = []
    seg_start = start
    for m in _SENT_END.finditer(text, start, end):
        cut = m.start()
        head = text[seg_start:cut]
        # "e.g. The" or "s.105 Children" are not sentence ends.
        if _ABBREV.search(head[-8:]):
            continue
        s, e = _strip_span(text, seg_start, cut + (len(m.group(0)) - len(m.group(0).lstrip('"\u201d\')')) and 0))
        # keep a closing quote or bracket with its sentence
        close = m.group(0)
        extra = len(close) - len(close.lstrip("\"\u201d')"))
        s, e = _strip_span(text, seg_start, cut + extra)
        if e > s:
            spans.append((s, e))
        seg_start = m.end()
    s, e = _strip_span(text, seg_start, end)
    if e > s:
        spans.append((s, e))
    return spans


def segment(text: str) -> list[Unit]:
    """All answer units of a document, in document order."""
    lines = _lines(text)
    _mark_bullets(lines)
    units: list[Unit] = []
    i = 0
    n = len(lines)

    def next_nonblank(j: int) -> int:
        while j < n and lines[j].blank:
            j += 1
        return j

    while i < n:
        line = lines[i]
        if line.blank:
            i += 1
            continue
        if "\t" in line.text:  # a table row (Wigan's Appendix 1)
            s, e = _strip_span(text, line.start, line.end)
            units.append(Unit("row", s, e))
            i += 1
            continue
        if line.is_bullet:
            i = _read_list(text, lines, i, units, lead=None)
            continue
        # A paragraph is one line in these extracts; a line without closing punctuation
        # followed by one starting in lower case (a page break) continues it.
        end_line = i
        while True:
            nb = next_nonblank(end_line + 1)
            if nb < n and not lines[nb].is_bullet and "\t" not in lines[nb].text and _continues(
                lines[end_line].text, lines[nb].text
            ):
                end_line = nb
                continue
            break
        para_start, para_end = lines[i].start, lines[end_line].end
        nb = next_nonblank(end_line + 1)
        ends_colon = text[para_start:para_end].rstrip().endswith(":")
        if nb < n and lines[nb].is_bullet and (ends_colon or _is_heading(lines[end_line])):
            # A lead-in (or a heading right above bullets) starts a list block.
            i = _read_list(text, lines, nb, units, lead=(para_start, para_end))
            continue
        if end_line == i and _is_heading(line):
            i = end_line + 1
            continue
        for s_, e_ in split_sentences(text, para_start, para_end):
            units.append(Unit("sentence", s_, e_, para=(para_start, para_end)))
        i = end_line + 1
    return units


def _mark_bullets(lines: list[_Line]) -> None:
    """Bullet lines, except numbered headings ("1. Purpose & Vision") above prose."""
    n = len(lines)
    for idx, line in enumerate(lines):
        line.is_bullet = line.bullet
        if line.is_bullet and re.match(r"^\s*\(?\d{1,2}[.)]\s", line.text):
            t = line.text.strip()
            nxt = next((lines[j] for j in range(idx + 1, n) if not lines[j].blank), None)
            if not _TERMINAL.search(t) and len(t.split()) <= 8 and nxt is not None and not nxt.bullet:
                line.is_bullet = False


def _read_list(text: str, lines: list[_Line], i: int, units: list[Unit], lead: tuple[int, int] | None) -> int:
    """Read bullets from line ``i``; blank lines between bullets do not end the list."""
    n = len(lines)
    items: list[tuple[int, int]] = []
    while i < n and lines[i].is_bullet:
        item_start = lines[i].start
        j = i
        # An item is one line, unless a page break cut it (no closing punctuation,
        # the next line starts in lower case).
        while True:
            nb = j + 1
            while nb < n and lines[nb].blank:
                nb += 1
            if nb < n and not lines[nb].is_bullet and "\t" not in lines[nb].text and _continues(
                lines[j].text, lines[nb].text
            ):
                j = nb
                continue
            break
        items.append(_strip_span(text, item_start, lines[j].end))
        k = j + 1
        while k < n and lines[k].blank:
            k += 1
        if k < n and lines[k].is_bullet:
            i = k
            continue
        i = j + 1
        break
    if not items:
        return i + 1
    start = lead[0] if lead else items[0][0]
    lead_span = _strip_span(text, *lead) if lead else None
    if lead_span:
        start = lead_span[0]
    units.append(Unit("list", start, items[-1][1], lead_span, tuple(items)))
    return i


def units_in(units: list[Unit], start: int, end: int) -> list[Unit]:
    """Units overlapping ``[start, end)`` (a retrieved chunk's span)."""
    return [u for u in units if u.start < end and start < u.end]
