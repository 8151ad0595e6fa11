"""Deterministic text normalisation: the one text every offset and citation refers to.

Citations quote ``text[start:end]`` verbatim, so the normalised text must come out
byte-identical from the same input every time. The rules, in order:

- line endings become ``\\n``; non-breaking and other odd spaces become plain spaces,
  zero-width characters go; runs of spaces collapse to one; lines are stripped;
- bullets of any kind (``-``, ``•``, ``·``, ``▪``, ``*``…) become ``• ``;
- markdown residue from converters (``**bold**``, ``*em*``, ``[text](#)``) becomes plain text;
- tab-separated table rows keep their tabs (one tab between cells);
- site chrome ("Skip to content", "Company Logo") at the top, and the "Last Updated: …" /
  "vNN" footer at the bottom are removed (their values are returned as metadata);
- a paragraph that a page break cut in two (a long line without closing punctuation,
  blank lines, then a line starting in lower case) is joined again with one space;
- runs of blank lines become one blank line.

Pages (PDF) are normalised together so a paragraph split across a page boundary is
joined too; the page boundaries are tracked into the output as ``PageSpan``s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BULLET = re.compile(r"^(?:[-•·▪◦●■□➢►‣∙*–]|o(?=\s))\s+(?=\S)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:#[^)]*|https?://[^)]*|[^)\s]*)\)")
_MD_BOLD = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*")
_MD_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_SPACES = re.compile(r" {2,}")
_TAB_SPACES = re.compile(r" *\t[\t ]*")

# Site chrome of online procedure manuals: removed only near the top of a document.
CHROME_LINES = frozenset(
    s.casefold()
    for s in ("Skip to content", "Skip to main content", "Company Logo", "Logo", "Menu", "Print", "Search")
)
_LAST_UPDATED = re.compile(r"^Last Updated:\s*(.+?)\s*$", re.IGNORECASE)
_VERSION_LINE = re.compile(r"^v(\d{1,4})$", re.IGNORECASE)

# A line ending in one of these words cannot end a paragraph.
_CONTINUATION_WORDS = frozenset(
    "a an the and or of to in on for with by from at as once that which who whose is are be "
    "their its his her this these not than into within".split()
)
_CLOSING = tuple(".:;!?\"”’)]")


@dataclass(frozen=True)
class PageSpan:
    """Page ``page`` (1-based) covers ``text[start:end]`` of the normalised text."""

    page: int
    start: int
    end: int


@dataclass
class NormalisedText:
    text: str
    pages: list[PageSpan] = field(default_factory=list)  # empty: the source has no pages
    metadata: dict[str, str] = field(default_factory=dict)  # last_updated, version (from a footer)


@dataclass
class _Line:
    text: str
    page: int
    # (position in text, page) where a later page begins inside this joined line
    breaks: list[tuple[int, int]] = field(default_factory=list)


def clean_line(raw: str) -> str:
    """One line, normalised on its own (spaces, bullets, markdown residue, tabs)."""
    line = _ZERO_WIDTH.sub("", _ODD_SPACES.sub(" ", raw))
    line = line.strip(" \r\n\f\v")
    if "\t" in line:
        cells = [c.strip() for c in line.split("\t")]
        if sum(1 for c in cells if c) >= 2:  # a table row: keep one tab between cells
            line = "\t".join(_SPACES.sub(" ", c) for c in cells if c)
        else:
            line = _SPACES.sub(" ", line.replace("\t", " ")).strip()
    else:
        line = _SPACES.sub(" ", line)
    line = line.strip()
    if not line:
        return ""
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_BOLD.sub(r"\1", line)
    m = _BULLET.match(line)
    if m:
        line = "• " + line[m.end():]
    line = _MD_EM.sub(r"\1", line)
    return line


def _is_bullet(line: str) -> bool:
    return line.startswith("• ")


def _continues_paragraph(prev: str, nxt: str) -> bool:
    """Was ``prev``…``nxt`` one paragraph that a page break (blank lines) cut apart?"""
    if "\t" in prev or "\t" in nxt or _is_bullet(nxt) or len(prev) < 40:
        return False
    last, first = prev[-1], nxt[:1]
    if last in _CLOSING:
        return False
    if prev.rsplit(" ", 1)[-1] in _CONTINUATION_WORDS:  # "...work once" / "Duty confirms..."
        return True
    if first.islower():
        return last.isalnum() or last == ","
    return first == "(" and last.isalpha()


def normalise_pages(pages: list[str], strip_chrome: bool = True, paged: bool = True) -> NormalisedText:
    """Normalise the text of one document given as pages; ``paged`` False: no page spans."""
    lines: list[_Line] = []
    for page_no, page_text in enumerate(pages, start=1):
        raw = page_text.replace("\r\n", "\n").replace("\r", "\n")
        for raw_line in raw.split("\n"):
            lines.append(_Line(clean_line(raw_line), page_no))
        lines.append(_Line("", page_no))  # a page ends a line

    metadata: dict[str, str] = {}
    if strip_chrome:
        _strip_chrome(lines)
        _strip_footer(lines, metadata)

    # Join paragraphs cut by a page break, then collapse blank runs.
    out: list[_Line] = []
    pending_blank = False
    for line in lines:
        if not line.text:
            pending_blank = bool(out)
            continue
        if pending_blank and out and _continues_paragraph(out[-1].text, line.text):
            prev = out[-1]
            pos = len(prev.text) + 1
            prev.text = f"{prev.text} {line.text}"
            if line.page != prev.page and not any(p == line.page for _, p in prev.breaks):
                prev.breaks.append((pos, line.page))
            prev.breaks.extend((pos + p, pg) for p, pg in line.breaks)
            pending_blank = False
            continue
        if pending_blank:
            out.append(_Line("", line.page))
        out.append(_Line(line.text, line.page, list(line.breaks)))
        pending_blank = False

    text_parts: list[str] = []
    starts: list[tuple[int, int]] = []  # (offset, page) where a page begins
    offset = 0
    last_page = 0
    for i, line in enumerate(out):
        if line.page != last_page and line.text:
            starts.append((offset, line.page))
            last_page = line.page
        for pos, page in line.breaks:
            if page != last_page:
                starts.append((offset + pos, page))
                last_page = page
        text_parts.append(line.text)
        offset += len(line.text) + (1 if i < len(out) - 1 else 0)
    text = "\n".join(text_parts)

    spans: list[PageSpan] = []
    if paged:
        for j, (start, page) in enumerate(starts):
            end = starts[j + 1][0] if j + 1 < len(starts) else len(text)
            spans.append(PageSpan(page, start, end))
    return NormalisedText(text=text, pages=spans, metadata=metadata)


def normalise_text(text: str, strip_chrome: bool = True) -> NormalisedText:
    """Normalise a document that has no pages (text, markdown, HTML)."""
    return normalise_pages([text], strip_chrome=strip_chrome, paged=False)


def _strip_chrome(lines: list[_Line]) -> None:
    seen = 0
    for line in lines:
        if not line.text:
            continue
        if line.text.casefold() in CHROME_LINES:
            line.text = ""
            continue
        seen += 1
        if seen >= 3:  # chrome sits above the content; never touch the body
            return


def _strip_footer(lines: list[_Line], metadata: dict[str, str]) -> None:
    tail = [ln for ln in lines if ln.text][-4:]
    for i, line in enumerate(tail):
        m = _LAST_UPDATED.match(line.text)
        if not m:
            continue
        metadata["last_updated"] = m.group(1)
        line.text = ""
        for after in tail[i + 1:]:
            v = _VERSION_LINE.match(after.text)
            if v:
                metadata["version"] = f"v{v.group(1)}"
                after.text = ""
        return
