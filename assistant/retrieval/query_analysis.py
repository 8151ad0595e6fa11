"""What a question asks about, read without a model: authorities named and policy versions.

- Authorities: "in Bolton", "Luton's", "wigan council" are found by the short or full
  names of the manifest's authorities, case-insensitively (the same names that
  ``Corpus.resolve_authority`` accepts), so detection and validation agree.
- Versions: current documents by default; a superseded one only when the question
  names it ("in the 2021 strategy", "the old Wigan strategy", "what changed ...").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from assistant.corpus import Corpus
from assistant.models import DocumentMeta
from assistant.understanding.answer_types import asks_for_list

_OLD_WORDS = re.compile(
    r"\b(old|older|previous|prior|earlier|former|last|superseded|outdated|out[- ]of[- ]date|archived?)\b"
    r"(?:\s+\w+){0,2}?\s+(strateg(?:y|ies)|polic(?:y|ies)|versions?|guidance|documents?|edition)\b",
    re.IGNORECASE,
)
_SUPERSEDED = re.compile(r"\bsuperseded\b", re.IGNORECASE)
_COMPARE_VERSIONS = re.compile(
    r"\b(what(?:'s| has| have)?\s+changed|changes?\s+(?:between|from|since)|differences?\s+between\s+(?:the\s+)?"
    r"(?:two\s+|old\s+and\s+new\s+|\d{4})|compared?\s+(?:with|to)\s+the\s+(?:old|previous|earlier|\d{4})|"
    r"new\s+(?:strategy|policy|version)\s+(?:vs|versus|compared)|old\s+(?:and|vs|versus)\s+new)",
    re.IGNORECASE,
)
_DOC_WORD = re.compile(r"\b(strateg(?:y|ies)|polic(?:y|ies)|versions?|guidance|documents?|edition)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(20\d\d)(?:\s*[-–/]\s*(?:20)?(\d\d))?\b")


_TIME_WORDS = re.compile(
    r"\b(how\s+long|how\s+soon|how\s+often|how\s+quickly|timescales?|timeframes?|deadlines?|due|by\s+when|"
    r"within|how\s+many\s+(?:days|weeks|months|years)|frequency|how\s+frequently|what\s+age|which\s+review)\b",
    re.IGNORECASE,
)
# "when" asks for a time with these verbs; "when is adoption used?" asks for circumstances.
_WHEN_TIME = re.compile(
    r"\bwhen(?:'s)?\b.*\b(due|held|happen|happens|take\s+place|takes\s+place|start|starts|begin|begins|commence|set|"
    r"agreed|completed|ratified|reviewed|updated|closed|sit|sits|meet|meets|produced|established|in\s+place|decided|"
    r"review|reviews|meeting|finish|end|ends|expire|expires|last)\b",
    re.IGNORECASE,
)


def is_when_question(question: str) -> bool:
    """Does the question ask for a time (not "when is X used", which asks for circumstances)?"""
    return bool(_TIME_WORDS.search(question) or _WHEN_TIME.search(question))


_COUNT_QUESTION = re.compile(
    r"\b(how\s+many|how\s+much|number\s+of|numbers|figures?|percentage|proportion|statistics|stats|data\s+on)\b|%",
    re.IGNORECASE,
)


def is_count_question(question: str) -> bool:
    """How many / what percentage ...: answered by passages with figures."""
    return bool(_COUNT_QUESTION.search(question))


def is_list_question(question: str) -> bool:
    """Who may / what are the options ...: the answer is a list (one reading, in answer_types)."""
    return asks_for_list(question)


@dataclass(frozen=True)
class AuthorityMention:
    authority: str  # full name from the manifest
    start: int
    end: int


@dataclass(frozen=True)
class VersionScope:
    """Which documents a question may be answered from.

    ``statuses`` is the status filter for the store; ``document_ids`` (when set)
    restricts to named versions; ``reason`` says why, for the interpreted question.
    """

    statuses: tuple[str, ...] = ("current",)
    document_ids: tuple[str, ...] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class QueryAnalysis:
    authorities: list[str] = field(default_factory=list)
    mentions: list[AuthorityMention] = field(default_factory=list)
    scope: VersionScope = field(default_factory=VersionScope)


@functools.lru_cache(maxsize=None)  # one per authority name: re's own cache holds 512, a corpus can name more
def _name_pattern(name: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(p) for p in name.split())
    return re.compile(r"(?<![\w])" + body + r"(?:['\u2019]s?)?(?![\w])", re.IGNORECASE)


def find_authorities(corpus: Corpus, text: str) -> list[AuthorityMention]:
    """Authorities named in ``text``, in order of appearance, each once.

    Names and aliases come from the manifest; longer names are tried first.
    """
    found: list[AuthorityMention] = []
    taken: list[tuple[int, int]] = []
    # longest names first, so "Wigan Council" is one mention, not "Wigan" plus a stray word
    names = sorted(((n, full) for full, ns in corpus.authority_names.items() for n in ns), key=lambda p: -len(p[0]))
    for name, full in names:
        for m in _name_pattern(name).finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append(AuthorityMention(full, s, e))
    found.sort(key=lambda m: m.start)
    seen: set[str] = set()
    unique = []
    for m in found:
        if m.authority not in seen:
            seen.add(m.authority)
            unique.append(m)
    return unique


def _doc_years(doc: DocumentMeta) -> set[int]:
    years: set[int] = set()
    for text in (doc.version, doc.title):
        for m in _YEAR.finditer(text or ""):
            first = int(m.group(1))
            years.add(first)
            if m.group(2):
                last = int(m.group(2)) if len(m.group(2)) == 4 else 2000 + int(m.group(2))
                years.update(range(first, last + 1))
    return years


def detect_version_scope(corpus: Corpus, text: str, authorities: list[str]) -> VersionScope:
    """Current versions unless the question names an older one or asks what changed."""
    docs = [d for d in corpus.documents if not authorities or d.authority in authorities]
    superseded = [d for d in docs if d.status == "superseded"]
    if not superseded:
        return VersionScope()

    def family(doc: DocumentMeta) -> list[str]:
        # The named version and the versions of the same authority it relates to.
        return [d.id for d in docs if d.authority == doc.authority]

    if _COMPARE_VERSIONS.search(text):
        ids: list[str] = []
        for d in superseded:
            ids.extend(i for i in family(d) if i not in ids)
        return VersionScope(("current", "superseded"), tuple(ids), "comparing versions")

    named: list[DocumentMeta] = []
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        # "in care since 2021" is a date, not a version: a lone year names a version only
        # next to a word for a document ("the 2021 strategy", "strategy 2021").
        if not m.group(2):
            window = text[max(0, m.start() - 40) : m.end() + 40]
            if not _DOC_WORD.search(window):
                continue
        # A year names a version only when it is the start of one document's period,
        # or the span written out ("2021-2025"); "2026" alone names the current one.
        for d in docs:
            years = _doc_years(d)
            if years and (year == min(years) or (m.group(2) and year in years)) and d not in named:
                named.append(d)
    if named:
        statuses = tuple(sorted({d.status for d in named}, key=lambda s: s != "current"))
        label = ", ".join(f"{d.authority_short} {d.version}" for d in named)
        return VersionScope(statuses, tuple(d.id for d in named), f"version named: {label}")

    if _OLD_WORDS.search(text) or _SUPERSEDED.search(text):
        return VersionScope(
            ("superseded",),
            tuple(d.id for d in superseded),
            "older version asked for: " + ", ".join(f"{d.authority_short} {d.version}" for d in superseded),
        )
    return VersionScope()


def analyse(corpus: Corpus, text: str, authority: str | None = None) -> QueryAnalysis:
    """Authorities (the explicit one first, else those named) and the version scope."""
    mentions = find_authorities(corpus, text)
    if authority:
        authorities = [authority]
    else:
        authorities = [m.authority for m in mentions]
    return QueryAnalysis(authorities, mentions, detect_version_scope(corpus, text, authorities))
