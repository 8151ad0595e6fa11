"""Deterministic metrics of retrieval, citations, answers, refusals, rules and latency.

No model is a judge here: every figure is computed from offsets, verbatim text and
regular expressions, so the same run always scores the same and a metric can fail.

Matching rules (documented in the report too):
- a retrieved chunk HITS a gold passage when it is from the same document and either its
  ``[start, end)`` covers the passage's span or its text contains the whitespace-normalised
  passage (baselines with their own chunking have no offsets into our text);
- a citation COVERS a gold passage when it is from the same document and its span covers at
  least half of the passage's span, or its quote contains the normalised passage, or the
  passage contains the citation's quote and the quote is at least half the passage;
- a citation is PRECISE when it overlaps a gold passage of its document or its quote matches
  one of the item's key facts;
- an answer sentence is SUPPORTED when its text (markers, bullets and markdown removed) is
  found in one of the cited quotes; framing lines (ending in ':' or bold headings) are exempt.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from assistant.evaluation.gold import GoldItem, normalise_ws


# ---------------------------------------------------------------------------------------------
# shapes the metrics read (engine-independent)
# ---------------------------------------------------------------------------------------------
@dataclass
class Hit:
    """One retrieved passage as any engine returns it."""

    document_id: str
    text: str
    start: int | None = None
    end: int | None = None
    score: float = 0.0


@dataclass
class Passage:
    """A gold passage resolved against the current corpus (span None when not found)."""

    document_id: str
    text: str
    start: int | None = None
    end: int | None = None

    @property
    def norm(self) -> str:
        return _fold(self.text)


@dataclass
class CitationRef:
    document_id: str
    quote: str
    start: int | None = None
    end: int | None = None
    n: int | None = None


def _fold(text: str) -> str:
    """Whitespace-normalised text with typographic quotes/bullets folded, for containment tests.

    Folding quotes keeps a verbatim citation from failing only because one side kept a
    curly apostrophe and the other a straight one (converter noise, not a policy change).
    """
    t = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    t = re.sub(r"^[\s•·\-\u2013*]+", "", t)
    return normalise_ws(t)


# ---------------------------------------------------------------------------------------------
# retrieval
# ---------------------------------------------------------------------------------------------
def hits_passage(hit: Hit, passage: Passage) -> bool:
    """True when the retrieved passage contains the gold passage (by span or by text)."""
    if hit.document_id != passage.document_id:
        return False
    if (
        hit.start is not None
        and hit.end is not None
        and passage.start is not None
        and passage.end is not None
        and hit.start <= passage.start
        and hit.end >= passage.end
    ):
        return True
    return bool(passage.norm) and passage.norm in _fold(hit.text)


def first_hit_rank(hits: Sequence[Hit], passages: Sequence[Passage]) -> int | None:
    """1-based rank of the first retrieved passage that hits any gold passage."""
    for i, h in enumerate(hits, start=1):
        if any(hits_passage(h, p) for p in passages):
            return i
    return None


def hit_at_k(hits: Sequence[Hit], passages: Sequence[Passage], k: int) -> float:
    rank = first_hit_rank(hits, passages)
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(hits: Sequence[Hit], passages: Sequence[Passage]) -> float:
    rank = first_hit_rank(hits, passages)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(hits: Sequence[Hit], passages: Sequence[Passage], k: int = 10) -> float:
    """Binary-gain nDCG: a result gains 1 for each gold passage it is the FIRST to cover.

    Covering the same passage twice earns nothing the second time, so a list of duplicates
    cannot score as well as one that covers every gold passage.
    """
    if not passages:
        return 0.0
    covered: set[int] = set()
    dcg = 0.0
    for i, h in enumerate(hits[:k], start=1):
        new = [j for j, p in enumerate(passages) if j not in covered and hits_passage(h, p)]
        if new:
            covered.update(new)
            dcg += len(new) / math.log2(i + 1)
    # ideal: one new passage per rank, as many as there are (up to k)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(passages), k) + 1))
    return min(dcg / ideal, 1.0) if ideal else 0.0


# ---------------------------------------------------------------------------------------------
# citations
# ---------------------------------------------------------------------------------------------
def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def citation_covers(c: CitationRef, p: Passage) -> bool:
    if c.document_id != p.document_id:
        return False
    if None not in (c.start, c.end, p.start, p.end):
        plen = max(p.end - p.start, 1)  # type: ignore[operator]
        if _overlap(c.start, c.end, p.start, p.end) >= 0.5 * plen:  # type: ignore[arg-type]
            return True
    q = _fold(c.quote)
    if p.norm and p.norm in q:
        return True
    return bool(q) and q in p.norm and len(q) >= 0.5 * len(p.norm)


def citation_recall(citations: Sequence[CitationRef], passages: Sequence[Passage]) -> float | None:
    """Share of gold passages covered by at least one citation (None: no gold passages)."""
    if not passages:
        return None
    return sum(1 for p in passages if any(citation_covers(c, p) for c in citations)) / len(passages)


def citation_precise(c: CitationRef, passages: Sequence[Passage], key_facts: Sequence[str]) -> bool:
    for p in passages:
        if c.document_id != p.document_id:
            continue
        if None not in (c.start, c.end, p.start, p.end) and _overlap(c.start, c.end, p.start, p.end) > 0:  # type: ignore[arg-type]
            return True
        q = _fold(c.quote)
        if p.norm and (p.norm in q or (q and q in p.norm)):
            return True
    return any(re.search(k, c.quote, re.IGNORECASE) for k in key_facts)


def citation_precision(
    citations: Sequence[CitationRef], passages: Sequence[Passage], key_facts: Sequence[str]
) -> float | None:
    """Share of citations that are gold or support a key fact (None: nothing cited)."""
    if not citations:
        return None
    return sum(1 for c in citations if citation_precise(c, passages, key_facts)) / len(citations)


# ---------------------------------------------------------------------------------------------
# answers
# ---------------------------------------------------------------------------------------------
def key_fact_recall(answer: str, key_facts: Sequence[str]) -> float | None:
    """Share of key-fact regexes (case-insensitive) the answer matches; whitespace-normalised."""
    if not key_facts:
        return None
    text = _fold(answer)
    return sum(1 for k in key_facts if re.search(k, text, re.IGNORECASE)) / len(key_facts)


def missing_key_facts(answer: str, key_facts: Sequence[str]) -> list[str]:
    text = _fold(answer)
    return [k for k in key_facts if not re.search(k, text, re.IGNORECASE)]


_MARKER = re.compile(r"\[(\d+)\]")
_MARKED = re.compile(r"(.*?)((?:\s*\[\d+\])+)")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\"'“‘])")


def answer_statements(answer: str) -> list[tuple[str, list[int]]]:
    """Statements of an answer with the citation markers that follow them.

    Extractive answers put the marker after the quoted sentence ("... home. [1] Next ...");
    text up to a marker run is one statement attributed to those markers; text with no
    marker after it is split into sentences with no markers.
    """
    out: list[tuple[str, list[int]]] = []
    for line in answer.splitlines():
        line = line.strip()
        if not line:
            continue
        pos = 0
        for m in _MARKED.finditer(line):
            if not m.group(0).strip():
                continue
            text = m.group(1).strip()
            nums = [int(n) for n in _MARKER.findall(m.group(2))]
            if text:
                out.append((text, nums))
            elif out:  # a marker run on its own attaches to the statement before it
                out[-1][1].extend(nums)
            pos = m.end()
        rest = line[pos:].strip()
        for sent in _SENTENCE_END.split(rest) if rest else []:
            if sent.strip():
                out.append((sent.strip(), []))
    return out


def answer_sentences(answer: str) -> list[str]:
    return [t for t, _ in answer_statements(answer)]


def _is_framing(sentence: str) -> bool:
    bare = _MARKER.sub("", sentence).strip()
    if not bare:
        return True
    if bare.endswith(":"):
        return True  # a lead-in ("Wigan's strategy lists who may apply:")
    if re.fullmatch(r"(#+\s*)?\*\*[^*]+\*\*:?|#+\s+.+", bare):
        return True  # a heading ("**Wigan Council**")
    if re.fullmatch(r"[-–—_*=|\s]+", bare):
        return True
    return False


def _strip_statement(sentence: str) -> str:
    s = _MARKER.sub("", sentence)
    s = re.sub(r"^(\s*([-*•·]|\d+[.)])\s+)+", "", s)  # list bullets / numbers
    s = s.replace("**", "").replace("__", "")
    s = re.sub(r"^>\s*", "", s)
    s = s.strip().strip('"“”').strip()
    return _fold(s)


def _fragments(statement: str) -> list[str]:
    """A statement may elide with '...' between verbatim pieces: each piece must be quoted."""
    return [f.strip(" .;,:") for f in re.split(r"\s*(?:\.\.\.|…)\s*", statement) if f.strip(" .;,:")]


def unsupported_sentences(answer: str, citations: Sequence[CitationRef]) -> tuple[int, list[str]]:
    """(number of statements judged, the statements not found in their cited quotes).

    A statement with markers must be found in the quotes of ITS markers (when it quotes
    policy words in double quotes, those words must be); one without markers must be framing
    (a lead-in ending in ':' or a heading) or it is unsupported.
    """
    by_n = {c.n: _fold(c.quote) for c in citations if c.n is not None}
    judged = 0
    unsupported: list[str] = []
    for text, nums in answer_statements(answer):
        if _is_framing(text):
            continue
        bare = _strip_statement(text)
        if len(bare) < 3:
            continue
        judged += 1
        quotes = [by_n[n] for n in nums if n in by_n]
        if not nums or not quotes:
            unsupported.append(text)
            continue
        quoted = _quoted_parts(_MARKER.sub("", text))
        pieces = [_fold(qp) for qp in quoted] if quoted else _fragments(bare)
        if not all(any(frag in q for q in quotes) for frag in pieces if frag):
            unsupported.append(text)
    return judged, unsupported


_QUOTED = re.compile(r"[\"“]([^\"“”]{3,})[\"”]")


def _quoted_parts(statement: str) -> list[str]:
    """Text in double quotes inside a statement (a comparison line quotes its policy words:
    'Wigan: "at the four-month review" [1]'); when present, only these must be verbatim."""
    return [m.group(1).strip(" .;,") for m in _QUOTED.finditer(statement) if m.group(1).strip(" .;,")]


def unsupported_rate(answer: str, citations: Sequence[CitationRef]) -> float | None:
    judged, bad = unsupported_sentences(answer, citations)
    return (len(bad) / judged) if judged else None


# ---------------------------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------------------------
def _walk(obj: Any) -> Iterable[dict]:
    """Every dict inside a nested structure of dicts and lists (depth first)."""
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _walk(v)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, str) and a.lower() == str(b).lower()) or (
            isinstance(b, str) and str(a).lower() == b.lower()
        )
    if hasattr(a, "isoformat"):
        a = a.isoformat()
    if hasattr(b, "isoformat"):
        b = b.isoformat()
    return str(a) == str(b)


_STATUS_FIELDS = ("status", "state", "marker", "flag")


def rule_mismatches(expected: dict[str, Any], results: Any) -> list[str]:
    """What of ``expected`` the structured rule results do not match EXACTLY ([] = exact match).

    ``expected`` may hold:
    - ``dates``: {key: ISO date}: a computed date with that ``key`` must exist with that date;
    - ``statuses``: {key: status}: the computed date ``key`` must carry that status (timeline);
    - ``result``: {field: value}: at least one result must have ALL these field values;
    - any other key: some dict in the results must have that key with that value.
    """
    if results is None:
        return ["no rule result"]
    if hasattr(results, "model_dump"):
        results = results.model_dump(mode="json")
    elif isinstance(results, list):
        results = [r.model_dump(mode="json") if hasattr(r, "model_dump") else r for r in results]
    nodes = list(_walk(results))
    problems: list[str] = []
    for key, want in expected.items():
        if key == "dates":
            for dkey, dwant in want.items():
                got = [n.get("date") for n in nodes if n.get("key") == dkey and "date" in n]
                if not got:
                    problems.append(f"date {dkey}: missing (expected {dwant})")
                elif not any(_same(g, dwant) for g in got):
                    problems.append(f"date {dkey}: got {got[0]}, expected {dwant}")
        elif key == "statuses":
            for dkey, swant in want.items():
                entries = [n for n in nodes if n.get("key") == dkey]
                got = [n.get(f) for n in entries for f in _STATUS_FIELDS if f in n]
                if not any(_same(g, swant) for g in got):
                    problems.append(f"status of {dkey}: got {got[0] if got else 'none'}, expected {swant}")
        elif key == "result":
            tops = results if isinstance(results, list) else [results]
            if len(tops) == 1 and isinstance(tops[0], dict) and isinstance(tops[0].get("results"), list):
                tops = tops[0]["results"]  # a RulesResponse: {computation, today, results: [...]}
            if not any(isinstance(r, dict) and all(_same(r.get(f), v) for f, v in want.items()) for r in tops):
                seen = [{f: r.get(f) for f in want} for r in tops if isinstance(r, dict)]
                problems.append(f"no result with {want} (results have {seen[:4]})")
        else:
            got = [n[key] for n in nodes if key in n]
            if not got:
                problems.append(f"{key}: missing (expected {want!r})")
            elif not any(_same(g, want) for g in got):
                problems.append(f"{key}: got {got[0]!r}, expected {want!r}")
    return problems


# ---------------------------------------------------------------------------------------------
# latency and aggregation
# ---------------------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    vals = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(vals)))
    return vals[min(rank, len(vals)) - 1]


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


@dataclass
class ItemScores:
    """Every per-item metric for one engine; None = not applicable to this item."""

    hit_at_1: float | None = None
    hit_at_5: float | None = None
    hit_at_10: float | None = None
    mrr: float | None = None
    ndcg_at_10: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    key_fact_recall: float | None = None
    unsupported_rate: float | None = None
    refused: bool | None = None
    refusal_correct: float | None = None  # must_refuse items: 1 when refused
    false_refusal: float | None = None  # answerable items: 1 when refused
    rule_exact: float | None = None  # rules engine called with the gold facts
    rule_chat_exact: float | None = None  # the chat answer's ``rules`` field
    latency_ms: float | None = None
    passed: bool | None = False  # None: the item does not apply to this engine
    reasons: list[str] = field(default_factory=list)


RETRIEVAL_METRICS = ("hit_at_1", "hit_at_5", "hit_at_10", "mrr", "ndcg_at_10")
ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "key_fact_recall",
    "unsupported_rate",
    "refusal_accuracy",
    "false_refusal_rate",
    "rule_exact",
    "rule_chat_exact",
)
# lower is better for these; every other metric is higher-is-better
LOWER_IS_BETTER = frozenset({"unsupported_rate", "false_refusal_rate", "latency_p50_ms", "latency_p95_ms"})


def score_item(
    item: GoldItem,
    passages: Sequence[Passage],
    *,
    hits: Sequence[Hit] | None,
    answer: str | None = None,
    citations: Sequence[CitationRef] | None = None,
    refused: bool | None = None,
    rule_result: Any = None,
    chat_rule_result: Any = None,
    latency_ms: float | None = None,
) -> ItemScores:
    """Score one item for one engine. ``hits`` None = the engine does no retrieval we can see;
    ``answer`` None = a retrieval-only engine (pass = gold passage in the top 5)."""
    s = ItemScores(latency_ms=latency_ms)
    located = list(passages)
    if hits is not None and located and not item.must_refuse:
        s.hit_at_1 = hit_at_k(hits, located, 1)
        s.hit_at_5 = hit_at_k(hits, located, 5)
        s.hit_at_10 = hit_at_k(hits, located, 10)
        s.mrr = reciprocal_rank(hits, located)
        s.ndcg_at_10 = ndcg_at_k(hits, located, 10)

    if answer is None:  # retrieval-only engine: judged on retrieval alone, where it applies
        if item.must_refuse or not located or hits is None:
            s.passed = None
        else:
            s.passed = bool(s.hit_at_5)
            if not s.passed:
                s.reasons.append("no gold passage in top 5")
        return s

    ok = True
    if item.kind == "rule" and item.expected:
        s.rule_chat_exact = 0.0 if rule_mismatches(item.expected, chat_rule_result) else 1.0
        mism = rule_mismatches(item.expected, rule_result)
        s.rule_exact = 0.0 if mism else 1.0
        if mism:
            ok = False
            s.reasons.append("rule: " + "; ".join(mism))

    cites = list(citations or [])
    s.refused = bool(refused)
    if item.must_refuse:
        s.refusal_correct = 1.0 if refused else 0.0
        s.passed = bool(refused)
        if not refused:
            s.reasons.append("answered a must-refuse question")
        return s

    s.false_refusal = 1.0 if refused else 0.0
    if refused:
        s.passed = False
        s.reasons.append("refused an answerable question")
        if item.key_facts:
            s.key_fact_recall = 0.0
        if located:
            s.citation_recall = 0.0
        return s

    s.key_fact_recall = key_fact_recall(answer, item.key_facts)
    s.citation_recall = citation_recall(cites, located)
    s.citation_precision = citation_precision(cites, located, item.key_facts)
    if item.kind != "rule":
        s.unsupported_rate = unsupported_rate(answer, cites)
    missing = missing_key_facts(answer, item.key_facts)
    if missing:
        ok = False
        s.reasons.append("missing key facts: " + ", ".join(missing))
    if s.citation_recall is not None and s.citation_recall == 0.0:
        ok = False
        s.reasons.append("no gold passage cited")
    s.passed = ok
    return s


def aggregate(rows: Sequence[tuple[GoldItem, ItemScores]]) -> dict[str, float | int | None]:
    """Mean of each metric over the items where it applies, plus refusal rates and latency."""
    out: dict[str, float | int | None] = {"items": len(rows)}
    for m in RETRIEVAL_METRICS + ("citation_precision", "citation_recall", "key_fact_recall", "unsupported_rate", "rule_exact", "rule_chat_exact"):
        out[m] = mean(getattr(s, m) for _, s in rows)
    out["refusal_accuracy"] = mean(s.refusal_correct for _, s in rows)
    out["false_refusal_rate"] = mean(s.false_refusal for _, s in rows)
    lat = [s.latency_ms for _, s in rows if s.latency_ms is not None]
    out["latency_p50_ms"] = percentile(lat, 50)
    out["latency_p95_ms"] = percentile(lat, 95)
    out["pass_rate"] = mean(None if s.passed is None else (1.0 if s.passed else 0.0) for _, s in rows)
    out["passed"] = sum(1 for _, s in rows if s.passed)
    out["judged"] = sum(1 for _, s in rows if s.passed is not None)
    return out


def breakdown(
    rows: Sequence[tuple[GoldItem, ItemScores]], by: str, documents: dict[str, list[str]] | None = None
) -> dict[str, dict[str, float | int | None]]:
    """``aggregate`` per document, per authority or per kind.

    An item counts toward every document its gold passages come from (``documents``: item id
    -> the versions its passages were looked up in, so a new version of a policy is reported
    under its own id); items with none (refusals, most rules) are grouped under "(none)";
    items about no single authority under "(all)".
    """
    groups: dict[str, list[tuple[GoldItem, ItemScores]]] = {}
    for item, s in rows:
        if by == "document":
            keys = (documents or {}).get(item.id) or item.document_ids or ["(none)"]
        elif by == "authority":
            keys = [item.authority.lower() if item.authority else "(all)"]
        elif by == "kind":
            keys = [item.kind]
        else:
            raise ValueError(f"unknown breakdown {by!r}")
        for k in keys:
            groups.setdefault(k, []).append((item, s))
    return {k: aggregate(v) for k, v in sorted(groups.items())}
