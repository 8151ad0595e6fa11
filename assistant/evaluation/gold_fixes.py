"""``permanence gold fix-stale RUN``: write a run's suggested gold edits into the gold files.

The edits are made in the YAML text, line by line, rather than by loading and dumping the
files: a dump would reorder keys, re-quote every string and drop the comments, and the QA
lead reviews the result as a diff (``git diff eval/gold``), which must show only the edit.
Each edited item is loaded back and checked (new passage text, document id and key facts);
an item that cannot be edited safely is left untouched and named for a hand edit, as is any
passage whose suggestion is "review" (nothing similar in the new version).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.evaluation.gold import normalise_ws


class FixStaleError(ValueError):
    """The run folder cannot be read (names the file and the reason)."""


@dataclass
class FixReport:
    edited: dict[str, list[str]] = field(default_factory=dict)  # file -> item ids
    by_hand: list[tuple[str, str]] = field(default_factory=list)  # (item id, why)

    @property
    def ok(self) -> bool:
        return not self.by_hand


def _item_block(lines: list[str], item_id: str) -> tuple[int, int] | None:
    head = re.compile(r"^-\s+id:\s*['\"]?" + re.escape(item_id) + r"['\"]?\s*(#.*)?$")
    start = next((i for i, ln in enumerate(lines) if head.match(ln)), None)
    if start is None:
        return None
    end = next((j for j in range(start + 1, len(lines)) if lines[j].startswith("- ")), len(lines))
    return start, end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _scalar_lines(lines: list[str], i: int, end: int) -> int:
    """Index after the key on line ``i`` and its continuation lines (a multi-line scalar)."""
    base = _indent(lines[i])
    j = i + 1
    while j < end and lines[j].strip() and _indent(lines[j]) > base and not re.match(r"^\s*(- )?[\w_]+:\s", lines[j]):
        j += 1
    return j


def _value(lines: list[str], i: int, j: int, key: str) -> Any:
    text = "\n".join(lines[i:j]).strip()
    text = text[2:] if text.startswith("- ") else text
    try:
        return (yaml.safe_load(text) or {}).get(key)
    except yaml.YAMLError:
        return None


def _quote(s: str) -> str:
    # a JSON string is a valid YAML double-quoted scalar
    return json.dumps(s, ensure_ascii=False)


def _edit_passage(lines: list[str], start: int, end: int, old: str, old_doc: str, new: str, new_doc: str) -> bool:
    for i in range(start, end):
        stripped = lines[i].lstrip()
        if not (stripped.startswith("text:") or stripped.startswith("- text:")):
            continue
        j = _scalar_lines(lines, i, end)
        if normalise_ws(str(_value(lines, i, j, "text") or "")) != normalise_ws(old):
            continue
        prefix = lines[i][: len(lines[i]) - len(stripped)] + ("- " if stripped.startswith("- ") else "")
        lines[i:j] = [f"{prefix}text: {_quote(new)}"]
        # the document_id of the same list entry: from its "- " marker to the next marker or
        # the next key of the item itself
        lo = i
        while lo > start and not lines[lo].lstrip().startswith("- "):
            lo -= 1
        marker = _indent(lines[lo])
        hi = lo + 1
        while hi < len(lines) and hi < end and lines[hi].strip() and not lines[hi].lstrip().startswith("- ") \
                and _indent(lines[hi]) > marker:
            hi += 1
        for k in range(lo, hi):
            m = re.match(r"^(\s*(?:- )?document_id:\s*)(['\"]?)([^'\"#\s]+)\2(\s*(#.*)?)$", lines[k])
            if m and m.group(3) == old_doc:
                lines[k] = f"{m.group(1)}{new_doc}{m.group(4)}"
        return True
    return False


def _yaml_single(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _edit_key_fact(lines: list[str], start: int, end: int, old: str, new: str) -> bool:
    """Rewrite one key fact, quoted ('..' or "..", flow or block list) or a plain block entry."""
    forms = [(_yaml_single(old), _yaml_single(new)), (_quote(old), _quote(new))]
    plain = re.compile(r"^(\s*-\s+)" + re.escape(old) + r"(\s*)$")
    for i in range(start, end):
        for a, b in forms:
            if a in lines[i]:
                lines[i] = lines[i].replace(a, b, 1)
                return True
        m = plain.match(lines[i])
        if m:
            lines[i] = f"{m.group(1)}{_yaml_single(new)}{m.group(2)}"
            return True
    return False


def _check(text: str, item_id: str, passages: list[tuple[str, str]], facts: list[tuple[str, str]]) -> str | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return f"the edit would not parse: {exc}"
    item = next((e for e in data or [] if isinstance(e, dict) and e.get("id") == item_id), None)
    if item is None:
        return "item not found after the edit"
    got = {(gp.get("document_id"), normalise_ws(gp.get("text", ""))) for gp in item.get("gold_passages") or []}
    for doc, new in passages:
        if (doc, normalise_ws(new)) not in got:
            return "the new passage did not land"
    for old, new in facts:
        if new not in (item.get("key_facts") or []) or old in (item.get("key_facts") or []):
            return f"key fact {old!r} was not rewritten"
    return None


def fix_stale(run_dir: Path, gold_dir: Path) -> FixReport:
    """Apply the run's suggested edits to the gold files under ``gold_dir``."""
    path = run_dir / "run.json" if run_dir.is_dir() else run_dir
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FixStaleError(f"{path}: cannot read the run: {exc}") from exc
    if not isinstance(data, dict) or "stale" not in data:
        raise FixStaleError(f"{path}: not an evaluation run (no 'stale' list)")
    report = FixReport()
    files: dict[Path, list[str]] = {}
    for st in data["stale"]:
        iid, source = st.get("id"), st.get("source")
        recs = st.get("passages") or []
        if not source:
            report.by_hand.append((iid, "the run does not name the item's gold file (a run from before lineage)"))
            continue
        gold_file = (gold_dir / source).resolve()
        if gold_dir.resolve() not in gold_file.parents or not gold_file.exists():
            report.by_hand.append((iid, f"gold file {source} not found under {gold_dir}"))
            continue
        lines = files.setdefault(gold_file, gold_file.read_text(encoding="utf-8").split("\n"))
        block = _item_block(lines, iid)
        if block is None:
            report.by_hand.append((iid, f"item not found in {source}"))
            continue
        todo = [r for r in recs if (r.get("suggestion") or {}).get("action") == "replace"]
        if len(todo) < len(recs):
            why = next(((r.get("suggestion") or {}).get("why") or r.get("status")) for r in recs if r not in todo)
            report.by_hand.append((iid, f"no safe suggestion for a passage: {why}"))
            if not todo:
                continue
        trial = list(lines)
        start, end = block
        ok = True
        passages, facts = [], []
        for r in todo:
            sug = r["suggestion"]
            ok &= _edit_passage(trial, start, end, r["text"], r["named_document"], sug["text"], sug["document_id"])
            passages.append((sug["document_id"], sug["text"]))
            start, end = _item_block(trial, iid) or (start, end)
            for k in sug.get("key_facts") or []:
                if k.get("new") and (k["old"], k["new"]) not in facts:
                    if _edit_key_fact(trial, start, end, k["old"], k["new"]):
                        facts.append((k["old"], k["new"]))
                    else:
                        report.by_hand.append((iid, f"key fact {k['old']!r} -> {k['new']!r}: not found as written"))
                elif not k.get("new"):
                    report.by_hand.append((iid, f"key fact {k['old']!r} is no longer stated: rewrite it by hand"))
        problem = None if ok else "the passage text was not found in the file as the run recorded it"
        problem = problem or _check("\n".join(trial), iid, passages, facts)
        if problem:
            report.by_hand.append((iid, problem))
            continue
        lines[:] = trial
        report.edited.setdefault(str(gold_file.relative_to(gold_dir.resolve())), []).append(iid)
    for gold_file, lines in files.items():
        new_text = "\n".join(lines)
        if new_text != gold_file.read_text(encoding="utf-8"):
            gold_file.write_text(new_text, encoding="utf-8")
    return report
