"""Sparse lexical vectors, BM25-style, for the keyword half of hybrid search.

Passages get BM25 term-frequency weights ``tf·(k1+1) / (tf + k1·(1-b+b·len/avglen))``;
the inverse document frequency is applied by Qdrant at query time (the sparse vector is
configured with ``Modifier.IDF``), so vectors of unchanged documents stay valid when
other documents come and go. Queries weigh each distinct term 1.

Terms: lower-cased word tokens, stop words dropped, a light suffix stemmer (plural,
possessive, -ing/-ed/-ly), and a few domain abbreviations expanded ("SGO" -> special
guardianship order) so a practitioner's shorthand meets the policy's full wording.
Indices are a stable 31-bit hash of the term: the same term gets the same index in
every process and on every machine.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also may must shall within whilst upon us via per""".split()
)

# Practitioners' shorthand -> the words the policies use.
ABBREVIATIONS: dict[str, str] = {
    "sgo": "special guardianship order",
    "sgos": "special guardianship orders",
    "cao": "child arrangements order",
    "caos": "child arrangements orders",
    "lac": "looked after children",
    "cla": "children looked after",
    "iro": "independent reviewing officer",
    "ppm": "permanence planning meeting",
    "fgc": "family group conference",
    "adm": "agency decision maker",
    "pr": "parental responsibility",
    "f2a": "fostering for adoption",
    "ffa": "fostering for adoption",
    "ltfc": "long term foster care",
}


_ABBREV_RE = re.compile(r"\b(" + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def expand_abbreviations(text: str) -> str:
    """"how long does an SGO last" -> "how long does an SGO (special guardianship order) last".

    For the dense half of a query: the embedding model does not know practitioners'
    acronyms, while the policies mostly spell the orders out."""
    def repl(m: re.Match) -> str:
        word = m.group(1)
        full = ABBREVIATIONS[word.lower()]
        if word.islower() and len(word) <= 3 and word not in ("sgo", "cao", "lac", "cla", "iro", "ppm", "fgc", "adm"):
            return word  # "pr" in running text is too ambiguous to expand
        return f"{word} ({full})"

    return _ABBREV_RE.sub(repl, text)


def stem(word: str) -> str:
    """A deliberately light stemmer: enough to meet 'orders'/'order', 'placed'/'placing'."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ness", ""), ("ments", "ment"), ("ings", ""), ("ing", ""),
                         ("edly", ""), ("ed", ""), ("ly", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            stemmed = word[: len(word) - len(suffix)] + repl
            # "placing" -> "plac" and "placed" -> "plac": also fold a final 'e'
            return stemmed[:-1] if stemmed.endswith("e") and len(stemmed) > 4 else stemmed
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def tokenize(text: str, expand_abbreviations: bool = True) -> list[str]:
    """Stemmed, stop-word-free terms of ``text``."""
    words = _TOKEN.findall(text.lower().replace("’", "'").replace("‘", "'"))
    out: list[str] = []
    for w in words:
        if expand_abbreviations and w in ABBREVIATIONS:
            out.extend(stem(x) for x in ABBREVIATIONS[w].split())
            continue
        if w in STOPWORDS or len(w) < 2:
            continue
        out.append(stem(w))
    return out


def term_index(term: str) -> int:
    """Stable index of a term in the sparse vector space."""
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


@dataclass(frozen=True)
class SparseVec:
    indices: list[int]
    values: list[float]


class SparseEncoder:
    """BM25 term weights for passages; unit weights for queries (IDF comes from Qdrant)."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, avg_len: float = 60.0):
        self.k1 = k1
        self.b = b
        self.avg_len = avg_len

    def encode_document(self, text: str) -> SparseVec:
        terms = tokenize(text)
        if not terms:
            return SparseVec([], [])
        counts = Counter(terms)
        norm = self.k1 * (1 - self.b + self.b * len(terms) / self.avg_len)
        weights: dict[int, float] = {}
        for term, tf in counts.items():
            idx = term_index(term)
            # a crc32 collision between two terms of one passage just sums their weights
            weights[idx] = weights.get(idx, 0.0) + tf * (self.k1 + 1) / (tf + norm)
        idxs = sorted(weights)
        return SparseVec(idxs, [round(weights[i], 5) for i in idxs])

    def encode_query(self, text: str) -> SparseVec:
        idxs = sorted({term_index(t) for t in tokenize(text)})
        return SparseVec(idxs, [1.0] * len(idxs))


def get_sparse_encoder(settings=None) -> SparseEncoder:
    """The encoder with the settings' BM25 parameters (defaults when none given)."""
    if settings is None:
        return SparseEncoder()
    return SparseEncoder(
        k1=getattr(settings, "sparse_k1", 1.2),
        b=getattr(settings, "sparse_b", 0.75),
        avg_len=getattr(settings, "sparse_avg_len", 60.0),
    )
