"""Loaders and normalisation: formats, site chrome, footers, page spans and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT
from ingest.loaders import LoadError, load_file
from ingest.normalise import clean_line, normalise_pages, normalise_text
from tests.pdf_factory import corrupt_pdf, encrypted_pdf, image_only_pdf, text_pdf

pytestmark = pytest.mark.unit

CORPUS = REPO_ROOT / "policies_corpus"


# --- normalisation -------------------------------------------------------------------


def test_bullets_spaces_and_markdown_residue_are_normalised():
    assert clean_line("\u00a0 · Legal permanence:\u00a0 Achieved") == "• Legal permanence: Achieved"
    assert clean_line("  \u2022 Support children ") == "• Support children"
    assert clean_line("- [Adoption](#)") == "• Adoption"
    assert clean_line("The **Staying Together (ST)** team, *finding out* stage") == "The Staying Together (ST) team, finding out stage"
    assert clean_line("A\t\tB \t C") == "A\tB\tC"  # table cells keep one tab each


def test_paragraph_cut_by_a_page_break_is_joined_but_real_breaks_are_kept():
    text = (
        "Family Safeguarding promotes purposeful, time-limited planning, with robust assessment and review\n\n"
        "processes that support confident decision-making.\n\n"
        "This of course has to be balanced against the risk of harm to the child\n\n"
        "For most children the preferred outcome would be that they stay."
    )
    out = normalise_text(text).text
    assert "assessment and review processes that support" in out
    assert "harm to the child\n\nFor most children" in out


def test_normalisation_is_deterministic_and_idempotent_on_the_corpus():
    for path in sorted(CORPUS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        once = normalise_text(raw).text
        assert normalise_text(raw).text == once
        assert normalise_text(once).text == once, path.name
        assert "\u00a0" not in once and "\n\n\n" not in once and "  " not in once


@pytest.mark.parametrize("name, updated, version", [
    ("bolton-permanence-for-children.txt", "December 12, 2023", "v60"),
    ("luton-permanence-planning-guidance.txt", "April 16, 2024", "v56"),
])
def test_web_page_chrome_removed_and_footer_read_into_metadata(name, updated, version):
    doc = load_file(CORPUS / name)
    assert doc.metadata == {"last_updated": updated, "version": version}
    first_line = doc.text.split("\n", 1)[0]
    assert first_line in ("Permanence for Children", "Permanence Planning Guidance")
    assert "Skip to content" not in doc.text and "Company Logo" not in doc.text and "Last Updated" not in doc.text


def test_html_loader_strips_tags_and_chrome_and_reads_footer(tmp_path):
    page = tmp_path / "policy.html"
    page.write_text(
        """<html><head><title>Permanence Policy</title><style>p{}</style></head><body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header><img alt="Company Logo"> <nav><a href="/">Home</a></nav></header>
        <main><h1>Permanence Policy</h1>
        <h2>1. Special Guardianship</h2>
        <p>Any of the following can apply for special guardianship:</p>
        <ul><li>Any guardian of the child.</li><li>A local authority foster carer.</li></ul>
        <table><tr><th>Option</th><th>Suitable when</th></tr><tr><td>Adoption</td><td>Child needs a new family.</td></tr></table>
        <p>Last Updated: March 3, 2024</p><p>v12</p></main>
        <footer>Cookies &amp; privacy</footer><script>var x = 1;</script></body></html>""",
        encoding="utf-8",
    )
    doc = load_file(page)
    assert doc.source_format == "html"
    assert doc.metadata["last_updated"] == "March 3, 2024" and doc.metadata["version"] == "v12"
    assert doc.metadata["html_title"] == "Permanence Policy"
    assert (2, "1. Special Guardianship") in doc.headings
    for gone in ("Skip to content", "Company Logo", "Home", "Cookies", "var x", "p{}"):
        assert gone not in doc.text
    assert "Any of the following can apply for special guardianship:\n\n• Any guardian of the child.\n• A local authority foster carer." in doc.text
    assert "Option\tSuitable when\nAdoption\tChild needs a new family." in doc.text


def test_markdown_headings_are_recorded(tmp_path):
    md = tmp_path / "p.md"
    md.write_text("# Policy\n\n## Adoption\n\nAdoption is **permanent**.\n\n* one\n* two\n", encoding="utf-8")
    doc = load_file(md)
    assert doc.headings == [(1, "Policy"), (2, "Adoption")]
    assert "Adoption is permanent.\n\n• one\n• two" in doc.text


def test_pdf_pages_become_spans_of_the_normalised_text(tmp_path):
    source = (CORPUS / "wiltshire-permanence-guidance.txt").read_text(encoding="utf-8")
    pdf = text_pdf(tmp_path / "wiltshire.pdf", source, lines_per_page=30)
    doc = load_file(pdf)
    assert doc.source_format == "pdf"
    assert len(doc.pages) >= 3
    assert [p.page for p in doc.pages] == list(range(1, len(doc.pages) + 1))
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    assert all(a.end <= b.start + 1 for a, b in zip(doc.pages, doc.pages[1:]))
    assert "5.4 Special Guardianship Orders (SGOs)" in doc.text


def test_page_spans_track_a_paragraph_joined_across_pages():
    out = normalise_pages(["Intro\n\nThe assessment concludes that the child cannot safely remain at", "home with the parents.\n\nNext"])
    assert "remain at home with the parents." in out.text
    assert [p.page for p in out.pages] == [1, 2]
    assert out.text[out.pages[1].start:].startswith("home with the parents.")


# --- bad input ---------------------------------------------------------------------------


def _reason(path: Path, **kw) -> str:
    with pytest.raises(LoadError) as err:
        load_file(path, **kw)
    msg = str(err.value)
    assert msg.startswith(path.name + ": ") and "\n" not in msg
    return msg


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert "empty" in _reason(p)


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "blank.md"
    p.write_text(" \n\n\t\n", encoding="utf-8")
    assert "no text" in _reason(p)


def test_non_utf8_text(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("Children’s services café".encode("cp1252"))
    assert "not UTF-8" in _reason(p)


def test_unsupported_extension(tmp_path):
    p = tmp_path / "policy.odt"
    p.write_bytes(b"PK\x03\x04 not really")
    msg = _reason(p)
    assert "unsupported file type .odt" in msg and ".pdf" in msg


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    p = tmp_path / "huge.txt"
    with p.open("wb") as fh:
        fh.write(b"Permanence planning text. " * (50 * 1024 * 1024 // 26 + 1))
    assert p.stat().st_size >= 50 * 1024 * 1024
    msg = _reason(p, max_bytes=20 * 1024 * 1024)
    assert "MB" in msg and "limit" in msg


def test_corrupt_pdf(tmp_path):
    assert "corrupt PDF" in _reason(corrupt_pdf(tmp_path / "broken.pdf"))


def test_not_a_pdf_at_all(tmp_path):
    p = tmp_path / "fake.pdf"
    p.write_text("just text with a pdf name", encoding="utf-8")
    assert "not a PDF" in _reason(p)


def test_encrypted_pdf(tmp_path):
    assert "encrypted" in _reason(encrypted_pdf(tmp_path / "locked.pdf"))


def test_image_only_pdf(tmp_path):
    assert "no extractable text" in _reason(image_only_pdf(tmp_path / "scan.pdf"))


def test_missing_file(tmp_path):
    assert "not found" in _reason(tmp_path / "nowhere.txt")
