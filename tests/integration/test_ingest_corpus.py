"""The real corpus, ingested once per session: contents of the index and search over it."""

from __future__ import annotations

import pytest

from assistant.components.vector_store.vector_store_component import VectorStore
from assistant.corpus import UnknownAuthority
from ingest.documents import load_document_text, page_at, section_path_at

pytestmark = pytest.mark.integration


def test_every_document_indexed_with_status_and_chunks(index_settings):
    docs = {d["document_id"]: d for d in VectorStore(index_settings).list_documents()}
    assert set(docs) == {"wigan-2026-2028", "wigan-2021-2025", "wiltshire", "bolton", "luton"}
    assert docs["wigan-2021-2025"]["status"] == "superseded"
    assert docs["wigan-2026-2028"]["status"] == "current"
    assert docs["bolton"]["version"] == "v60"
    assert all(d["chunks"] >= 15 for d in docs.values())


def test_chunks_quote_the_normalised_text_verbatim(index_settings):
    store = VectorStore(index_settings)
    for doc_id in ("wigan-2026-2028", "bolton", "wiltshire"):
        text = load_document_text(index_settings, doc_id)
        chunks = store.chunks_of(doc_id)
        for c in chunks:
            assert text[c.start:c.end] == c.text
            assert c.section_path == section_path_at(index_settings, doc_id, c.start)
            assert page_at(index_settings, doc_id, c.start) is None  # .txt sources have no pages
        # chunks do not overlap and come in document order
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))


def test_site_chrome_and_footer_are_not_content(index_settings):
    for doc_id in ("bolton", "luton"):
        text = load_document_text(index_settings, doc_id)
        assert "Skip to content" not in text and "Company Logo" not in text
        assert "Last Updated" not in text
        assert not text.rstrip().endswith(("v60", "v56"))


def test_hybrid_search_finds_the_sgo_applicant_list(index_settings):
    hits = VectorStore(index_settings).search("Who can apply for a special guardianship order?", k=5, authority="Wigan")
    assert hits and all(h.chunk.authority == "Wigan Council" and h.chunk.status == "current" for h in hits)
    assert any("Any of the following can apply for special guardianship" in h.chunk.text for h in hits)


def test_status_filter_reaches_superseded_only_when_asked(index_settings):
    store = VectorStore(index_settings)
    current = store.search("The following persons may apply", k=10, authority="Wigan Council")
    assert all(h.chunk.document_id == "wigan-2026-2028" for h in current)
    both = store.search("The following persons may apply", k=10, authority="Wigan Council", status=None)
    assert any(h.chunk.document_id == "wigan-2021-2025" for h in both)


def test_document_filter_and_unknown_authority(index_settings):
    store = VectorStore(index_settings)
    hits = store.search("adoption", k=5, document_ids=["luton"])
    assert hits and {h.chunk.document_id for h in hits} == {"luton"}
    with pytest.raises(UnknownAuthority) as err:
        store.search("adoption", authority="Narnia")
    assert "Wigan Council" in str(err.value)


def test_results_are_one_per_chunk(index_settings):
    hits = VectorStore(index_settings).search("advantages and disadvantages of long-term fostering", k=10, status=None)
    ids = [h.chunk.id for h in hits]
    assert len(ids) == len(set(ids))
