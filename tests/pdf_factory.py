"""Real PDFs for the loader and ingest tests, written with reportlab (and pypdf for encryption)."""

from __future__ import annotations

from pathlib import Path


def text_pdf(path: Path, text: str, lines_per_page: int = 45) -> Path:
    """A real multi-page PDF carrying ``text`` (long lines wrapped at 95 characters)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    import textwrap

    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(textwrap.wrap(para, 95) or [""])
    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    y = height - 50
    on_page = 0
    for line in lines:
        if on_page >= lines_per_page:
            c.showPage()
            y, on_page = height - 50, 0
        c.setFont("Helvetica", 9)
        c.drawString(40, y, line)
        y -= 15
        on_page += 1
    c.showPage()
    c.save()
    return path


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF whose pages hold only drawings (what a scan without OCR looks like to pypdf)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(pages):
        c.setFillGray(0.3 + 0.2 * i)
        c.rect(50, 50, 400, 600, fill=1)
        c.showPage()
    c.save()
    return path


def encrypted_pdf(path: Path, source_text: str = "Secret policy text.", password: str = "s3cret") -> Path:
    """A PDF that needs a user password to open."""
    from pypdf import PdfReader, PdfWriter

    plain = text_pdf(path.with_suffix(".plain.pdf"), source_text)
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def corrupt_pdf(path: Path) -> Path:
    """A file that starts like a PDF and then is garbage (a truncated download)."""
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + bytes(range(256)) * 4)
    return path
