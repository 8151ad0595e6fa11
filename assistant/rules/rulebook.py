"""Rules as data: load ``policies_corpus/rules/*.yaml``, validate, and find every quote.

A rule names its authority ("England" for statute), the document and the verbatim
passage it rests on, the legal reference for statute, and the periods the engine
reads. Loading fails with a ``RulebookError`` that lists every problem, each naming
the file and the rule: a quote that is no longer in the corpus, an unknown document,
a rule whose authority is not its document's, a period the engine needs but the rule
lacks. Nothing is half-loaded: either every rule is valid or none is served.

``get_rulebook(settings)`` loads once per corpus folder and process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.corpus import Corpus, ManifestError, load_corpus
from assistant.rules.citations import DocumentTexts, IngestDocumentTexts, LocatedPassage, locate_passage

STATUTE_AUTHORITY = "England"

PeriodUnit = Literal["working_days", "days", "weeks", "months", "years"]


class RulebookError(ValueError):
    """The rule files are invalid; ``problems`` names each file, rule and reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid rulebook:\n  - " + "\n  - ".join(problems))


class Period(BaseModel):
    """A length of time as a rule states it: "20 working days", "3 months"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: int = Field(gt=0)
    unit: PeriodUnit


class Passage(BaseModel):
    """A verbatim passage of another document that a rule also cites."""

    model_config = ConfigDict(extra="forbid")

    document_id: str
    quote: str = Field(min_length=10)
    key: str | None = Field(None, pattern=r"^[a-z0-9_]+$", description="Name the engine cites it by")
    note: str | None = None


class Rule(BaseModel):
    """One rule as written in the YAML files."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    authority: str
    kind: Literal["statute", "local_policy"]
    legal_reference: str | None = None
    document_id: str | None = None
    quote: str | None = Field(None, min_length=10)
    statement: str
    periods: dict[str, Period] = Field(default_factory=dict)
    passages: dict[str, str] = Field(default_factory=dict)
    see_also: list[Passage] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> "Rule":
        if self.kind == "statute":
            if not self.legal_reference:
                raise ValueError("a statutory rule needs legal_reference")
            if self.authority != STATUTE_AUTHORITY:
                raise ValueError(f"a statutory rule's authority must be {STATUTE_AUTHORITY!r}")
        else:
            if not self.document_id or not self.quote:
                raise ValueError("a local policy rule needs document_id and the verbatim quote it rests on")
        if self.passages and not self.document_id:
            raise ValueError("passages are quotes from the rule's document_id, which is missing")
        return self


@dataclass(frozen=True)
class RuleRequirement:
    """What the engine reads from a rule: periods and named passages."""

    periods: frozenset[str] = frozenset()
    passages: frozenset[str] = frozenset()
    see_also: frozenset[str] = frozenset()  # keys of see_also passages the engine cites by name


@dataclass
class Rulebook:
    """Validated rules with every quote located in the corpus."""

    rules: dict[str, Rule]
    corpus: Corpus
    sources: dict[str, str]  # rule id -> file it came from
    located: dict[tuple[str, str], LocatedPassage] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(f"no rule {rule_id!r} in the rulebook") from None

    def period(self, rule_id: str, name: str) -> Period:
        return self.rule(rule_id).periods[name]

    def passage(self, rule_id: str, key: str = "quote") -> LocatedPassage:
        """The located passage of a rule: "quote", "passage:<name>" or "see_also:<i>"."""
        return self.located[(rule_id, key)]

    def passages_of(self, rule_id: str, keys: list[str] | None = None) -> list[LocatedPassage]:
        """Located passages of a rule: its quote, then named passages, then see-also."""
        rule = self.rule(rule_id)
        if keys is None:
            keys = (["quote"] if rule.quote else []) + [f"passage:{k}" for k in rule.passages]
            keys += [f"see_also:{extra.key or i}" for i, extra in enumerate(rule.see_also)]
        return [self.located[(rule_id, k)] for k in keys]

    def document_status(self, document_id: str | None) -> str | None:
        return self.corpus.by_id(document_id).status if document_id else None

    def superseded_by(self, document_id: str) -> str | None:
        """Id of the document that supersedes ``document_id``, if any."""
        return next((d.id for d in self.corpus.documents if d.supersedes == document_id), None)


def default_rules_dir(settings) -> Path:
    return settings.resolve(settings.corpus_dir) / "rules"


