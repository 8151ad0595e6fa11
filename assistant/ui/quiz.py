"""Induction quiz for trainers: pick gold questions, score a learner's answer, summarise.

Pure logic, no Chainlit: the chat (``chat_handlers.run_quiz``) asks the questions and
shows the results; everything that decides or counts lives here so it can be tested.

- Questions come from the gold set (``eval/gold``): answerable items with key facts,
  not follow-ups (they need earlier turns) and not rule computations.
- Topic: the middle part of a gold id (``wig26-sgo-who-01`` -> ``sgo``), which the gold
  set's naming convention (``<doc>-<topic>-NN``) makes the theme of the question.
- Scoring: each key fact is a case-insensitive regex; a fact counts as covered when it
  matches the learner's answer, also after writing small numbers as digits or words
  ("three years" matches ``3 years``) and normalising dashes and spacing; or after
  swapping glossary forms ("SGO" for "special guardianship order"); or, given an
  embedder, when a clause of the answer means the same as the fact (cosine similarity at
  least ``SIMILARITY_THRESHOLD``, calibrated on the paraphrases kept in
  ``tests/integration/test_quiz_paraphrase_scoring.py``, and the same numbers). Each
  point shows the learner's words that earned it.
- Model answer: the gold item's own passages, quoted whole, and its key facts; never a
  fresh run of the assistant (which may turn the question into a rule computation).
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_COUNT = 5
MAX_COUNT = 20

TOPIC_LABELS = {
    "sgo": "Special guardianship",
    "cao": "Child arrangements orders",
    "def": "Definitions",
    "ppm": "Permanence planning meetings",
    "review": "Reviews and timescales",
    "resi": "Residential care",
    "adoption": "Adoption",
    "fostering": "Fostering",
    "lto": "Long-term fostering",
    "reunification": "Reunification",
    "plan": "Permanence plan",
    "figures": "Figures",
    "connected": "Connected carers",
    "review2": "Second review",
    "parallel": "Parallel planning",
    "multitrack": "Multi-track planning",
    "rehab": "Rehabilitation home",
    "stfc": "Staying together for children",
}
# Two spellings of one theme in gold ids -> the one topic they are scored under.
_TOPIC_ALIASES = {"adopt": "adoption", "fig": "figures", "definition": "def", "familytime": "family-time",
                  "pf": "private-fostering", "match": "matching", "iro": "iro"}


@dataclass(frozen=True)
class QuizQuestion:
    """One quiz question taken from a gold item."""

    id: str
    topic: str
    kind: str
    authority: str | None
    question: str
    key_facts: tuple[str, ...]
    passages: tuple[tuple[str, str], ...] = ()  # (document id, verbatim text) of the gold answer

    @property
    def topic_label(self) -> str:
        return topic_label(self.topic)


def _glossary():
    """The field's glossary (acronyms and long forms), or None when it cannot be read."""
    try:
        from assistant.retrieval.glossary import load_glossary
        from assistant.settings import get_settings

        return load_glossary(get_settings().glossary_path)
    except Exception:  # noqa: BLE001 - labels and scoring then work without it
        return None


def topic_label(topic: str) -> str:
    """A readable topic name: ours, else the glossary's long form ("ffa" -> "Fostering
    for adoption"), else the id with its first letter capitalised."""
    if topic in TOPIC_LABELS:
        return TOPIC_LABELS[topic]
    glossary = _glossary()
    entry = next((e for e in glossary.entries if e.id == topic), None) if glossary is not None else None
    if entry is not None and entry.terms:
        return entry.long_form[:1].upper() + entry.long_form[1:]
    return topic.replace("_", " ").replace("-", " ").capitalize()


# Parts of a gold id that name its file, split or council rather than its theme
# ("p-luton-sgo-panel-01", "t-ver-ppm-chair-01", "wig26-sgo-who-01").
_NOT_TOPICS = {"p", "t", "v", "ver", "yn", "cmp", "luton", "lut", "bolton", "bol", "wigan", "wig", "wigan21", "wigan26",
               "wig21", "wig26", "wilts", "wiltshire"}


