"""Loaders: a policy file on disk -> normalised text, page spans and metadata.

Supported: ``.txt`` / ``.md`` (UTF-8), ``.html`` / ``.htm`` (tags and site chrome
stripped, "Last Updated: …" / "vNN" read into metadata), ``.pdf`` (pypdf, page numbers
kept as spans of the normalised text), ``.docx`` (python-docx: the section path from Word's
heading styles, list paragraphs as bullets, tables row by row). Anything else is refused. Every refusal is a
``LoadError`` whose message names the file and the reason in one line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ingest.normalise import NormalisedText, PageSpan, normalise_pages, normalise_text

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class LoadError(Exception):
    """A file that cannot be ingested; ``str()`` is one line naming the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


@dataclass
class LoadedDocument:
    """One file, loaded: the normalised text is what all offsets refer to."""

    path: Path
    source_format: str  # txt | md | html | pdf | docx
    text: str
    pages: list[PageSpan] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    # Headings the format itself marks (HTML <h1>-<h6>, markdown #): (level, text)
    headings: list[tuple[int, str]] = field(default_factory=list)
    sha256: str = ""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_file(path: Path | str, max_bytes: int | None = None) -> LoadedDocument:
    """Load and normalise one file; raises ``LoadError`` with a one-line reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise LoadError(path, f"unsupported file type {shown} (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from None
    if not path.is_file():
        raise LoadError(path, "not a regular file")
    if max_bytes is not None and size > max_bytes:
        raise LoadError(
            path,
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit "
            "(PERMANENCE_MAX_FILE_BYTES); split it or raise the limit",
        )
    if size == 0:
        raise LoadError(path, "file is empty")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from None

    if suffix == ".pdf":
        doc = _load_pdf(path, data)
    elif suffix == ".docx":
        doc = _load_docx(path, data)
    else:
        text = _decode_utf8(path, data)
        if suffix in (".html", ".htm"):
            doc = _load_html(path, text)
        elif suffix == ".md":
            doc = _load_markdown(path, text)
        else:
            norm = normalise_text(text)
            doc = LoadedDocument(path, "txt", norm.text, [], norm.metadata)
    if not doc.text.strip():
        raise LoadError(path, "no text left after normalisation (only whitespace or site chrome)")
    doc.sha256 = hashlib.sha256(data).hexdigest()
    return doc


def _decode_utf8(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            path,
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save it as UTF-8",
        ) from None
    if "\x00" in text:
        raise LoadError(path, "contains NUL bytes: a binary file, not text")
    return text


# --- markdown ------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def _load_markdown(path: Path, text: str) -> LoadedDocument:
    headings: list[tuple[int, str]] = []
    lines = []
    in_fence = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip().startswith("```"):
            in_fence = not in_fence
            continue
        m = None if in_fence else _MD_HEADING.match(line.strip())
        if m:
            headings.append((len(m.group(1)), m.group(2).strip()))
            lines.append(m.group(2).strip())
        else:
            lines.append(line)
    norm = normalise_text("\n".join(lines))
    return LoadedDocument(path, "md", norm.text, [], norm.metadata, headings)


# --- HTML ----------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "br", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "dd", "dt", "dl", "pre", "hr", "figure", "figcaption", "aside",
}
_LINE_TAGS = {"li", "tr", "br", "dt", "dd"}
_SKIP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "template", "svg", "form", "button", "iframe"}
_CHROME_CLASS = re.compile(r"skip|breadcrumb|cookie|logo|menu|navbar|site-header|site-footer|print", re.I)


class _TextExtractor(HTMLParser):
    """Visible text of a page, one block element per line, table cells tab-separated."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: list[str] | None = None
        self._heading_level = 0
        self.title = ""
        self._in_title = False
        self._cell_count = 0

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        chrome = bool(_CHROME_CLASS.search(" ".join(filter(None, [attrs_d.get("class"), attrs_d.get("id")]))))
        skipping = tag in _SKIP_TAGS or chrome or attrs_d.get("aria-hidden") == "true"
        if tag in ("br", "hr", "img", "meta", "link", "input"):
            if tag in ("br", "hr") and not self.skip_depth:
                self.parts.append("\n" if tag == "br" else "\n\n")
            return
        self.stack.append((tag, skipping))
        if skipping:
            self.skip_depth += 1
            return
        if tag == "title":
            self._in_title = True
        if tag in _BLOCK_TAGS:
            # list items and table rows follow each other line by line; other blocks
            # are paragraphs, apart by a blank line
            self.parts.append("\n" if tag in _LINE_TAGS else "\n\n")
        if tag == "tr":
            self._cell_count = 0
        if tag in ("td", "th"):
            if self._cell_count:
                self.parts.append("\t")
            self._cell_count += 1
        if tag == "li":
            self.parts.append("• ")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = []
            self._heading_level = int(tag[1])

    def handle_endtag(self, tag):
        # pop to the matching tag (HTML in the wild is not always well nested)
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, skipping in self.stack[i:]:
                    if skipping:
                        self.skip_depth -= 1
                del self.stack[i:]
                break
        else:
            return
        if tag == "title":
            self._in_title = False
        if self._heading is not None and re.fullmatch(r"h[1-6]", tag):
            text = re.sub(r"\s+", " ", "".join(self._heading)).strip()
            if text:
                self.headings.append((self._heading_level, text))
            self._heading = None
        if tag in _BLOCK_TAGS and tag not in _LINE_TAGS and not self.skip_depth:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        text = re.sub(r"\s+", " ", data)
        self.parts.append(text)
        if self._heading is not None:
            self._heading.append(text)


