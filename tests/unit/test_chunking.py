"""Structure recovery and chunking of each corpus document (tokenizer only, no model)."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from assistant.components.embedding.embedding_component import Embedder
from assistant.corpus import load_corpus
from assistant.models import DocumentMeta
from assistant.settings import Settings
from ingest.chunking import ChunkPlan, chunk_document
from ingest.documents import ParsedDocument, parse_file, parse_loaded
from ingest.loaders import load_file
from tests.pdf_factory import text_pdf

pytestmark = pytest.mark.unit

SETTINGS = Settings()
WINDOW = SETTINGS.embedding_max_tokens - 2


@lru_cache(maxsize=1)
def _tokenizer() -> Embedder:
    return Embedder(SETTINGS.embedding_model)  # the tokenizer loads without the model


@lru_cache(maxsize=8)
def _doc(doc_id: str) -> tuple[ParsedDocument, tuple[ChunkPlan, ...]]:
    corpus = load_corpus(SETTINGS.manifest_path)
    meta = corpus.by_id(doc_id)
    doc = parse_file(meta, corpus.path_of(meta))
    plans = chunk_document(doc, _tokenizer().count_tokens_batch, SETTINGS.chunk_max_tokens, WINDOW)
    return doc, tuple(plans)


def _chunk_with(doc_id: str, needle: str):
    hits = [p for p in _doc(doc_id)[1] if needle in p.chunk.text]
    assert len(hits) == 1, f"{needle!r} is in {len(hits)} chunks of {doc_id}"
    return hits[0]


ALL = ["wigan-2026-2028", "wigan-2021-2025", "wiltshire", "bolton", "luton"]


# --- invariants over every document ---------------------------------------------------


@pytest.mark.parametrize("doc_id", ALL)
def test_chunks_are_verbatim_ordered_and_fit_the_model(doc_id):
    doc, plans = _doc(doc_id)
    assert len(plans) >= 15
    tok = _tokenizer()
    for p in plans:
        c = p.chunk
        assert doc.text[c.start:c.end] == c.text and c.text.strip() == c.text
        assert c.document_id == doc_id and c.authority == doc.meta.authority and c.status == doc.meta.status
        assert c.section_path, f"chunk without a section: {c.text[:60]!r}"
        assert p.windows and all(n <= WINDOW for n in tok.count_tokens_batch(p.windows))
    assert all(a.chunk.end <= b.chunk.start for a, b in zip(plans, plans[1:]))


@pytest.mark.parametrize("doc_id", ALL)
def test_every_list_item_is_embedded_in_some_window(doc_id):
    _, plans = _doc(doc_id)
    for p in plans:
        if p.chunk.kind not in ("list", "guidance"):
            continue
        windows = "\n".join(p.windows)
        for line in p.chunk.text.split("\n"):
            if line.startswith("• "):
                assert line in windows, f"item not embedded: {line[:60]!r}"


@pytest.mark.parametrize("doc_id", ALL)
def test_chunk_ids_are_stable(doc_id):
    doc, plans = _doc(doc_id)
    again = chunk_document(doc, _tokenizer().count_tokens_batch, SETTINGS.chunk_max_tokens, WINDOW)
    assert [p.chunk.id for p in again] == [p.chunk.id for p in plans]
    assert len({p.chunk.id for p in plans}) == len(plans)


# --- Wigan 2026-2028 ----------------------------------------------------------------------


def test_wigan_2026_sgo_applicant_list_is_one_chunk_with_its_lead_in():
    p = _chunk_with("wigan-2026-2028", "Any of the following can apply for special guardianship:")
    c = p.chunk
    assert c.kind == "list"
    assert c.section_path == ["Options for Permanence", "Special Guardianship Orders"]
    assert c.text.startswith("Any of the following can apply for special guardianship:")
    assert c.text.count("\n• ") == 6
    assert c.text.endswith("Anyone who has the consent of all those with parental responsibility for the child.")


def test_wigan_2026_cao_applicants_one_chunk():
    c = _chunk_with("wigan-2026-2028", "The following people may apply for a Child Arrangements Order:").chunk
    assert c.section_path == ["Options for Permanence", "Child Arrangements Orders"]
    assert c.text.count("\n• ") == 7 and "In any other case, a person who has the consent" in c.text


def test_wigan_2026_contents_and_cover_are_not_content():
    doc, plans = _doc("wigan-2026-2028")
    text = "\n".join(p.chunk.text for p in plans)
    assert "_____" not in text and "Version Final" not in text
    assert plans[0].chunk.section_path == ["Introduction"]
    assert plans[0].chunk.text.startswith("Wigan Council is committed to achieving")


def test_wigan_2026_headings_form_a_hierarchy():
    assert _chunk_with("wigan-2026-2028", "Life Story Work is crucial").chunk.section_path == [
        "How we provide support", "Life Story Work"]
    assert _chunk_with("wigan-2026-2028", "By the time of the second Looked After Review").chunk.section_path == [
        "Planning for Permanence", "Assessing for Permanence"]
    # a heading wrapped over two lines by the PDF converter is one heading
    assert _chunk_with("wigan-2026-2028", "This option is advantageous as it:").chunk.section_path == [
        "Options for Permanence",
        "Foster to Adopt Placements, Concurrent Planning and Temporary Approval as Foster Carers of Approved Prospective Adopters",
    ]
    # "Other considerations" belongs to the heading above it
    assert _chunk_with("wigan-2026-2028", "There is no absolute guarantee").chunk.section_path[-1] == "Other considerations"
    assert len(_chunk_with("wigan-2026-2028", "There is no absolute guarantee").chunk.section_path) == 3


def test_wigan_2026_appendix_table_keeps_its_rows_and_embeds_by_column():
    p = _chunk_with("wigan-2026-2028", "Child Arrangements/Special Guardianship Orders\tAdoption\tLong Term Fostering")
    c = p.chunk
    assert c.kind == "table" and c.section_path == ["Appendix 1: Identifying Permanence Options"]
    rows = c.text.split("\n")
    assert len(rows) == 5 and all(r.count("\t") == 2 for r in rows)
    assert any(w.split("\n", 1)[1].startswith("Adoption: Child's primary need is to belong") for w in p.windows)
    assert any("Child expresses a wish to be adopted" in w and w.split("\n", 1)[1].startswith("Adoption:") for w in p.windows)


def test_page_break_inside_a_sentence_is_repaired():
    c = _chunk_with("wigan-2026-2028", "Staying Together (ST) Edge of Care Team").chunk
    assert "ST begins intensive work once Duty confirms the family" in c.text


# --- Wigan 2021-2025 ------------------------------------------------------------------------


def test_wigan_2021_sgo_applicant_list_across_a_page_break_is_one_chunk():
    c = _chunk_with("wigan-2021-2025", "The following persons may apply:").chunk
    assert c.kind == "list" and c.status == "superseded"
    assert c.section_path == ["6. Options for Permanence", "Special Guardianship Orders"]
    assert c.text.count("• ") == 6 and "Anyone with whom the child has lived for 3 out of the last 5 years" in c.text
    assert "Anyone who has the consent of all those with Parental Responsibility" in c.text


def test_wigan_2021_numbered_and_roman_headings():
    assert _chunk_with("wigan-2021-2025", "Social workers are encouraged to consider working to this model").chunk.section_path == [
        "9. Good Practice Guidance", "ii. Twin Track or Parallel Planning"]
    assert _chunk_with("wigan-2021-2025", "The permanency planning process, informed by multi-agency").chunk.section_path == [
        "9. Good Practice Guidance", "i. Identifying the Best Permanence Option"]
    assert _chunk_with("wigan-2021-2025", "Children Act 1989\n").chunk.section_path == ["Appendix", "Legal Framework"]
    text = "\n".join(p.chunk.text for p in _doc("wigan-2021-2025")[1])
    assert "1. Permanence Policy Statement\n2. Defining" not in text  # the contents list


# --- Wiltshire --------------------------------------------------------------------------------


def test_wiltshire_numbered_sections():
    c = _chunk_with("wiltshire", "Grants shared parental responsibility").chunk
    assert c.section_path == ["5. Permanence Options", "5.4 Special Guardianship Orders (SGOs)"]
    assert c.kind == "list" and c.text.count("• ") == 3
    court = _chunk_with("wiltshire", "Courts must consider").chunk
    assert court.section_path == ["7. Assessment & Planning", "7.4 Court Considerations"]
    assert "How the plan meets those needs" in court.text  # the nested items stay with it
    assert _chunk_with("wiltshire", "second Looked After Review").chunk.section_path[-1] == "7.1 Timely Assessments"


# --- Bolton and Luton (web pages whose headings were lost) -----------------------------------------


def test_bolton_practice_guidance_box_is_one_chunk():
    c = _chunk_with("bolton", "Research indicators for successful re-unification:").chunk
    assert c.kind == "guidance" and c.text.startswith("PRACTICE GUIDANCE")
    assert c.section_path == ["Reunification and Return Home", "Practice Guidance"]
    assert c.text.count("• ") == 12 and c.text.endswith("Reliable social work visiting.")


def test_bolton_cao_and_sgo_definitions_box():
    c = _chunk_with("bolton", "A Special Guardianship Order is made under Section 115").chunk
    assert c.kind == "guidance" and "A Child Arrangements Order is made under Section 8" in c.text
    assert "(or 18 years if the child has disabilities)" in c.text
    assert c.section_path[-1] == "Practice Guidance"


def test_bolton_objectives_list_keeps_its_connector():
    c = _chunk_with("bolton", "In Bolton the key objectives in Permanence Planning is to first,").chunk
    assert c.kind == "list" and "and secondly," in c.text and c.text.endswith("positive permanence solution for them.")


def test_bolton_inferred_sections_are_meaningful():
    assert _chunk_with("bolton", "Long term fostering is not an option for legal permanence").chunk.section_path == ["Long-Term Fostering"]
    assert _chunk_with("bolton", "The council is committed to meeting the placement needs of sibling groups").chunk.section_path == ["Siblings"]
    assert _chunk_with("bolton", "Multi-track planning, also known as Parallel").chunk.section_path == ["Parallel Planning"]
    assert _chunk_with("bolton", "Management oversight will ensure that:").chunk.section_path == ["Management Oversight"]
    assert _chunk_with("bolton", "In Bolton Permanence Planning is based on the philosophy").chunk.section_path == ["Introduction"]


def test_luton_sgo_lists_and_sections():
    adv = _chunk_with("luton", "A Special Guardianship Order has the following potential advantages").chunk
    assert adv.kind == "list" and adv.section_path == ["Special Guardianship Orders"] and adv.text.count("• ") == 4
    dis = _chunk_with("luton", "A Special Guardianship Order has the following potential disadvantages").chunk
    assert dis.text.count("• ") == 5 and dis.text.endswith("no formal legal connection between the Special Guardian and the child.")
    assert _chunk_with("luton", "Permanency for children has three particular aspects:").chunk.section_path == ["Definition of Permanence"]
    assert _chunk_with("luton", "Special Guardianship - (see Application").chunk.section_path == ["Special Guardianship"]


def test_documents_without_an_applicant_list_do_not_invent_one():
    # Bolton and Luton describe SGOs but list no applicants: no chunk claims to
    for doc_id in ("bolton", "luton", "wiltshire"):
        assert not any(re.search(r"can apply for special guardianship|persons may apply", p.chunk.text)
                       for p in _doc(doc_id)[1])


# --- windows for long units, splitting of long paragraphs ----------------------------------------


def _synthetic(text: str) -> ParsedDocument:
    from ingest.normalise import normalise_text
    from ingest.loaders import LoadedDocument
    from pathlib import Path

    meta = DocumentMeta(id="synthetic", file="s.txt", authority="Testshire Council", title="Synthetic", version="v1")
    norm = normalise_text(text)
    return parse_loaded(meta, LoadedDocument(Path("s.txt"), "txt", norm.text, [], norm.metadata))


def test_long_list_is_one_chunk_with_several_windows_that_all_repeat_the_lead_in():
    items = "\n".join(f"- Criterion number {i}: the carer has shown commitment to the child over a sustained period of time." for i in range(40))
    doc = _synthetic(f"Eligibility\n\nThe following people may apply for an order:\n{items}\n")
    plans = chunk_document(doc, _tokenizer().count_tokens_batch, 200, WINDOW)
    assert len(plans) == 1
    p = plans[0]
    assert p.chunk.kind == "list" and p.chunk.text.count("• ") == 40
    assert len(p.windows) >= 4
    assert all(w.split("\n")[1] == "The following people may apply for an order:" for w in p.windows)
    assert all(f"Criterion number {i}:" in "\n".join(p.windows) for i in range(40))
    assert all(n <= WINDOW for n in _tokenizer().count_tokens_batch(p.windows))


def test_long_paragraph_is_split_at_sentences_into_verbatim_chunks():
    para = " ".join(f"Sentence {i} explains how the review considers the permanence plan for the child." for i in range(60))
    doc = _synthetic(f"Reviews\n\n{para}\n")
    plans = chunk_document(doc, _tokenizer().count_tokens_batch, 200, WINDOW)
    assert len(plans) >= 4
    assert all(p.chunk.text.endswith(".") and p.chunk.text[0] == "S" for p in plans)
    joined = " ".join(p.chunk.text for p in plans)
    assert joined == para
    assert all(n <= WINDOW for p in plans for n in _tokenizer().count_tokens_batch(p.windows))


def test_small_paragraphs_of_one_section_merge_but_sections_never_mix():
    doc = _synthetic("Alpha\n\nFirst short paragraph.\n\nSecond short paragraph.\n\nBeta\n\nThird paragraph here.\n")
    plans = chunk_document(doc, _tokenizer().count_tokens_batch, 200, WINDOW)
    assert [p.chunk.section_path for p in plans] == [["Alpha"], ["Beta"]]
    assert plans[0].chunk.text == "First short paragraph.\n\nSecond short paragraph."


# --- a real PDF built from a corpus text ------------------------------------------------------------


def test_pdf_page_numbers_reach_the_chunks(tmp_path):
    corpus = load_corpus(SETTINGS.manifest_path)
    meta = corpus.by_id("wiltshire")
    pdf = text_pdf(tmp_path / "wiltshire.pdf", corpus.path_of(meta).read_text(encoding="utf-8"), lines_per_page=25)
    doc = parse_loaded(meta.model_copy(update={"source_format": "pdf"}), load_file(pdf))
    plans = chunk_document(doc, _tokenizer().count_tokens_batch, SETTINGS.chunk_max_tokens, WINDOW)
    pages = [p.chunk.page for p in plans]
    assert pages[0] == 1 and all(isinstance(x, int) for x in pages)
    assert pages == sorted(pages) and pages[-1] == len(doc.pages) >= 3
    for p in plans:
        span = next(s for s in doc.pages if s.start <= p.chunk.start < s.end or s.page == p.chunk.page)
        assert span.page == p.chunk.page
    sgo = next(p.chunk for p in plans if "Grants shared parental responsibility" in p.chunk.text)
    assert sgo.section_path == ["5. Permanence Options", "5.4 Special Guardianship Orders (SGOs)"]
    assert doc.text.index("Grants shared parental") >= next(s.start for s in doc.pages if s.page == sgo.page)


def test_long_items_of_a_list_get_their_own_window():
    p = _chunk_with("bolton", "A Special Guardianship Order is made under Section 115")
    sgo = [w for w in p.windows if "Section 115" in w and "Section 8 " not in w]
    assert len(sgo) == 1 and sgo[0].split("\n")[1] == "PRACTICE GUIDANCE"
    assert any("Section 115" in w and "Section 8 " in w for w in p.windows)  # and the whole box too
    short = _chunk_with("wiltshire", "Grants shared parental responsibility")
    assert len(short.windows) == 1  # short items: the list's one window is enough
