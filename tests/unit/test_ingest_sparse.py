"""The sparse (BM25-style) encoder: tokens, stems, stable indices, weights, abbreviations."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.components.sparse.sparse_component import (
    SparseEncoder,
    expand_abbreviations,
    stem,
    term_index,
    tokenize,
)

pytestmark = pytest.mark.unit


def test_tokenize_lowercases_drops_stopwords_and_stems():
    assert tokenize("The Special Guardianship Orders are placed") == ["special", "guardianship", "order", "plac"]
    assert stem("placing") == stem("placed") == stem("place") == "plac"
    assert stem("child's") == "child" and stem("siblings") == stem("sibling") and stem("process") == "process"


def test_abbreviations_meet_the_policies_wording():
    assert tokenize("SGO") == tokenize("special guardianship order")
    assert "(special guardianship order)" in expand_abbreviations("how long does an SGO last")
    assert expand_abbreviations("the pr of it") == "the pr of it"


def test_term_indices_are_stable_across_processes():
    here = term_index("guardianship")
    other = subprocess.run([sys.executable, "-c",
                            "from assistant.components.sparse.sparse_component import term_index;"
                            "print(term_index('guardianship'))"], capture_output=True, text=True, check=True)
    assert int(other.stdout) == here and 0 <= here < 2**31


def test_bm25_weights_saturate_with_term_frequency_and_shrink_with_length():
    enc = SparseEncoder(k1=1.2, b=0.75, avg_len=10)
    once = dict(zip(*[enc.encode_document("adoption order review").__dict__[k] for k in ("indices", "values")]))
    many = dict(zip(*[enc.encode_document("adoption adoption adoption order review").__dict__[k] for k in ("indices", "values")]))
    a = term_index("adoption")
    assert many[a] > once[a] and many[a] < 3 * once[a]
    long = enc.encode_document("adoption " + "filler words " * 30)
    assert dict(zip(long.indices, long.values))[a] < once[a]


def test_query_vectors_weigh_each_term_once():
    q = SparseEncoder().encode_query("adoption adoption order")
    assert q.values == [1.0, 1.0] and q.indices == sorted(q.indices)
    assert SparseEncoder().encode_query("the and of").indices == []
