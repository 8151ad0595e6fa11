"""Re-ingest while the API is answering: no request fails, no answer mixes two versions.

A real uvicorn on loopback serves a small real index (Wiltshire + Bolton). Client
threads keep asking Wiltshire questions over HTTP while the main thread re-ingests a
changed copy of the Wiltshire policy (a paragraph inserted at the top, so every offset
moves, and one phrase reworded), then the original, then the change again.

Each answer is deterministic for one index generation, so the oracle is simple: before
the churn we record, per question, the answer the service gives with version 1 and with
version 2 (quiet, one request at a time) and check that every citation of each reference
is ``text_v[start:end]`` of that version's normalised text. During the churn, every
response must be 200 and equal to the version-1 or the version-2 reference as a whole.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from assistant.server.app import create_app
from ingest.documents import load_document_text
from ingest.pipeline import IngestPipeline
from tests.integration.hardening_support import corpus_file, small_index, uvicorn_thread

pytestmark = pytest.mark.integration

DOC = "wiltshire"
QUESTIONS = [
    "What are the objectives of permanence planning?",
    "What does legal permanence mean?",
    "What are the core principles of permanence planning?",
    "What permanence options are there?",
]
INSERTED = (
    "Revision note: this paragraph was added in the second version of the guidance so that "
    "every later passage of the document moves to a new position.\n"
)


def _v2(original: str) -> str:
    first, _, rest = original.partition("\n")
    changed = rest.replace("four key objectives", "four principal objectives")
    assert changed != rest, "the reworded phrase is no longer in the Wiltshire policy"
    return f"{first}\n{INSERTED}{changed}"


def _key(body: dict) -> tuple:
    cites = tuple((c["document_id"], c["start"], c["end"], c["quote"]) for c in body["citations"])
    return (body["refused"], body["answer"], cites)


def _ask(client: httpx.Client, question: str) -> httpx.Response:
    return client.post("/ask", json={"question": question, "authority": "wiltshire"})


@pytest.mark.timeout(300)
def test_reingest_while_answering(tmp_path):
    settings = small_index(tmp_path, ["wiltshire", "bolton"])  # version 1 ingested
    path = corpus_file(settings, DOC)
    v1_raw = path.read_text(encoding="utf-8")
    v2_raw = _v2(v1_raw)

    def ingest(raw: str) -> None:
        path.write_text(raw, encoding="utf-8")
        report = IngestPipeline(settings).run(progress=False)
        assert report.ok, report.failed
        assert report.built

    text1 = load_document_text(settings, DOC)
    app = create_app(settings)
    with uvicorn_thread(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        refs: dict[str, dict[str, tuple]] = {"v1": {}, "v2": {}}
        for q in QUESTIONS:
            r = _ask(client, q)
            assert r.status_code == 200, r.text
            refs["v1"][q] = _key(r.json())
        ingest(v2_raw)
        text2 = load_document_text(settings, DOC)
        assert text2 != text1 and INSERTED.strip() in text2
        for q in QUESTIONS:
            r = _ask(client, q)
            assert r.status_code == 200, r.text
            refs["v2"][q] = _key(r.json())

        # the references themselves quote their own version verbatim
        answered = 0
        for version, text in (("v1", text1), ("v2", text2)):
            for q, (refused, _answer, cites) in refs[version].items():
                answered += not refused
                for doc_id, start, end, quote in cites:
                    if doc_id == DOC:
                        assert text[start:end] == quote, f"{version} reference for {q!r} misquotes [{start}:{end}]"
        assert answered >= len(QUESTIONS), "too few questions answered to test anything"
        assert any(refs["v1"][q] != refs["v2"][q] for q in QUESTIONS), "the two versions give the same answers"

        # the churn: clients ask while the index flips between the versions
        stop = threading.Event()
        results: list[tuple[str, int, tuple | str]] = []
        lock = threading.Lock()

        def worker(i: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as c:
                n = i
                while not stop.is_set():
                    q = QUESTIONS[n % len(QUESTIONS)]
                    n += 1
                    try:
                        r = _ask(c, q)
                        item = (q, r.status_code, _key(r.json()) if r.status_code == 200 else r.text)
                    except Exception as exc:  # a dropped connection is a failure too
                        item = (q, -1, repr(exc))
                    with lock:
                        results.append(item)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(4)]
        for t in threads:
            t.start()
        try:
            for raw in (v1_raw, v2_raw, v1_raw, v2_raw):
                time.sleep(0.3)
                ingest(raw)
            time.sleep(0.3)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)

    failures = [(q, s, body) for q, s, body in results if s != 200]
    assert not failures, f"{len(failures)} of {len(results)} requests failed during re-ingest: {failures[:3]}"
    mixed = [q for q, _, key in results if key not in (refs["v1"][q], refs["v2"][q])]
    assert not mixed, f"{len(mixed)} of {len(results)} answers match neither version, e.g. {mixed[:3]}"
    seen = {("v1" if key == refs["v1"][q] else "v2") for q, _, key in results if refs["v1"][q] != refs["v2"][q]}
    assert len(results) >= 20 and seen == {"v1", "v2"}, (len(results), seen)
