"""The two baselines every report compares the assistant with, built in memory per run.

(b) ``LlamaIndexBaseline``: a plain llama-index ``VectorStoreIndex`` over the same corpus
    texts, DEFAULT chunking (``SentenceSplitter()``: 1,024 tokens, 200 overlap) and the SAME
    embedder (a thin ``BaseEmbedding`` around ours, so the model is loaded once per process).
    No filters, no query expansion, no re-ranking: what one gets out of the box.
(c) ``BM25Baseline``: rank-bm25 ``BM25Okapi`` alone over OUR chunks (the indexed ones), so
    the difference to the assistant is the retrieval method, not the chunking.

Both return ``Hit``s with offsets into the normalised document text, so they are scored
with the same hit rules as the assistant.
"""

from __future__ import annotations

import re
import time
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.evaluation.metrics import Hit

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Short function words only: BM25's idf already discounts the rest.
_STOP = frozenset(
    "a an and are as at be by can do does for from has have how i in is it its of on or our "
    "s should the their there this to was we what when where which who whom why will with "
    "you your".split()
)


def bm25_tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower().replace("\u2019", "'")) if t not in _STOP]


class OurEmbedding(BaseEmbedding):
    """llama-index embedding interface over the project's embedder (same model, same settings)."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Any, **kwargs: Any):
        super().__init__(model_name="project-embedder", embed_batch_size=32, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return list(self._embedder.embed_query(query))

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return list(self._embedder.embed_documents([text])[0])

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [list(v) for v in self._embedder.embed_documents(list(texts))]


def project_embedder(settings):
    """The project's embedder (one load per process)."""
    from assistant.components.embedding.embedding_component import get_embedder

    return get_embedder(settings)


class LlamaIndexBaseline:
    """(b) plain ``VectorStoreIndex`` with default chunking, in memory."""

    name = "llamaindex"

    def __init__(self, settings, texts: dict[str, str], embedder=None):
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        t0 = time.perf_counter()
        self.embed_model = OurEmbedding(embedder or project_embedder(settings))
        docs = [
            Document(
                text=text,
                id_=doc_id,
                metadata={"document_id": doc_id},
                # keep the embedded text the plain chunk text (no metadata header)
                excluded_embed_metadata_keys=["document_id"],
                excluded_llm_metadata_keys=["document_id"],
            )
            for doc_id, text in texts.items()
        ]
        self.splitter = SentenceSplitter()  # library defaults: chunk_size=1024, chunk_overlap=200
        self.index = VectorStoreIndex.from_documents(
            docs, embed_model=self.embed_model, transformations=[self.splitter], show_progress=False
        )
        self.n_chunks = len(self.index.docstore.docs)
        self.build_s = time.perf_counter() - t0

    def search(self, query: str, k: int = 10) -> list[Hit]:
        retriever = self.index.as_retriever(similarity_top_k=k)
        out: list[Hit] = []
        for nws in retriever.retrieve(query):
            node = nws.node
            out.append(
                Hit(
                    document_id=node.metadata.get("document_id", node.ref_doc_id or ""),
                    text=node.get_content(),
                    start=getattr(node, "start_char_idx", None),
                    end=getattr(node, "end_char_idx", None),
                    score=float(nws.score or 0.0),
                )
            )
        return out


class BM25Baseline:
    """(c) BM25 alone over the assistant's own chunks."""

    name = "bm25"

    def __init__(self, chunks: list[Any]):
        from rank_bm25 import BM25Okapi

        t0 = time.perf_counter()
        if not chunks:
            raise ValueError("BM25 baseline: no chunks (is the index built? run `permanence ingest`)")
        self.chunks = chunks
        self.bm25 = BM25Okapi([bm25_tokens(c.text) for c in chunks])
        self.n_chunks = len(chunks)
        self.build_s = time.perf_counter() - t0

    @classmethod
    def from_store(cls, store) -> "BM25Baseline":
        chunks: list[Any] = []
        for doc in store.list_documents():
            doc_id = doc.get("document_id") or doc.get("id") if isinstance(doc, dict) else getattr(doc, "document_id", None) or getattr(doc, "id")
            chunks.extend(store.chunks_of(doc_id))
        return cls(chunks)

    def search(self, query: str, k: int = 10) -> list[Hit]:
        scores = self.bm25.get_scores(bm25_tokens(query))
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
        return [
            Hit(
                document_id=self.chunks[i].document_id,
                text=self.chunks[i].text,
                start=self.chunks[i].start,
                end=self.chunks[i].end,
                score=float(scores[i]),
            )
            for i in order
        ]
