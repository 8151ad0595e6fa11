"""The dense embedder: a sentence-transformers model loaded by path, on CPU, once per process.

``get_embedder(settings)`` returns the shared instance for the configured model. A model of
the plain BERT + mean-pooling shape (all-MiniLM-L6-v2) runs through ``bert_encoder`` (torch
only, same vectors, seconds faster to start); any other goes through sentence-transformers.
The
tokenizer is available without loading the model (``count_tokens`` reads the model's
``tokenizer.json`` with the fast ``tokenizers`` library), so chunking and a no-change
re-ingest never pay for importing torch.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.settings import Settings

_LOCK = threading.Lock()
_EMBEDDERS: dict[tuple[str, int], "Embedder"] = {}


class Embedder:
    """Dense vectors for passages and queries (normalised: cosine == dot product)."""

    def __init__(self, model: str, batch_size: int = 32, max_tokens: int = 256, int8: bool = False):
        self.model_name = model
        self.int8 = int8
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._model = None
        self._model_lock = threading.Lock()

    # -- tokenizer (cheap) ----------------------------------------------------
    @cached_property
    def _tokenizer(self):
        path = Path(self.model_name) / "tokenizer.json"
        if path.exists():
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(path))
            tok.no_truncation()
            tok.no_padding()
            return tok
        return None  # a hub name: use the model's own tokenizer once loaded

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` as the model sees them, without [CLS]/[SEP]."""
        tok = self._tokenizer
        if tok is not None:
            return len(tok.encode(text, add_special_tokens=False).ids)
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        tok = self._tokenizer
        if tok is not None:
            return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)]
        return [self.count_tokens(t) for t in texts]

    @property
    def window(self) -> int:
        """Word pieces of text the model reads per input ([CLS]/[SEP] excluded)."""
        return self.max_tokens - 2

    # -- model (expensive, lazy) ------------------------------------------------
    @property
    def model(self):
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self):
        # the plain BERT + mean pooling shape of all-MiniLM-L6-v2 runs without importing
        # sentence-transformers/transformers (most of a cold start); others go through them
        from assistant.components.embedding.bert_encoder import BertMeanPoolingEncoder

        fast = BertMeanPoolingEncoder.try_load(self.model_name, self.max_tokens, self.batch_size, self.int8)
        if fast is not None:
            return fast
        if self.int8:
            raise ValueError(f"embedding_int8 needs a plain BERT + mean pooling model; {self.model_name} is not one")
        return self._load_sentence_transformer()

    def _load_sentence_transformer(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        model = SentenceTransformer(self.model_name, device="cpu", local_files_only=True)
        model.max_seq_length = min(self.max_tokens, model.max_seq_length or self.max_tokens)
        return model

    @property
    def dimension(self) -> int:
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(dim())

    @property
    def backend(self) -> str:
        """"bert-encoder" (the torch-only path) or "sentence-transformers"."""
        from assistant.components.embedding.bert_encoder import BertMeanPoolingEncoder

        return "bert-encoder" if isinstance(self.model, BertMeanPoolingEncoder) else "sentence-transformers"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for passages, in input order."""
        if not texts:
            return []
        vecs = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Vector for one query (all-MiniLM-L6-v2 has no query prefix)."""
        return self.embed_documents([text])[0]


def get_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for ``settings.embedding_model`` (one load per process)."""
    key = (settings.embedding_model, settings.embedding_max_tokens, settings.embedding_int8)
    with _LOCK:
        emb = _EMBEDDERS.get(key)
        if emb is None:
            emb = Embedder(settings.embedding_model, settings.embedding_batch_size, settings.embedding_max_tokens,
                           settings.embedding_int8)
            _EMBEDDERS[key] = emb
        return emb


def set_torch_threads(n: int | None) -> int | None:
    """Set torch's intra-op threads for this process (None/0: leave as is); returns the count
    in use, or None without torch. The count is process-wide: it holds in request threads too.

    A question is one short sequence: a second thread does not make it faster, and on a busy
    2-core machine threads spinning per query made embedding 10-20x slower (eval/README.md).
    """
    try:
        import torch
    except ImportError:
        return None
    if n:
        torch.set_num_threads(n)
    return torch.get_num_threads()