def _read_rule_files(rules_dir: Path, problems: list[str]) -> list[tuple[Path, dict]]:
    files = sorted(list(rules_dir.glob("*.yaml")) + list(rules_dir.glob("*.yml")))
    if not files:
        problems.append(f"{rules_dir}: no rule files (*.yaml)")
    entries: list[tuple[Path, dict]] = []
    for path in files:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path.name}: cannot read: {exc}")
            continue
        items = raw.get("rules") if isinstance(raw, dict) else None
        if not isinstance(items, list):
            problems.append(f"{path.name}: expected a top-level 'rules:' list")
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(f"{path.name}: rule #{i + 1}: expected a mapping")
                continue
            entries.append((path, item))
    return entries


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "rule"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _locate_all(rule: Rule, where: str, corpus: Corpus, texts: DocumentTexts,
                located: dict, problems: list[str]) -> None:
    wanted: list[tuple[str, str, str]] = []  # (key, document id, quote)
    if rule.quote and rule.document_id:
        wanted.append(("quote", rule.document_id, rule.quote))
    for name, quote in rule.passages.items():
        wanted.append((f"passage:{name}", rule.document_id or "", quote))
    for i, extra in enumerate(rule.see_also):
        wanted.append((f"see_also:{extra.key or i}", extra.document_id, extra.quote))
    for key, doc_id, quote in wanted:
        try:
            doc = corpus.by_id(doc_id)
        except KeyError:
            problems.append(f"{where}: {key}: unknown document {doc_id!r} (not in the manifest)")
            continue
        try:
            found = locate_passage(texts, doc, quote)
        except Exception as exc:  # an unreadable document is reported, not raised mid-load
            problems.append(f"{where}: {key}: cannot read document {doc_id!r}: {exc}")
            continue
        if found is None:
            short = quote if len(quote) <= 80 else quote[:77] + "..."
            problems.append(f"{where}: {key}: quote not found in {doc_id!r}: {short!r}")
            continue
        located[(rule.id, key)] = found


def load_rulebook(
    settings,
    rules_dir: Path | None = None,
    texts: DocumentTexts | None = None,
    requirements: Mapping[str, RuleRequirement] | None = None,
) -> Rulebook:
    """Load and validate every rule file; raise ``RulebookError`` listing all problems.

    ``requirements`` (default: what the engine reads, ``assistant.rules.requirements``)
    makes a missing rule, period or passage a start-up error rather than a KeyError
    in the middle of a request.
    """
    rules_dir = rules_dir or default_rules_dir(settings)
    problems: list[str] = []
    try:
        corpus = load_corpus(settings.manifest_path)
    except ManifestError as exc:
        raise RulebookError([str(exc)]) from exc
    if texts is None:
        texts = IngestDocumentTexts(settings)
    if requirements is None:
        from assistant.rules.requirements import ENGINE_REQUIREMENTS

        requirements = ENGINE_REQUIREMENTS

    rules: dict[str, Rule] = {}
    sources: dict[str, str] = {}
    located: dict[tuple[str, str], LocatedPassage] = {}
    authorities = set(corpus.authorities) | {STATUTE_AUTHORITY}
    for path, raw in _read_rule_files(rules_dir, problems):
        ident = raw.get("id", "?")
        where = f"{path.name}: rule {ident!r}"
        try:
            rule = Rule.model_validate(raw)
        except ValidationError as exc:
            problems.append(f"{where}: {_validation_message(exc)}")
            continue
        if rule.id in rules:
            problems.append(f"{where}: duplicate rule id (also in {sources[rule.id]})")
            continue
        if rule.authority not in authorities:
            problems.append(f"{where}: unknown authority {rule.authority!r}; known: {', '.join(sorted(authorities))}")
            continue
        if rule.document_id:
            try:
                doc = corpus.by_id(rule.document_id)
            except KeyError:
                problems.append(f"{where}: unknown document {rule.document_id!r} (not in the manifest)")
                continue
            if doc.authority != rule.authority:
                problems.append(f"{where}: document {doc.id!r} belongs to {doc.authority!r}, not {rule.authority!r}")
                continue
        rules[rule.id] = rule
        sources[rule.id] = path.name
        _locate_all(rule, where, corpus, texts, located, problems)

    for rule_id, need in requirements.items():
        rule = rules.get(rule_id)
        if rule is None:
            if not any(f"rule {rule_id!r}" in p for p in problems):
                problems.append(f"rule {rule_id!r}: required by the engine but not defined in {rules_dir}")
            continue
        where = f"{sources[rule_id]}: rule {rule_id!r}"
        for name in sorted(need.periods - rule.periods.keys()):
            problems.append(f"{where}: missing period {name!r} that the engine reads")
        for name in sorted(need.passages - rule.passages.keys()):
            problems.append(f"{where}: missing passage {name!r} that the engine cites")
        for name in sorted(need.see_also - {x.key for x in rule.see_also if x.key}):
            problems.append(f"{where}: missing see_also passage with key {name!r} that the engine cites")

    if problems:
        raise RulebookError(problems)
    return Rulebook(rules=rules, corpus=corpus, sources=sources, located=located)


_cache: dict[tuple[str, str], Rulebook] = {}
_lock = threading.Lock()


def get_rulebook(settings) -> Rulebook:
    """The validated rulebook for ``settings``' corpus, loaded once per process."""
    key = (str(default_rules_dir(settings)), str(settings.manifest_path))
    with _lock:
        book = _cache.get(key)
        if book is None:
            book = load_rulebook(settings)
            _cache[key] = book
        return book


def clear_rulebook_cache() -> None:
    """Forget loaded rulebooks (after editing rule files in a running process, or in tests)."""
    with _lock:
        _cache.clear()
