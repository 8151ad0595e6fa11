"""Rules as data: load ``policies_corpus/rules/*.yaml``, validate, bind, find every quote.

A rule names its authority ("England" for statute), the document family and the
verbatim passage it rests on (a statutory rule: its legal reference), and the periods
and timescale or applicant list the generic evaluators read. Loading binds each council
rule to the family's current version (``rule_lineage``) and fails with a
``RulebookError`` listing every problem, each naming the file, the rule and the field:
a quote found in no version, an unknown family, a rule no evaluator computes, a period
or anchor a timescale reads but nothing defines. Nothing is half-loaded.

A rule whose passage is no longer verbatim in the current version (but is in an older
one) is not an error: the policy changed and the rule was not updated. It is loaded as
*stale* (``Rulebook.stale``): start-up logs it, ``/rules/status`` and the eval report
name it, and its answers quote the new passage instead of computing with the old value.

``get_rulebook(settings)`` loads once per corpus folder and process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml
from pydantic import ValidationError

from assistant.corpus import Corpus, ManifestError, load_corpus
from assistant.rules.citations import DocumentTexts, IngestDocumentTexts, LocatedPassage
from assistant.rules.rule_checks import check_evaluable
from assistant.rules.rule_lineage import StaleRule, bind_rule
from assistant.rules.rule_schema import STATUTE_AUTHORITY, Passage, Period, PeriodUnit, Rule  # noqa: F401 - re-exported

log = logging.getLogger(__name__)


class RulebookError(ValueError):
    """The rule files are invalid; ``problems`` names each file, rule and reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid rulebook:\n  - " + "\n  - ".join(problems))


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
    stale: dict[str, StaleRule] = field(default_factory=dict)  # rule id -> what changed

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
        return [self.located[(rule_id, k)] for k in keys if (rule_id, k) in self.located]

    def evaluated(self, kind: str, **match) -> list[Rule]:
        """Rules with a ``timescale`` or ``applicants`` block (``kind``), in file order."""
        out = [r for r in self.rules.values() if getattr(r, kind) is not None]
        for name, value in match.items():
            out = [r for r in out if getattr(getattr(r, kind), name) == value]
        return out

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


def load_rulebook(
    settings,
    rules_dir: Path | None = None,
    texts: DocumentTexts | None = None,
    requirements: Mapping[str, RuleRequirement] | None = None,
) -> Rulebook:
    """Load, validate and bind every rule file; raise ``RulebookError`` listing all problems.

    ``requirements`` (default ``assistant.rules.requirements``) names the statutory rules
    the statute's own modules compute and what they read; every other rule must carry a
    ``timescale`` or ``applicants`` block the generic evaluators compute.
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
    stale: dict[str, StaleRule] = {}
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
        before = len(problems)
        bound = bind_rule(rule, where, corpus, texts, located, stale, problems)
        if bound is None or len(problems) > before:
            continue
        rules[rule.id] = bound
        sources[rule.id] = path.name

    problems += check_evaluable(rules, sources, requirements, rules_dir)
    if problems:
        raise RulebookError(problems)
    for item in stale.values():
        log.warning("stale rule: %s", item.message())
    return Rulebook(rules=rules, corpus=corpus, sources=sources, located=located, stale=stale)


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
