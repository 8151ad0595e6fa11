"""The generative engine against an OpenAI-compatible server on loopback (canned completions).

Under test: our client (llama-index OpenAILike), prompt assembly (what the server
received), the citation post-check, streaming, and the fallback to the extractive engine
on HTTP 500, a hang past the timeout, and garbage. No index is needed: the retrieval is
built from the normalised document text of Wigan 2026-2028.
"""

from __future__ import annotations

import pytest

from assistant.answering.document_texts import DocumentTexts
from assistant.answering.extractive import EngineAnswer, ExtractiveEngine
from assistant.answering.generative import GenerativeEngine
from assistant.corpus import load_corpus
from assistant.models import Chunk, RetrievedChunk
from assistant.retrieval.glossary import load_glossary
from assistant.retrieval.hybrid_retriever import Retrieval, build_query_terms
from assistant.retrieval.lexical import TermWeights
from assistant.retrieval.query_analysis import analyse
from assistant.settings import Settings
from tests.fake_llm_server import FakeLLM

pytestmark = pytest.mark.integration

DOC = "wigan-2026-2028"


@pytest.fixture(scope="module")
def fake():
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def parts(fake, tmp_path_factory):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("gen-data"),
        llm_base_url=fake.base_url,
        llm_model="fake-model",
        llm_timeout_s=1.0,
        engine="generative",
    )
    corpus = load_corpus(settings.manifest_path)
    texts = DocumentTexts(settings)
    text, units = texts.get(DOC)
    weights = TermWeights(text[u.start : u.end] for u in units)
    extractive = ExtractiveEngine(settings, corpus, texts, weights)
    return settings, corpus, texts, extractive


def _retrieval(settings, corpus, texts, question: str, anchors: list[str]) -> Retrieval:
    """Hits whose chunks are the paragraphs (or lists) containing each anchor text."""
    text, units = texts.get(DOC)
    doc = corpus.by_id(DOC)
    hits = []
    for i, anchor in enumerate(anchors):
        pos = text.index(anchor)
        unit = next(u for u in units if u.start <= pos < u.end)
        chunk = Chunk(
            id=f"{DOC}:{i}", document_id=DOC, authority=doc.authority, title=doc.title, version=doc.version,
            status=doc.status, section_path=["Options for Permanence"], start=unit.start, end=unit.end,
            text=text[unit.start : unit.end], embed_text=text[unit.start : unit.end],
        )
        hits.append(RetrievedChunk(chunk=chunk, score=1.0 - i * 0.1, dense_score=0.7))
    glossary = load_glossary(settings.glossary_path)
    terms, _ = build_query_terms(question, glossary, TermWeights(text[u.start : u.end] for u in units))
    return Retrieval(question, analyse(corpus, question), glossary.expand(question), terms, hits)


SGO_LIST = "Any of the following can apply for special guardianship:"
PARENTS = "The parents of the child may not become the child's special guardians."


def _engine(parts, llm=None):
    settings, corpus, texts, extractive = parts
    return GenerativeEngine(settings, extractive, llm=llm)


def test_prompt_assembly_and_checked_citations(fake, parts):
    settings, corpus, texts, _ = parts
    retrieval = _retrieval(settings, corpus, texts, "who can apply for an SGO?", [SGO_LIST, PARENTS])
    engine = _engine(parts)
    sources = engine.sources(retrieval)
    n_list = next(s.n for s in sources if SGO_LIST in s.candidate.text)
    n_par = next(s.n for s in sources if PARENTS in s.candidate.text)
    fake.mode = "ok"
    fake.content = (
        f"In Wigan, any guardian of the child can apply [{n_list}]. "
        f"The parents may not become special guardians [{n_par}]. "
        "Grandparents always qualify automatically. "
        "Aunts qualify too [99]."
    )
    fake.received.clear()
    ans = engine.answer(retrieval)

    # what the server received: system prompt from prompts/, sources numbered, question last
    body = fake.received[-1]
    assert body["model"] == "fake-model"
    system, user = body["messages"][0], body["messages"][1]
    assert system["role"] == "system" and "DATA" in system["content"] and "[1]" in system["content"]
    assert user["role"] == "user"
    assert f"[{n_list}] Wigan Council - Permanence Planning Strategy 2026-2028" in user["content"]
    assert "Any guardian of the child." in user["content"]  # the whole list is one source
    assert user["content"].rstrip().endswith("[1].") or "QUESTION: who can apply for an SGO?" in user["content"]

    # the post-check: uncited and unknown-marker sentences dropped and flagged
    assert not ans.refused
    assert "Grandparents" not in ans.answer and "Aunts" not in ans.answer
    assert set(ans.dropped_sentences) == {"Grandparents always qualify automatically.", "Aunts qualify too."}
    assert ans.notices and "removed" in ans.notices[0]
    assert sorted(c.n for c in ans.citations) == sorted({n_list, n_par})
    doc_text = texts.text(DOC)
    for c in ans.citations:
        assert doc_text[c.start : c.end] == c.quote


