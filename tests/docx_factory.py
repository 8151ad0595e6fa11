"""Real Word files for the loader tests, built with python-docx from corpus text.

``docx_from_parsed`` writes a parsed policy as a council's Word procedure would look: each
recovered heading as a "Heading N" paragraph (N = its level), "• " lines
as "List Bullet" paragraphs, tab-separated rows as a Word table, the rest as body paragraphs.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx


def docx_from_parsed(parsed, dest: Path) -> Path:
    heads = {h.start: h for h in parsed.structure.headings if h.level >= 1}
    document = docx.Document()
    table_rows: list[list[str]] = []

    def flush_table() -> None:
        if not table_rows:
            return
        width = max(len(r) for r in table_rows)
        table = document.add_table(rows=len(table_rows), cols=width)
        for r, cells in enumerate(table_rows):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
        table_rows.clear()

    pos = 0
    skip_to = 0  # a heading the converter broke over two lines is one Word heading
    for line in parsed.text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if not line.strip() or start < skip_to:
            continue
        if "\t" in line:
            table_rows.append(line.split("\t"))
            continue
        flush_table()
        head = heads.get(start)
        if head is not None:
            document.add_heading(head.text, level=min(head.level, 9))
            skip_to = head.end
        elif line.startswith("• "):
            document.add_paragraph(line[2:], style="List Bullet")
        else:
            document.add_paragraph(line)
    flush_table()
    document.save(dest)
    return dest


def empty_docx(dest: Path) -> Path:
    docx.Document().save(dest)
    return dest


def truncated_docx(source: Path, dest: Path) -> Path:
    dest.write_bytes(source.read_bytes()[: source.stat().st_size // 3])
    return dest


def zip_without_word_document(dest: Path) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a Word document")
    dest.write_bytes(buf.getvalue())
    return dest


def encrypted_docx_container(dest: Path) -> Path:
    """What Word writes for a password-protected .docx: an OLE compound file holding an
    ``EncryptedPackage`` stream (header and directory name only; no encryption library here)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptedPackage".encode("utf-16-le") + b"\x00" * 94
    dest.write_bytes(header + directory + b"\x00" * 1024)
    return dest
