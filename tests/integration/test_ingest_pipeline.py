"""The ingest pipeline on small synthetic corpora: incremental, atomic, and robust to bad input.

Real embedder (session fixture), real embedded Qdrant in a temp folder per test.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.components.vector_store.vector_store_component import VectorStore
from assistant.settings import Settings
from ingest.documents import UnknownDocument, load_document_text
from ingest.index_state import read_state
from ingest.pipeline import IngestError, IngestPipeline
from tests.pdf_factory import corrupt_pdf, encrypted_pdf, image_only_pdf, text_pdf

pytestmark = pytest.mark.integration

DOCS = {
    "alpha": ("Alpha Council", textwrap.dedent("""\
        Alpha Permanence Policy

        1. Special Guardianship

        Any of the following can apply for special guardianship:
        - Any guardian of the child.
        - A local authority foster carer with whom the child has lived for one year.
        - Anyone with whom the child has lived for three out of the last five years.

        2. Reviews

        The permanence plan must be in place by the second review, within four months.
        """)),
    "beta": ("Beta Council", textwrap.dedent("""\
        Beta Permanence Policy

        1. Adoption

        Adoption transfers parental responsibility permanently to the adopters.

        2. Siblings

        Siblings should be placed together wherever it is in their best interests.
        """)),
    "gamma": ("Gamma Council", textwrap.dedent("""\
        Gamma Permanence Policy

        1. Residential Care

        Residential care is used only for young people who cannot live in a family setting.
        """)),
}


def make_corpus(root: Path, docs: dict = DOCS) -> Settings:
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    entries = []
    for doc_id, (authority, text) in docs.items():
        (corpus / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        entries.append({"id": doc_id, "file": f"{doc_id}.txt", "authority": authority,
                        "title": f"{doc_id.title()} Permanence Policy", "version": "v1", "status": "current"})
    (corpus / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}), encoding="utf-8")
    return Settings(corpus_dir=corpus, data_dir=root / "data", qdrant_url=None)


def set_manifest(settings: Settings, keep: list[str]) -> None:
    path = settings.manifest_path
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["documents"] = [d for d in data["documents"] if d["id"] in keep]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def point_ids(store: VectorStore) -> set:
    recs, _ = store.client.scroll(store.live_collection(), limit=10_000, with_payload=False)
    return {r.id for r in recs}


@pytest.fixture
def corpus_settings(tmp_path, embedder) -> Settings:
    return make_corpus(tmp_path)


def test_first_run_then_no_change_run_is_idempotent(corpus_settings):
    first = IngestPipeline(corpus_settings).run(progress=False)
    assert first.ok and first.built and first.ingested == 3 and first.documents == 3
    store = VectorStore(corpus_settings)
    ids_before, live_before = point_ids(store), store.live_collection()

    again = IngestPipeline(corpus_settings).run(progress=False)
    assert again.ok and not again.built and again.unchanged == 3 and again.ingested == 0
    assert again.windows_embedded == 0
    assert store.live_collection() == live_before and point_ids(store) == ids_before

    rebuilt = IngestPipeline(corpus_settings).run(progress=False, rebuild=True)
    assert rebuilt.built and rebuilt.ingested == 3
    assert store.live_collection() != live_before
    assert point_ids(store) == ids_before  # stable chunk ids -> same points
    assert store.build_collections() == [store.live_collection()]  # the old build was dropped


def test_changed_document_alone_is_reembedded(corpus_settings):
    IngestPipeline(corpus_settings).run(progress=False)
    store = VectorStore(corpus_settings)
    others_before = {c.id for d in ("alpha", "gamma") for c in store.chunks_of(d)}
    beta_path = corpus_settings.resolve(corpus_settings.corpus_dir) / "beta.txt"
    beta_path.write_text(beta_path.read_text(encoding="utf-8") + "\n3. Contact\n\nFamily time must be for the benefit of the child.\n",
                         encoding="utf-8")

    report = IngestPipeline(corpus_settings).run(progress=False)
    status = {r.document_id: r.status for r in report.results}
    assert status == {"alpha": "unchanged", "beta": "changed", "gamma": "unchanged"}
    # only the new section needed the model: beta's unchanged windows reused their vectors
    assert report.windows_embedded == 1
    assert {c.id for d in ("alpha", "gamma") for c in store.chunks_of(d)} == others_before
    hit = store.search("family time benefit of the child", k=1)[0]
    assert hit.chunk.document_id == "beta" and hit.chunk.section_path == ["3. Contact"]
    assert "Family time must be for the benefit" in load_document_text(corpus_settings, "beta")


def test_removed_document_leaves_the_index(corpus_settings):
    IngestPipeline(corpus_settings).run(progress=False)
    set_manifest(corpus_settings, ["alpha", "beta"])
    report = IngestPipeline(corpus_settings).run(progress=False)
    assert report.removed == 1 and report.documents == 2
    store = VectorStore(corpus_settings)
    assert {d["document_id"] for d in store.list_documents()} == {"alpha", "beta"}
    assert store.search("residential care family setting", k=5, document_ids=["gamma"]) == []
    assert "gamma" not in read_state(corpus_settings)["documents"]
    docstore = corpus_settings.resolve(corpus_settings.data_dir) / "docstore"
    assert not list(docstore.glob("gamma.*"))
    # the manifest no longer lists it either, so its text is gone for good
    (corpus_settings.resolve(corpus_settings.corpus_dir) / "gamma.txt").unlink()
    with pytest.raises(UnknownDocument):
        load_document_text(corpus_settings, "gamma")


def test_failed_build_leaves_the_previous_index_serving(corpus_settings, monkeypatch):
    IngestPipeline(corpus_settings).run(progress=False)
    store = VectorStore(corpus_settings)
    live, ids, state = store.live_collection(), point_ids(store), read_state(corpus_settings)
    path = corpus_settings.resolve(corpus_settings.corpus_dir) / "alpha.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("one year", "twelve months"), encoding="utf-8")

    def broken_upsert(self, name, points, batch=256):
        pts = [p.to_point() for p in points]
        self.client.upsert(name, pts[:1], wait=True)  # half-written, then the disk fills
        raise OSError("disk full")

    monkeypatch.setattr(VectorStore, "upsert", broken_upsert)
    with pytest.raises(IngestError, match="previous index still serving.*disk full"):
        IngestPipeline(corpus_settings).run(progress=False)
    assert store.live_collection() == live and point_ids(store) == ids
    assert store.build_collections() == [live]  # the half-built collection is gone
    assert read_state(corpus_settings) == state
    hit = store.search("foster carer lived one year", k=1)[0]
    assert "one year" in hit.chunk.text  # still the old text, consistently
    assert "one year" in load_document_text(corpus_settings, "alpha")


def test_bad_files_are_reported_one_line_each_and_the_rest_ingested(corpus_settings, tmp_path):
    IngestPipeline(corpus_settings).run(progress=False)
    bad = tmp_path / "incoming"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "latin1.txt").write_bytes("Children’s services".encode("cp1252"))
    (bad / "policy.docx").write_bytes(b"PK\x03\x04")
    corrupt_pdf(bad / "corrupt.pdf")
    encrypted_pdf(bad / "encrypted.pdf")
    image_only_pdf(bad / "scanned.pdf")
    with (bad / "huge.txt").open("wb") as fh:
        fh.write(b"Permanence text. " * (50 * 1024 * 1024 // 17 + 1))
    good = bad / "delta-policy.md"
    good.write_text("# Delta Policy\n\n## Contact\n\nLetterbox contact is reviewed every year.\n\nLast Updated: May 1, 2024\n\nv7\n",
                    encoding="utf-8")

    report = IngestPipeline(corpus_settings).run(paths=[bad], progress=False, authority="Delta Council")
    reasons = dict(line.split(": ", 1) for line in report.failed)
    assert set(reasons) == {"empty.txt", "latin1.txt", "policy.docx", "corrupt.pdf", "encrypted.pdf", "scanned.pdf", "huge.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "corrupt .docx" in reasons["policy.docx"]  # .docx is read now; this one is a bare zip header
    assert "corrupt" in reasons["corrupt.pdf"]
    assert "encrypted" in reasons["encrypted.pdf"]
    assert "no extractable text" in reasons["scanned.pdf"]
    assert "limit" in reasons["huge.txt"]
    assert not report.ok and report.ingested == 1

    docs = {d["document_id"]: d for d in VectorStore(corpus_settings).list_documents()}
    assert set(docs) == {"alpha", "beta", "gamma", "file-delta-policy"}  # kept + the good file
    delta = docs["file-delta-policy"]
    assert delta["authority"] == "Delta Council" and delta["title"] == "Delta Policy" and delta["version"] == "v7"
    hit = VectorStore(corpus_settings).search("letterbox contact", k=1, authority="Delta")[0]
    assert hit.chunk.section_path == ["Contact"] and hit.chunk.title == "Delta Policy"


def test_a_corpus_file_that_breaks_keeps_its_indexed_version(corpus_settings):
    IngestPipeline(corpus_settings).run(progress=False)
    (corpus_settings.resolve(corpus_settings.corpus_dir) / "gamma.txt").write_bytes(b"\xff\xfe broken \x00")
    report = IngestPipeline(corpus_settings).run(progress=False)
    assert len(report.failed) == 1 and report.failed[0].startswith("gamma.txt: ") and "UTF-8" in report.failed[0]
    assert "gamma" in {d["document_id"] for d in VectorStore(corpus_settings).list_documents()}
    assert "Residential care is used only" in load_document_text(corpus_settings, "gamma")


def test_unlisted_file_in_the_corpus_folder_is_refused(corpus_settings):
    (corpus_settings.resolve(corpus_settings.corpus_dir) / "stray.txt").write_text("Some policy.", encoding="utf-8")
    report = IngestPipeline(corpus_settings).run(progress=False)
    assert report.failed == ["stray.txt: in policies_corpus/ but has no entry in manifest.yaml"]
    assert report.documents == 3


def test_pdf_ingest_carries_page_numbers_into_the_index(corpus_settings, tmp_path):
    from assistant.settings import REPO_ROOT

    source = (REPO_ROOT / "policies_corpus" / "wiltshire-permanence-guidance.txt").read_text(encoding="utf-8")
    pdf = text_pdf(tmp_path / "wiltshire-copy.pdf", source, lines_per_page=25)
    report = IngestPipeline(corpus_settings).run(paths=[pdf], progress=False, authority="Wiltshire Council")
    assert report.ok
    store = VectorStore(corpus_settings)
    chunks = store.chunks_of("file-wiltshire-copy")
    pages = [c.page for c in chunks]
    assert pages[0] == 1 and max(pages) >= 3 and pages == sorted(pages)
    hit = store.search("special guardianship shared parental responsibility", k=1, document_ids=["file-wiltshire-copy"])[0]
    assert hit.chunk.page is not None and hit.chunk.section_path[-1] == "5.4 Special Guardianship Orders (SGOs)"
    assert load_document_text(corpus_settings, "file-wiltshire-copy")[hit.chunk.start:hit.chunk.end] == hit.chunk.text


# --- the CLI ----------------------------------------------------------------------------------------


@pytest.fixture
def cli(corpus_settings, monkeypatch):
    from assistant import settings as settings_mod
    from assistant.cli import app

    monkeypatch.setenv("PERMANENCE_CORPUS_DIR", str(corpus_settings.corpus_dir))
    monkeypatch.setenv("PERMANENCE_DATA_DIR", str(corpus_settings.data_dir))
    monkeypatch.delenv("PERMANENCE_QDRANT_URL", raising=False)
    settings_mod.get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    settings_mod.get_settings.cache_clear()


def test_cli_ingest_documents_search_and_exit_codes(cli, tmp_path):
    r = cli("ingest", "--quiet")
    assert r.exit_code == 0, r.output
    assert "Ingest summary" in r.output

    r = cli("documents", "--json")
    assert r.exit_code == 0
    docs = json.loads(r.output)
    assert {d["document_id"]: d["chunks"] for d in docs}.keys() == {"alpha", "beta", "gamma"}

    r = cli("search", "who can apply for special guardianship", "--authority", "alpha", "--k", "2", "--json")
    assert r.exit_code == 0, r.output
    hits = json.loads(r.output)
    assert hits[0]["chunk"]["document_id"] == "alpha" and "Any of the following can apply" in hits[0]["chunk"]["text"]
    assert hits[0]["chunk"]["section_path"] == ["1. Special Guardianship"]

    r = cli("search", "adoption", "--authority", "Narnia")
    assert r.exit_code == 2 and "Alpha Council" in r.output and "Narnia" in r.output

    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    r = cli("ingest", str(bad), "--quiet")
    assert r.exit_code == 1 and "empty.txt: file is empty" in r.output

    r = cli("ingest", str(tmp_path / "does-not-exist.txt"))
    assert r.exit_code == 2

    r = cli("search", "adoption", "--mode", "fuzzy")
    assert r.exit_code == 2


def test_nothing_loadable_builds_no_index(tmp_path, embedder):
    settings = make_corpus(tmp_path, {"alpha": ("Alpha Council", "x")})
    (settings.resolve(settings.corpus_dir) / "alpha.txt").write_bytes(b"")
    report = IngestPipeline(settings).run(progress=False)
    assert report.failed == ["alpha.txt: file is empty"] and not report.built
    assert VectorStore(settings).live_collection() is None and VectorStore(settings).list_documents() == []


def test_state_lost_after_the_switch_is_repaired_by_the_next_run(corpus_settings, monkeypatch):
    import ingest.pipeline as pipeline_mod

    IngestPipeline(corpus_settings).run(progress=False)
    path = corpus_settings.resolve(corpus_settings.corpus_dir) / "gamma.txt"
    path.write_text("Gamma Permanence Policy\n\nIntro\n\nA new first paragraph moves every offset.\n\n"
                    + path.read_text(encoding="utf-8"), encoding="utf-8")
    real_write_state = pipeline_mod.write_state

    def dies(settings, state):  # the process "dies" right after the alias moved
        raise OSError("killed")

    monkeypatch.setattr(pipeline_mod, "write_state", dies)
    with pytest.raises(IngestError, match="new index is serving"):
        IngestPipeline(corpus_settings).run(progress=False)
    store = VectorStore(corpus_settings)
    live = store.live_collection()
    assert read_state(corpus_settings)["collection"] != live  # the state lags behind the alias

    monkeypatch.setattr(pipeline_mod, "write_state", real_write_state)
    report = IngestPipeline(corpus_settings).run(progress=False)
    assert report.ok and not report.built and report.unchanged == 3  # adopted, nothing re-embedded
    assert read_state(corpus_settings)["collection"] == live
    text = load_document_text(corpus_settings, "gamma")
    assert all(text[c.start:c.end] == c.text for c in store.chunks_of("gamma"))
