"""Start-up checks that every rule is computed, and that what it reads exists.

A YAML rule that no evaluator computes would load, validate and never answer (the
failure rules-as-code projects report as "a parameter silently ignored"). So every rule
is either a statutory rule the statute's modules compute (``requirements.py``) or has a
``timescale`` or ``applicants`` block; and every period, passage, anchor and fact those
blocks name must exist. Each problem names the file, the rule and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from assistant.rules.facts import TimelineFacts
from assistant.rules.rule_schema import FACT_ANCHORS, Rule

_REVIEW = re.compile(r"^review_[1-9]\d*$")
_ROUTE_PERIODS = {"lived_with_years": ("period", "window_begin"), "foster_carer_year": ("period",)}


def _timescale_problems(rule: Rule, date_keys: set[str]) -> list[str]:
    t = rule.timescale
    assert t is not None
    out: list[str] = []
    own: set[str] = set()
    facts = set(TimelineFacts.model_fields)
    # a number in a title or label would not change with the periods (the "every 4 weeks" bug)
    for at, text in [("title", rule.title), *((f"timescale.dates[{i}].label", d.label) for i, d in enumerate(t.dates)),
                     *([("timescale.repeat.label", t.repeat.label)] if t.repeat else [])]:
        if re.search(r"\d", text):
            out.append(f"{at}: {text!r} states a number; numbers are rendered from the rule's periods")

    def anchor_ok(name: str) -> bool:
        return name in FACT_ANCHORS or bool(_REVIEW.match(name)) or name in own or name in date_keys

    for i, spec in enumerate(t.dates):
        at = f"timescale.dates[{i}]"
        for field in ("period", "end_period"):
            name = getattr(spec, field)
            if name and name not in rule.periods:
                out.append(f"{at}.{field}: {name!r} is not one of the rule's periods ({', '.join(rule.periods) or 'none'})")
        if not anchor_ok(spec.anchor):
            out.append(f"{at}.anchor: {spec.anchor!r} is not looked_after, placement, proceedings_issued, "
                       f"review_<n> or a date another rule computes")
        if spec.held_fact and spec.held_fact not in facts:
            out.append(f"{at}.held_fact: {spec.held_fact!r} is not a timeline fact")
        own.add(spec.key)
    if t.repeat:
        if t.repeat.period not in rule.periods:
            out.append(f"timescale.repeat.period: {t.repeat.period!r} is not one of the rule's periods")
        for field in ("held_fact", "until_fact"):
            name = getattr(t.repeat, field)
            if name and name not in facts:
                out.append(f"timescale.repeat.{field}: {name!r} is not a timeline fact")
    if t.extend:
        if t.extend.max_period not in rule.periods:
            out.append(f"timescale.extend.max_period: {t.extend.max_period!r} is not one of the rule's periods")
        if t.extend.fact not in facts:
            out.append(f"timescale.extend.fact: {t.extend.fact!r} is not a timeline fact")
    if t.compare_with and not anchor_ok(t.compare_with):
        out.append(f"timescale.compare_with: {t.compare_with!r} is not an anchor")
    for name in t.applies_if:
        if name not in facts:
            out.append(f"timescale.applies_if: {name!r} is not a timeline fact")
    return out


def _applicants_problems(rule: Rule) -> list[str]:
    a = rule.applicants
    assert a is not None
    out: list[str] = []
    if a.parent_excluded and a.parent_excluded not in rule.passages:
        out.append(f"applicants.parent_excluded: passage {a.parent_excluded!r} is not one of the rule's passages")
    for i, spec in enumerate(a.routes):
        at = f"applicants.routes[{i}]"
        if spec.passage not in rule.passages:
            out.append(f"{at}.passage: {spec.passage!r} is not one of the rule's passages")
        for field in _ROUTE_PERIODS.get(spec.route, ()):
            if not getattr(spec, field):
                out.append(f"{at}.{field}: route {spec.route!r} needs it")
        for field in ("period", "window_begin", "window_end"):
            name = getattr(spec, field)
            if name and name not in rule.periods:
                out.append(f"{at}.{field}: {name!r} is not one of the rule's periods")
        if spec.route == "la_consent" and not spec.condition:
            out.append(f"{at}.condition: route 'la_consent' needs care_order or looked_after")
    return out


def _cycles(rules: Mapping[str, Rule]) -> list[str]:
    """Rules that count, through other rules' dates, from their own: they could never be computed."""
    timed = {i: r for i, r in rules.items() if r.timescale}
    producer = {d.key: i for i, r in timed.items() for d in r.timescale.dates}  # type: ignore[union-attr]
    needs = {i: {producer[d.anchor] for d in r.timescale.dates if producer.get(d.anchor, i) != i}  # type: ignore[union-attr]
             for i, r in timed.items()}
    out = []
    for start in timed:
        seen, todo = set(), list(needs[start])
        while todo:
            cur = todo.pop()
            if cur == start:
                out.append(start)
                break
            if cur not in seen:
                seen.add(cur)
                todo += needs[cur]
    return out


def check_evaluable(rules: Mapping[str, Rule], sources: Mapping[str, str], requirements: Mapping,
                    rules_dir: Path) -> list[str]:
    problems: list[str] = []
    date_keys = {d.key for r in rules.values() if r.timescale for d in r.timescale.dates}
    for rule_id, need in requirements.items():
        rule = rules.get(rule_id)
        if rule is None:
            problems.append(f"rule {rule_id!r}: required by the engine but not defined in {rules_dir}")
            continue
        where = f"{sources[rule_id]}: rule {rule_id!r}"
        for name in sorted(need.periods - rule.periods.keys()):
            problems.append(f"{where}: missing period {name!r} that the engine reads")
        for name in sorted(need.passages - rule.passages.keys()):
            problems.append(f"{where}: missing passage {name!r} that the engine cites")
        for name in sorted(need.see_also - {x.key for x in rule.see_also if x.key}):
            problems.append(f"{where}: missing see_also passage with key {name!r} that the engine cites")
    for rule_id, rule in rules.items():
        where = f"{sources[rule_id]}: rule {rule_id!r}"
        if rule.timescale:
            problems += [f"{where}: {p}" for p in _timescale_problems(rule, date_keys)]
        elif rule.applicants:
            problems += [f"{where}: {p}" for p in _applicants_problems(rule)]
        elif rule.definition:
            if rule.definition.period not in rule.periods:
                problems.append(f"{where}: definition.period: {rule.definition.period!r} is not one of the rule's periods")
        elif rule_id not in requirements:
            problems.append(f"{where}: no evaluator computes this rule: give it a 'timescale', an "
                            f"'applicants' or a 'definition' block")
    for rule_id in _cycles(rules):
        problems.append(f"{sources[rule_id]}: rule {rule_id!r}: timescale.dates: its anchors lead back to its own "
                        f"dates through other rules, so it can never be computed")
    return problems
