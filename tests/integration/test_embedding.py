"""The embedder: the torch-only BERT path gives sentence-transformers' vectors, and counts
word pieces the way the model reads them."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.components.embedding.embedding_component import Embedder, get_embedder
from assistant.settings import Settings

pytestmark = pytest.mark.integration

TEXTS = [
    "Any of the following can apply for special guardianship:\n• Any guardian of the child.",
    "SGO",
    "Adoption transfers parental responsibility permanently and solely to the adopters. " * 20,  # > 256 word pieces
    "Children’s “voices” – are central; the child’s wishes é ü.",
]


def test_fast_path_matches_sentence_transformers(embedder):
    assert embedder.backend == "bert-encoder"
    fast = np.array(embedder.embed_documents(TEXTS))
    reference = embedder._load_sentence_transformer().encode(TEXTS, normalize_embeddings=True, batch_size=8)
    assert fast.shape == (4, 384)
    assert np.abs(fast - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


def test_query_vector_equals_document_vector_and_similarity_is_meaningful(embedder):
    q = np.array(embedder.embed_query("who may apply for special guardianship"))
    docs = np.array(embedder.embed_documents([TEXTS[0], "Siblings should be placed together."]))
    assert docs[0] @ q > docs[1] @ q + 0.2
    assert np.allclose(embedder.embed_query(TEXTS[1]), embedder.embed_documents([TEXTS[1]])[0], atol=1e-6)


def test_one_embedder_per_process_and_token_counts(embedder):
    assert get_embedder(Settings()) is embedder
    assert embedder.count_tokens("Any of the following can apply") == 6
    assert embedder.count_tokens_batch(["a b", TEXTS[2]]) == [2, embedder.count_tokens(TEXTS[2])]
    assert embedder.window == 254


def test_other_model_shapes_fall_back_to_sentence_transformers(tmp_path):
    from assistant.components.embedding.bert_encoder import BertMeanPoolingEncoder

    assert BertMeanPoolingEncoder.try_load(str(tmp_path), 256, 8) is None  # no model files at all
    model_dir = Settings().embedding_model
    import shutil, json

    copy = tmp_path / "cls-model"
    shutil.copytree(model_dir, copy)
    cfg = json.loads((copy / "1_Pooling" / "config.json").read_text())
    cfg.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (copy / "1_Pooling" / "config.json").write_text(json.dumps(cfg))
    assert BertMeanPoolingEncoder.try_load(str(copy), 256, 8) is None
    assert Embedder(str(copy)).backend == "sentence-transformers"