def topic_of(item_id: str) -> str:
    """The theme of a gold item from its id: its first part that is not a prefix, a split
    or a council (``p-luton-sgo-panel-01`` -> ``sgo``); an id without parts is its own."""
    parts = [p for p in item_id.split("-") if not re.fullmatch(r"\d+", p)]
    for p in parts:
        if p.lower() not in _NOT_TOPICS:
            return _TOPIC_ALIASES.get(p.lower(), p)
    return parts[0] if parts else item_id


def quiz_questions(items: Iterable) -> list[QuizQuestion]:
    """Gold items usable as quiz questions (answerable, with key facts, self-contained)."""
    out = []
    for it in items:
        if getattr(it, "must_refuse", False) or not getattr(it, "key_facts", None):
            continue
        if getattr(it, "turns", None) or it.kind in ("followup", "rule", "hostile", "unanswerable"):
            continue
        out.append(
            QuizQuestion(
                id=it.id,
                topic=topic_of(it.id),
                kind=it.kind,
                authority=(it.authority or None),
                question=it.question,
                key_facts=tuple(it.key_facts),
                passages=tuple((p.document_id, p.text) for p in getattr(it, "gold_passages", None) or ()),
            )
        )
    return out


@dataclass(frozen=True)
class QuizRequest:
    """What the trainer asked for: ``/quiz [terms...] [count]``."""

    terms: tuple[str, ...] = ()
    count: int = DEFAULT_COUNT


def parse_quiz_request(text: str) -> QuizRequest:
    """``"/quiz sgo luton 3"`` -> terms ``("sgo", "luton")``, count 3.

    Terms filter by topic, kind, authority or a word of the question; a bare number is
    how many questions (1..20).
    """
    words = re.findall(r"[\w'-]+", text.lower())
    if words and words[0] == "quiz":
        words = words[1:]
    count = DEFAULT_COUNT
    terms: list[str] = []
    for w in words:
        if w.isdigit():
            count = max(1, min(MAX_COUNT, int(w)))
        elif w not in ("on", "about", "for", "the", "in", "questions", "question"):
            terms.append(w)
    return QuizRequest(tuple(terms), count)


def _matches(q: QuizQuestion, term: str) -> bool:
    term = term.lower()
    if term in (q.id.lower(), q.topic.lower(), q.kind.lower(), (q.authority or "").lower()):
        return True
    if term in q.topic_label.lower().split():
        return True
    return re.search(rf"\b{re.escape(term)}", q.question.lower()) is not None


def select_questions(questions: Sequence[QuizQuestion], request: QuizRequest, rng: random.Random | None = None) -> list[QuizQuestion]:
    """Questions matching every term of ``request``, shuffled, at most ``count``.

    Topics are interleaved so a short quiz covers several of them.
    """
    rng = rng or random.Random()
    pool = [q for q in questions if all(_matches(q, t) for t in request.terms)]
    rng.shuffle(pool)
    by_topic: dict[str, list[QuizQuestion]] = {}
    for q in pool:
        by_topic.setdefault(q.topic, []).append(q)
    ordered: list[QuizQuestion] = []
    while any(by_topic.values()):
        for topic in list(by_topic):
            if by_topic[topic]:
                ordered.append(by_topic[topic].pop(0))
    return ordered[: request.count]


