"""The gold set: schema, loading and the check that every gold passage is still in the corpus.

Gold items live as YAML lists under ``eval/gold/`` (one schema for all files, see
``eval/gold/README.md``). Loading validates each item with pydantic; when the corpus
texts are given as validation context, every gold passage must be found verbatim
(whitespace-normalised) in its document, otherwise validation fails and names the item,
the document and the passage. That is what makes a policy edit that removes a passage
visible instead of silently scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

Kind = Literal[
    "eligibility",
    "timescale",
    "definition",
    "options",
    "process",
    "figures",
    "comparison",
    "version",
    "followup",
    "unanswerable",
    "hostile",
    "rule",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]

RuleEndpoint = Literal["review-schedule", "eligibility/sgo", "eligibility/cao", "private-fostering", "timeline"]

_WS = re.compile(r"\s+")


def normalise_ws(text: str) -> str:
    """Collapse every run of whitespace (NBSP and newlines included) to one space; strip ends."""
    return _WS.sub(" ", text).strip()


def locate(text: str, passage: str) -> tuple[int, int] | None:
    """``[start, end)`` of ``passage`` in ``text`` under whitespace-normalised comparison.

    Offsets are into the ORIGINAL ``text`` (so they can be compared with chunk and
    citation offsets); None when the passage does not occur.
    """
    wanted = normalise_ws(passage)
    if not wanted:
        return None
    chars: list[str] = []
    index: list[int] = []
    in_ws = True  # drop leading whitespace
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_ws:
                chars.append(" ")
                index.append(i)
            in_ws = True
        else:
            chars.append(ch)
            index.append(i)
            in_ws = False
    flat = "".join(chars)
    pos = flat.find(wanted)
    if pos < 0:
        return None
    return index[pos], index[pos + len(wanted) - 1] + 1


class GoldPassage(BaseModel):
    """A verbatim span of one policy that a correct answer must cite.

    ``document_id`` is the version the passage was written against; the passage belongs to
    that document's FAMILY (every version of one policy, from the manifest) and is looked up
    in the family's current version, so a new version of a policy does not make every item
    point at a superseded document. ``family`` names the family explicitly, for a passage
    whose document has left the manifest. ``pinned`` keeps the passage on its own version:
    for questions about a superseded version on purpose ("in the 2021 strategy").
    """

    model_config = ConfigDict(extra="forbid")

    document_id: str
    text: str = Field(min_length=8)
    family: str | None = Field(None, description="Document family; default: the manifest's family of document_id")
    pinned: bool = Field(False, description="Always look the passage up in document_id itself, never a newer version")


class RuleSpec(BaseModel):
    """Which rule to run and the facts to run it on (names as the rules request models use them)."""

    model_config = ConfigDict(extra="forbid")

    endpoint: RuleEndpoint
    facts: dict[str, Any]


# The dev split (eval/gold/*.yaml) may be tuned on; the test split (eval/gold/test/*.yaml) was
# written by people who had not seen the engine and is never tuned on. Both are reported.
Split = Literal["dev", "test"]
SPLIT_DIRS: dict[str, str] = {"dev": ".", "test": "test"}


class GoldItem(BaseModel):
    """One gold question with what a correct answer must contain and cite."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    kind: Kind
    question: str = Field(min_length=2)
    turns: list[str] = Field(default_factory=list, description="Earlier user turns, oldest first")
    authority: str | None = None
    key_facts: list[str] = Field(default_factory=list)
    gold_passages: list[GoldPassage] = Field(default_factory=list)
    must_refuse: bool = False
    rule: RuleSpec | None = None
    expected: dict[str, Any] | None = None
    today: str | None = Field(None, description="ISO date the question is asked on (rule items)")
    notes: str | None = None
    source: str | None = Field(None, description="File the item came from (set by the loader)")
    split: Split = Field("dev", description="dev: tuned on; test: held out, never tuned on (set by the loader)")

    @field_validator("key_facts")
    @classmethod
    def _regexes_compile(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"key fact {p!r} is not a valid regex: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "GoldItem":
        if self.kind in ("unanswerable", "hostile") and not self.must_refuse:
            raise ValueError(f"kind {self.kind} must have must_refuse: true")
        if self.must_refuse and (self.key_facts or self.gold_passages):
            raise ValueError("a must_refuse item has no key_facts or gold_passages")
        if self.kind == "rule" and (self.rule is None or not self.expected):
            raise ValueError("a rule item needs `rule` (endpoint + facts) and `expected`")
        if self.kind != "rule" and (self.rule is not None or self.expected):
            raise ValueError("`rule`/`expected` are only for kind: rule")
        if not self.must_refuse and self.kind != "rule" and not (self.key_facts and self.gold_passages):
            raise ValueError("an answerable item needs key_facts and gold_passages")
        if self.kind == "followup" and not self.turns:
            raise ValueError("a followup item needs the earlier `turns`")
        texts: dict[str, str] | None = (info.context or {}).get("texts") if info.context else None
        if texts is not None:
            for gp in self.gold_passages:
                if gp.document_id not in texts:
                    raise ValueError(f"gold passage names unknown document {gp.document_id!r} "
                                     f"(known: {', '.join(sorted(texts))})")
                if locate(texts[gp.document_id], gp.text) is None:
                    raise ValueError(f"gold passage not found verbatim in {gp.document_id}: {gp.text[:90]!r}")
        return self

    @property
    def document_ids(self) -> list[str]:
        """Documents this item's gold passages come from, in order, each once."""
        return list(dict.fromkeys(gp.document_id for gp in self.gold_passages))

    @property
    def answerable(self) -> bool:
        return not self.must_refuse


class GoldError(ValueError):
    """The gold set is unreadable or invalid; the message names every bad file/item/field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid gold set:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class StalePassage:
    """A gold passage that is no longer in the current corpus text."""

    item_id: str
    document_id: str
    text: str
    reason: str  # "missing document" | "not found"


def _gold_files(gold_dir: Path) -> list[tuple[str, Path]]:
    """(split, file) for every gold file: the folder's own files are dev, ``test/`` holds test."""
    out: list[tuple[str, Path]] = []
    for split, sub in SPLIT_DIRS.items():
        folder = gold_dir / sub
        out += [(split, p) for p in sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml")))]
    return out


def _read_raw(gold_dir: Path) -> tuple[list[tuple[str, dict]], list[str]]:
    problems: list[str] = []
    raw: list[tuple[str, dict]] = []
    files = _gold_files(gold_dir)
    if not files:
        problems.append(f"{gold_dir}: no gold files (*.yaml)")
    for split, path in files:
        name = path.name if split == "dev" else f"{SPLIT_DIRS[split]}/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{name}: cannot read: {exc}")
            continue
        if data is None:
            continue
        if not isinstance(data, list):
            problems.append(f"{name}: expected a list of items, got {type(data).__name__}")
            continue
        for i, entry in enumerate(data):
            if not isinstance(entry, dict):
                problems.append(f"{name}: entry #{i + 1} is not a mapping")
                continue
            # the path under the gold folder (test/ stays distinct) is what `permanence gold
            # fix-stale` edits
            raw.append((path.relative_to(gold_dir).as_posix(), {**entry, "split": split}))
    return raw, problems


def load_gold(
    gold_dir: Path,
    texts: dict[str, str] | None = None,
    *,
    kinds: list[str] | None = None,
) -> list[GoldItem]:
    """Load and validate every gold item under ``gold_dir``.

    ``texts`` (document id -> current normalised text) turns on the verbatim passage check.
    Raises ``GoldError`` listing every problem (file, item id, field, reason); a gold set is
    used whole or not at all, because a partly loaded one would give misleading scores.
    """
    raw, problems = _read_raw(gold_dir)
    items: list[GoldItem] = []
    seen: dict[str, str] = {}
    for fname, entry in raw:
        ident = entry.get("id", "?")
        try:
            item = GoldItem.model_validate({**entry, "source": fname}, context={"texts": texts} if texts is not None else None)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "item"
                problems.append(f"{fname}: item {ident}: {loc}: {err['msg']}")
            continue
        if item.id in seen:
            problems.append(f"{fname}: item {item.id}: duplicate id (also in {seen[item.id]})")
            continue
        seen[item.id] = fname
        items.append(item)
    if problems:
        raise GoldError(problems)
    if kinds:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise GoldError([f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}"])
        items = [it for it in items if it.kind in kinds]
    return items


def stale_passages(items: list[GoldItem], texts: dict[str, str]) -> list[StalePassage]:
    """Gold passages not found (whitespace-normalised) in the given corpus texts."""
    out: list[StalePassage] = []
    for item in items:
        for gp in item.gold_passages:
            if gp.document_id not in texts:
                out.append(StalePassage(item.id, gp.document_id, gp.text, "missing document"))
            elif locate(texts[gp.document_id], gp.text) is None:
                out.append(StalePassage(item.id, gp.document_id, gp.text, "not found"))
    return out


def corpus_texts(settings) -> dict[str, str]:
    """Current text of every manifest document, keyed by document id.

    Uses the ingest package's normalised text (the one chunk and citation offsets refer
    to) when it is available, else the raw file text; passages are compared
    whitespace-normalised either way.
    """
    from assistant.corpus import load_corpus

    corpus = load_corpus(settings.manifest_path)
    loader = None
    try:  # the shared contract: ingest.documents.load_document_text(settings, document_id)
        from ingest.documents import load_document_text as loader  # type: ignore[no-redef]
    except ImportError:
        loader = None
    texts: dict[str, str] = {}
    for doc in corpus.documents:
        text = None
        if loader is not None:
            try:
                text = loader(settings, doc.id)
            except Exception:  # noqa: BLE001 - fall back to the file; the check still runs
                text = None
        if text is None:
            path = corpus.path_of(doc)
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        texts[doc.id] = text
    return texts