def _load_html(path: Path, text: str) -> LoadedDocument:
    parser = _TextExtractor()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise LoadError(path, f"cannot parse HTML: {exc}") from None
    body = "".join(parser.parts)
    body = re.sub(r"[ \t]*\n[ \t]*", "\n", body)
    body = re.sub(r"\n{3,}", "\n\n", body)
    norm = normalise_text(body)
    metadata = dict(norm.metadata)
    if parser.title.strip():
        metadata["html_title"] = re.sub(r"\s+", " ", parser.title).strip()
    return LoadedDocument(path, "html", norm.text, [], metadata, parser.headings)


# --- Word (.docx) ----------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: encrypted .docx or an old .doc
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def _docx_heading_level(paragraph) -> int | None:
    """Level of a Word heading: the built-in "Heading N" styles, or an outline level set on the
    paragraph or its style (how renamed and localised heading styles still mark structure)."""
    style = paragraph.style
    while style is not None:
        m = _HEADING_STYLE.match(style.name or "")
        if m:
            return int(m.group(1))
        style = style.base_style
    style_el = getattr(paragraph.style, "_element", None)
    for ppr in (paragraph._p.pPr, style_el.pPr if style_el is not None else None):
        lvl = ppr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}outlineLvl") if ppr is not None else None
        if lvl is not None:
            val = lvl.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
            if val is not None and val.isdigit() and int(val) < 9:
                return int(val) + 1
    return None


def _docx_is_list_item(paragraph) -> bool:
    """Bulleted or numbered: Word's List styles, or numbering set on the paragraph."""
    if (paragraph.style.name or "").lower().startswith("list"):
        return True
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.numPr is not None


def _docx_table_rows(table) -> list[str]:
    """One line per row, cells tab-separated (as the HTML loader writes them), merged cells once."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(re.sub(r"\s+", " ", " ".join(p.text for p in cell.paragraphs)).strip())
        if any(cells):
            rows.append("\t".join(cells))
    return rows


def _load_docx(path: Path, data: bytes) -> LoadedDocument:
    import io
    import zipfile

    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise LoadError(path, "Word document is password-protected (encrypted); provide an unprotected copy")
        raise LoadError(path, "an old binary Word file (.doc) or another OLE file, not .docx; save it as .docx")
    if not data.startswith(b"PK"):
        raise LoadError(path, "not a .docx (no zip header): corrupt or mislabelled file")
    try:
        import docx
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise LoadError(path, "cannot read .docx: python-docx is not installed") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise LoadError(path, "corrupt .docx: the zip container cannot be read") from None
    except (KeyError, ValueError) as exc:
        raise LoadError(path, f"corrupt .docx: not a Word document ({exc})") from None
    except Exception as exc:  # lxml errors on damaged XML and the like: one line, never a crash
        raise LoadError(path, f"corrupt .docx, cannot be read ({type(exc).__name__})") from None

    from docx.table import Table

    parts: list[str] = []
    headings: list[tuple[int, str]] = []
    prev_list = False
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = _docx_table_rows(block)
            if rows:
                parts.append("\n\n" + "\n".join(rows) + "\n\n")
            prev_list = False
            continue
        text = re.sub(r"\s+", " ", block.text).strip()
        if not text:
            continue
        level = _docx_heading_level(block)
        if level is not None:
            headings.append((level, text))
            parts.append(f"\n\n{text}\n\n")
            prev_list = False
        elif _docx_is_list_item(block):
            # list items follow each other line by line, so the list stays one unit
            parts.append(("\n" if prev_list else "\n\n") + f"• {text}")
            prev_list = True
        else:
            parts.append(f"\n\n{text}\n\n")
            prev_list = False
    body = "".join(parts)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    if not body:
        raise LoadError(path, "Word document has no text (empty, or only images)")
    norm = normalise_text(body)
    metadata = dict(norm.metadata)
    props = document.core_properties
    if props.title:
        metadata["docx_title"] = props.title.strip()
    if props.modified:
        metadata.setdefault("last_updated", props.modified.date().isoformat())
    if props.revision:
        metadata["docx_revision"] = str(props.revision)
    return LoadedDocument(path, "docx", norm.text, [], metadata, headings)


# --- PDF -------------------------------------------------------------------------


def _load_pdf(path: Path, data: bytes) -> LoadedDocument:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken PDFs log noisily
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise LoadError(path, "not a PDF (no %PDF header): corrupt or mislabelled file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise LoadError(path, "PDF is encrypted (password required); provide an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except FileNotDecryptedError:
        raise LoadError(path, "PDF is encrypted (password required); provide an unprotected copy") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise LoadError(path, f"corrupt PDF, cannot be read ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises a wide range on damaged files
        raise LoadError(path, f"corrupt PDF, cannot be read ({type(exc).__name__}: {exc})") from None
    if not pages:
        raise LoadError(path, "PDF has no pages")
    if not any(p.strip() for p in pages):
        raise LoadError(path, f"PDF has no extractable text in {len(pages)} page(s) (scanned images?); OCR it first")
    norm: NormalisedText = normalise_pages(pages, paged=True)
    return LoadedDocument(path, "pdf", norm.text, norm.pages, norm.metadata)