_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "twenty": "20", "twenty six": "26",
}
_DIGITS = {v: k for k, v in _NUMBER_WORDS.items()}
_NUMBER_WORD_RX = re.compile(
    r"\b(" + "|".join(w.replace(" ", "[- ]") for w in sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def _variants(answer: str) -> list[str]:
    """The learner's answer as typed, with dashes/spaces normalised, numbers as digits,
    and numbers as words."""
    base = re.sub(r"[\u2010-\u2015\u2212]", "-", answer)
    base = re.sub(r"\s+", " ", base)
    as_digits = _NUMBER_WORD_RX.sub(lambda m: _NUMBER_WORDS[re.sub(r"[- ]", " ", m.group(1).lower())], base)
    as_words = re.sub(r"\b(\d{1,2})\b", lambda m: _DIGITS.get(m.group(1), m.group(1)), base)
    return list(dict.fromkeys([answer, base, as_digits, as_words]))


def describe_fact(pattern: str) -> str:
    """A readable version of a key-fact regex, for showing to a learner.

    ``'one year immediately preceding'`` stays as is; ``'four-? ?month review'`` becomes
    ``four month review``; alternatives ``a|b`` become ``a / b``.
    """
    s = pattern
    s = re.sub(r"\(\?[:i]+\)?", "", s)          # (?: (?i)
    s = re.sub(r"\\[bB]", "", s)                 # word boundaries
    s = re.sub(r"\\s[*+?]?", " ", s)             # \s, \s*, \s+
    s = re.sub(r"\[([^\]]*)\]\??", lambda m: m.group(1)[:1] if not m.group(0).endswith("?") else "", s)
    s = re.sub(r"(.)\?", lambda m: m.group(1) if m.group(1) not in " -,'" else " ", s)  # optional chars
    s = re.sub(r"\.\*|\.\+|\.\?", " … ", s)
    s = s.replace("\\", "").replace("(", "").replace(")", "").replace("^", "").replace("$", "")
    s = s.replace("|", " / ")
    s = re.sub(r"\s+", " ", s).strip(" -")
    return s


@dataclass(frozen=True)
class FactResult:
    pattern: str
    label: str
    covered: bool
    evidence: str = ""  # the learner's words that earned the point
    how: str = ""       # "same words" | "glossary" | "same meaning (0.71)"


# Cosine similarity (all-MiniLM-L6-v2) from which a clause of the answer counts as stating a
# key fact in other words. Calibrated on tests/integration/test_quiz_paraphrase_scoring.py:
# every wrong answer there scores below it (highest 0.595), the paraphrases it credits above.
SIMILARITY_THRESHOLD = 0.6
Similarity = Callable[[str, list[str]], list[float]]  # (fact, clauses) -> cosine per clause

_ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6"}


def _numbers(text: str) -> set[str]:
    """The numbers a text states, as digits ("second" and "2nd" are both 2)."""
    t = _NUMBER_WORD_RX.sub(lambda m: _NUMBER_WORDS[re.sub(r"[- ]", " ", m.group(1).lower())], text)
    t = re.sub(r"\b(" + "|".join(_ORDINALS) + r")\b", lambda m: _ORDINALS[m.group(1).lower()], t, flags=re.IGNORECASE)
    return set(re.findall(r"\d+", t))


def clauses(answer: str) -> list[str]:
    """The answer cut where a new point usually starts (sentence, semicolon, comma, "or",
    "and"), plus the whole answer; each is compared with the key facts on its own."""
    parts = [p.strip(" -•") for p in re.split(r"[.;,\n]|\b(?:and|or)\b", answer, flags=re.IGNORECASE)]
    return list(dict.fromkeys(p for p in [*parts, answer.strip()] if len(p) >= 3))


def _glossary_variants(text: str) -> list[tuple[str, str]]:
    """(``text`` with a glossary form it uses replaced by another form of the entry, the
    learner's own words that were replaced)."""
    glossary = _glossary()
    if glossary is None:
        return []
    out = []
    for m in glossary.find(text):
        for form in m.entry.forms:
            if form.lower() != m.surface.lower():
                out.append((text[: m.start] + form + text[m.end:], m.surface))
    return out


def score_answer(question: QuizQuestion, answer: str, similarity: Similarity | None = None) -> list[FactResult]:
    """Which of the question's key facts the learner's ``answer`` covers, and by which of
    their words: the same words, the same words through the glossary, or (with
    ``similarity``) a clause that means the same and states the same numbers."""
    answer = answer or ""
    variants = _variants(answer)
    glossed = [g for v in variants[:2] for g in _glossary_variants(v)]
    parts = clauses(answer) if answer.strip() else []
    results = []
    for pattern in question.key_facts:
        rx = re.compile(pattern, re.IGNORECASE)
        label = describe_fact(pattern)
        hit = next((m for m in (rx.search(v) for v in variants) if m), None)
        if hit:
            results.append(FactResult(pattern, label, True, hit.group(0), "same words"))
            continue
        hit = next(((m, surface) for m, surface in ((rx.search(v), sf) for v, sf in glossed) if m), None)
        if hit:
            results.append(FactResult(pattern, label, True, hit[1], f"glossary: {hit[1]} = {hit[0].group(0)}"))
            continue
        if similarity is not None and parts:
            need = _numbers(label)
            scored = [(s, p) for s, p in zip(similarity(label, parts), parts) if need <= _numbers(p)]
            best = max(scored, default=(0.0, ""))
            if best[0] >= SIMILARITY_THRESHOLD:
                results.append(FactResult(pattern, label, True, best[1], f"same meaning ({best[0]:.2f})"))
                continue
        results.append(FactResult(pattern, label, False))
    return results


def embedder_similarity(embedder) -> Similarity:
    """``Similarity`` from an ``Embedder`` (cosine of normalised sentence embeddings)."""
    import numpy as np

    def similarity(fact: str, texts: list[str]) -> list[float]:
        vecs = np.asarray(embedder.embed_documents([fact, *texts]), dtype=float)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12
        return [float(x) for x in vecs[1:] @ vecs[0]]

    return similarity


@dataclass
class QuizRecord:
    question: QuizQuestion
    answer: str
    facts: list[FactResult]
    skipped: bool = False

    @property
    def covered(self) -> int:
        return sum(f.covered for f in self.facts)

    @property
    def total(self) -> int:
        return len(self.facts)


@dataclass(frozen=True)
class TopicScore:
    topic: str
    label: str
    questions: int
    covered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


@dataclass
class QuizSession:
    """The answers of one learner in one quiz."""

    request: QuizRequest = field(default_factory=QuizRequest)
    records: list[QuizRecord] = field(default_factory=list)
    started: datetime = field(default_factory=datetime.now)

    def record(self, question: QuizQuestion, answer: str | None, similarity: Similarity | None = None) -> QuizRecord:
        """Score and keep the learner's answer (None or ``skip`` = skipped, no facts covered)."""
        skipped = answer is None or answer.strip().lower() in ("", "skip", "pass", "?")
        facts = score_answer(question, "" if skipped else answer or "", similarity)
        rec = QuizRecord(question, "" if skipped else (answer or "").strip(), facts, skipped)
        self.records.append(rec)
        return rec

    def topic_scores(self) -> list[TopicScore]:
        """Score per topic, in the order topics were first asked."""
        agg: dict[str, list[QuizRecord]] = {}
        for r in self.records:
            agg.setdefault(r.question.topic, []).append(r)
        return [
            TopicScore(topic, recs[0].question.topic_label, len(recs), sum(r.covered for r in recs), sum(r.total for r in recs))
            for topic, recs in agg.items()
        ]

    def totals(self) -> TopicScore:
        return TopicScore("all", "All topics", len(self.records), sum(r.covered for r in self.records), sum(r.total for r in self.records))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(session: QuizSession) -> str:
    """The downloadable quiz summary: score per topic, then each question in turn."""
    t = session.totals()
    lines = [
        "# Induction quiz summary",
        "",
        f"Started {session.started:%d %B %Y %H:%M}. Questions answered: {t.questions}. "
        f"Key facts covered: {t.covered} of {t.total} ({t.percent}%).",
    ]
    if session.request.terms:
        lines.append(f"Filter: {' '.join(session.request.terms)}.")
    lines += ["", "## Score per topic", "", "| Topic | Questions | Key facts covered | Score |", "| --- | ---: | ---: | ---: |"]
    for s in session.topic_scores():
        lines.append(f"| {_cell(s.label)} | {s.questions} | {s.covered} / {s.total} | {s.percent}% |")
    lines.append(f"| **All topics** | {t.questions} | {t.covered} / {t.total} | {t.percent}% |")
    lines += ["", "## Questions", ""]
    for i, r in enumerate(session.records, 1):
        q = r.question
        where = f", {q.authority.capitalize()}" if q.authority else ""
        lines.append(f"### {i}. {q.question}")
        lines.append("")
        lines.append(f"Topic: {q.topic_label} ({q.kind}{where}); gold item `{q.id}`.")
        lines.append("")
        lines.append("Answer: " + ("_skipped_" if r.skipped else _cell(r.answer)))
        lines.append("")
        for f in r.facts:
            lines.append(f"- [{'x' if f.covered else ' '}] {f.label}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


CSV_COLUMNS = ["row", "topic", "topic_label", "question_id", "kind", "authority", "question", "answer",
               "questions", "facts_covered", "facts_total", "score_percent", "facts_missed"]


def summary_csv(session: QuizSession) -> str:
    """The same summary as CSV: one row per question, then one per topic and a total
    (column ``row`` says which), so a trainer can sort or pivot it."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in session.records:
        q = r.question
        w.writerow({
            "row": "question", "topic": q.topic, "topic_label": q.topic_label, "question_id": q.id, "kind": q.kind,
            "authority": q.authority or "", "question": q.question, "answer": "" if r.skipped else r.answer,
            "questions": 1, "facts_covered": r.covered, "facts_total": r.total,
            "score_percent": round(100 * r.covered / r.total) if r.total else 0,
            "facts_missed": "; ".join(f.label for f in r.facts if not f.covered),
        })
    for s in [*session.topic_scores(), session.totals()]:
        w.writerow({
            "row": "total" if s.topic == "all" else "topic", "topic": s.topic, "topic_label": s.label,
            "questions": s.questions, "facts_covered": s.covered, "facts_total": s.total, "score_percent": s.percent,
        })
    return buf.getvalue()


def feedback_markdown(record: QuizRecord) -> str:
    """What the learner sees right after answering: which key facts they covered."""
    if record.skipped:
        head = "Skipped. The key facts were:"
    else:
        head = f"You covered **{record.covered} of {record.total}** key facts:"
    rows = []
    for f in record.facts:
        if f.covered:
            rows.append(f"- ✔ covered: {_md(f.label)} — your words: “{_md(f.evidence)}” ({f.how})")
        else:
            rows.append(f"- ✘ missed: {_md(f.label)}")
    return head + "\n\n" + "\n".join(rows)


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|~#$])", r"\\\1", " ".join(text.split()))


def model_answer_markdown(question: QuizQuestion, describe_source: Callable[[str], str]) -> str:
    """The gold answer: its passages quoted whole, each under its source, then its key
    facts in the same words the scoring uses, so the two can never disagree."""
    lines = ["**Model answer**, the gold answer quoted whole from the policies:", ""]
    for doc_id, text in question.passages:
        lines.append(f"_{_md(describe_source(doc_id))}_")
        lines.append("")
        # In quotation marks, not a blockquote: in answers, blockquotes are the assistant's
        # own notices (tinted by public/offline.css), and this is policy text.
        body = "  \n".join(_md(ln) for ln in text.strip().splitlines() if ln.strip())
        lines += [f"“{body}”", ""]
    if not question.passages:
        lines += ["_This gold item has no quoted passage._", ""]
    lines.append("**Key facts:** " + "; ".join(_md(describe_fact(p)) for p in question.key_facts) + ".")
    return "\n".join(lines)
