"""Word-level helpers shared by retrieval and answering: tokens, a light stemmer, stopwords.

Lexical overlap is how the extractive engine picks sentences and how retrieval
re-ranks fused hits, so both must see words the same way. The stemmer is deliberately
crude (plural and a few verb endings): policy wording varies "applies/apply/applying"
and "orders/order", and nothing smarter is needed to match those.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

# Function words and question scaffolding; they carry no evidence of an answer.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each either else etc ever every few for from further get gets got had hadn't has hasn't
    have haven't having he her here hers herself him himself his how i if in into is isn't it it's its
    itself just let like may me might more most much must mustn't my myself need needs no nor not now of
    off on once only or other ought our ours ourselves out over own per please same shall she should
    shouldn't so some such tell than that that's the their theirs them themselves then there there's these
    they this those through to too under until up upon us very via want was wasn't we were weren't what
    what's when where which while who whom whose why will with within without won't would wouldn't yes yet
    you your yours yourself
    s t re ve ll d
    i'm i'd i've hi hello thanks thank
    whats what's when's who's who'll where's how's arent aren't isnt dont doesnt cant wont we're they're lets let's
    say says said saying call called mention mentions mentioned actually anything something everything really
    vs versus v eg ie etc ok okay yeah yep got get gets getting go goes going gone went come comes came back
    want wants wanted know knows think wondering tell quick quickly quite still ever even already different differ
    """.split()
)

# Words that appear in nearly every passage of this corpus: they say a question is in
# the domain but do not tell one passage from another.
DOMAIN_COMMON = frozenset(
    "child children young people person permanence permanency policy council local authority plan planning".split()
)


def _undouble(w: str) -> str:
    """"beginn" -> "begin", "plann" -> "plan" (but "staff", "fall" stay)."""
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouslfz":
        return w[:-1]
    return w


def stem(word: str) -> str:
    """Very light suffix stripping so that simple inflections meet."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 6 and w.endswith("ency"):
        w = w[:-4] + "ence"  # permanency planning == permanence planning
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        return _undouble(w[:-3])
    if len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        if w[-3] in "cvzgu" or (w[-3] == "s" and w[-4] not in "s"):
            return w[:-1]  # placed -> place, approved -> approve, used -> use
        return _undouble(w[:-2])
    if len(w) > 3 and w.endswith("es") and w[-3] in "sxz":
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss") and not w.endswith("us"):
        return w[:-1]
    return w


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (hyphenated words kept whole and also split)."""
    out: list[str] = []
    for m in _WORD.finditer(text.lower().replace("\u2019", "'")):
        tok = m.group(0)
        out.append(tok)
        if "-" in tok:
            out.extend(p for p in tok.split("-") if p)
    return out


def content_terms(text: str) -> list[str]:
    """Stemmed tokens without stopwords, in order (duplicates kept)."""
    return list(_content_terms(text))


@functools.lru_cache(maxsize=16384)
def _content_terms(text: str) -> tuple[str, ...]:
    # The same passages are tokenised again for every question (re-ranking, coverage,
    # sentence choice): a fifth of an answer's CPU before this cache.
    return tuple(stem(t) for t in tokens(text) if t not in STOPWORDS and len(t) > 1 or t.isdigit())


class TermWeights:
    """Inverse document frequencies over a set of passages (rarer words weigh more)."""

    def __init__(self, passages: Iterable[str]):
        df: Counter[str] = Counter()
        n = 0
        for p in passages:
            n += 1
            df.update(set(content_terms(p)))
        self._n = max(n, 1)
        self._df = df

    def idf(self, term: str) -> float:
        # Unknown words weigh like the rarest known ones: they are informative, but
        # their absence from the corpus is itself a hint of an out-of-corpus question.
        return math.log(1 + self._n / (1 + self._df.get(term, 0)))

    def known(self, term: str) -> bool:
        return term in self._df

    @property
    def vocabulary(self) -> list[str]:
        return list(self._df)


def overlap(query_terms: Iterable[str], passage: str, weights: TermWeights | None = None) -> float:
    """Share of the (weighted) query terms that the passage contains, in [0, 1]."""
    q = set(query_terms)
    if not q:
        return 0.0
    p = set(content_terms(passage))
    w = (lambda t: weights.idf(t)) if weights else (lambda t: 1.0)
    total = sum(w(t) for t in q)
    hit = sum(w(t) for t in q if t in p)
    return hit / total if total else 0.0


class Concept:
    """One thing the question asks about, satisfied by any of its alternative wordings.

    "SGO" is one concept whose alternatives are ("sgo",), ("special", "guardianship",
    "order") ...; a plain word is a concept with one alternative. Counting concepts, not
    words, stops a glossary expansion from drowning the rest of the question.
    """

    __slots__ = ("alternatives", "weight", "label", "subject")

    def __init__(self, alternatives: list[tuple[str, ...]], weight: float, label: str, subject: bool = False):
        self.alternatives = [a for a in alternatives if a]
        self.weight = weight
        self.label = label
        self.subject = subject  # what the question is about (an order, a meeting ...)

    def satisfied(self, passage_terms: set[str]) -> float:
        """Best share of one alternative's terms present in the passage, in [0, 1]."""
        best = 0.0
        for alt in self.alternatives:
            hit = sum(1 for t in alt if t in passage_terms) / len(alt)
            if hit > best:
                best = hit
                if best == 1.0:
                    break
        return best

    def __repr__(self) -> str:
        return f"Concept({self.label!r}, w={self.weight:.2f})"


class QueryTerms:
    """The concepts of a question, for weighted coverage of passages."""

    def __init__(self, concepts: list[Concept]):
        self.concepts = concepts

    def __bool__(self) -> bool:
        return bool(self.concepts)

    def __iter__(self):
        return iter(self.concepts)

    def coverage(self, passage: str | set[str]) -> float:
        """Weighted share of the concepts the passage satisfies, in [0, 1]."""
        if not self.concepts:
            return 0.0
        terms = passage if isinstance(passage, set) else set(content_terms(passage))
        total = sum(c.weight for c in self.concepts)
        if not total:
            return 0.0
        return sum(c.weight * c.satisfied(terms) for c in self.concepts) / total

    def about(self, passage: str) -> float | None:
        """Share of the question's subjects the passage is about; None without subjects."""
        subjects = [c for c in self.concepts if c.subject]
        if not subjects:
            return None
        terms = set(content_terms(passage))
        return max(c.satisfied(terms) for c in subjects)

    @property
    def words(self) -> list[str]:
        return [t for c in self.concepts for alt in c.alternatives for t in alt]