def test_not_covered_reply_is_a_refusal(fake, parts):
    settings, corpus, texts, _ = parts
    retrieval = _retrieval(settings, corpus, texts, "who can apply for an SGO?", [SGO_LIST])
    fake.mode, fake.content = "ok", "NOT COVERED"
    ans = _engine(parts).answer(retrieval)
    assert ans.refused and ans.refusal_reason == "model_not_covered"


@pytest.mark.parametrize(
    "mode, content, reason",
    [
        ("error500", "", "InternalServerError"),
        ("hang", "", "Timeout"),
        ("garbage", "", "failed"),
        ("ok", "I think anyone can apply. Nobody needs leave.", "no sentence of the completion cited a source"),
        ("ok", "   ", "empty completion"),
    ],
)
def test_failures_fall_back_to_the_extractive_engine(fake, parts, mode, content, reason):
    settings, corpus, texts, extractive = parts
    retrieval = _retrieval(settings, corpus, texts, "who can apply for an SGO?", [SGO_LIST])
    fake.mode, fake.content = mode, content
    ans = _engine(parts).answer(retrieval)
    expected = extractive.answer(retrieval)
    assert not ans.refused
    assert ans.answer == expected.answer  # the quotes-only answer, whole list included
    assert "Any guardian of the child." in ans.answer
    assert ans.notices[0].startswith("The generative engine was not used")
    assert reason in ans.notices[0]


def test_unconfigured_endpoint_falls_back_with_notice(parts, tmp_path):
    settings, corpus, texts, extractive = parts
    plain = Settings(data_dir=tmp_path, llm_base_url=None)
    engine = GenerativeEngine(plain, extractive)
    retrieval = _retrieval(settings, corpus, texts, "who can apply for an SGO?", [SGO_LIST])
    ans = engine.answer(retrieval)
    assert "no model endpoint is configured" in ans.notices[0]
    assert "Any guardian of the child." in ans.answer


def test_streaming_sends_only_checked_sentences(fake, parts):
    settings, corpus, texts, _ = parts
    retrieval = _retrieval(settings, corpus, texts, "who can apply for an SGO?", [SGO_LIST, PARENTS])
    engine = _engine(parts)
    sources = engine.sources(retrieval)
    n = sources[0].n
    fake.mode = "ok"
    fake.content = f"Any guardian of the child can apply [{n}]. Unsupported claim here. A second cited point [{n}]."
    items = list(engine.stream(retrieval))
    deltas = [i for i in items if isinstance(i, str)]
    final = items[-1]
    assert isinstance(final, EngineAnswer)
    assert fake.received[-1].get("stream") is True
    assert "".join(deltas) == final.answer
    assert "Unsupported" not in "".join(deltas)
    assert final.dropped_sentences == ["Unsupported claim here."]


def test_streaming_failure_falls_back(fake, parts):
    settings, corpus, texts, extractive = parts
    retrieval = _retrieval(settings, corpus, texts, "who can apply for an SGO?", [SGO_LIST])
    fake.mode = "error500"
    items = list(_engine(parts).stream(retrieval))
    assert len(items) == 1 and isinstance(items[0], EngineAnswer)
    assert items[0].answer == extractive.answer(retrieval).answer
    assert "not used" in items[0].notices[0]
