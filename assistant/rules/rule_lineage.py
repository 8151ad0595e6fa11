"""Bind each council rule to the version of its document in force, and notice when it changed.

A rule names its document *family*; it is evaluated against the family's current
version. Values that differ between versions live under ``versions: {<document id>:
{quote, passages, periods}}`` and the one for the version in force is used
(OpenFisca-style: every value keeps the version it comes from). A rule may instead
pin ``version:`` to describe what one (superseded) document said.

When a new version is ingested and the rule has no values for it:

- its passages are still verbatim in the new version: the rule moves there silently;
- its quote is only in an older version: the policy changed under the rule. The rule
  is *stale*: it is loaded, the old passage and the most similar passage of the new
  version's matching section are recorded, and its answers quote the new passage
  instead of computing with the old number;
- its quote is in no version: a start-up error, as for any quote not in the corpus.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from assistant.corpus import Corpus
from assistant.models import DocumentMeta
from assistant.rules.citations import DocumentTexts, LocatedPassage, locate_passage
from assistant.rules.rule_schema import Rule

# a sentence ends at . ! ? ; after a word, or at a line break (list items, headings)
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]'\"\u201d\u2019][.!?;])\s+(?=\S)|\n+")


@dataclass(frozen=True)
class StaleRule:
    """A rule whose passage is no longer in the current version of its document."""

    rule_id: str
    source: str  # "file: rule 'id'"
    old: LocatedPassage
    new: LocatedPassage | None  # the most similar passage of the current version, if any
    current_document_id: str

    def message(self) -> str:
        new = f"; the current version now says: {self.new.quote!r}" if self.new else ""
        return (f"{self.source}: its passage is no longer in the current version {self.current_document_id!r} "
                f"(it was in {self.old.document_id!r}: {self.old.quote!r}){new}. Update the rule: add a "
                f"'versions: {{{self.current_document_id}: ...}}' entry with the new quote and values.")

    def as_dict(self) -> dict:
        return {"rule_id": self.rule_id, "current_document_id": self.current_document_id,
                "old_document_id": self.old.document_id, "old_passage": self.old.quote,
                "new_passage": self.new.quote if self.new else None, "message": self.message()}


def _last_heading(texts: DocumentTexts, doc_id: str, offset: int) -> str:
    path = texts.section_path_at(doc_id, offset)
    return re.sub(r"[^\w]+", " ", path[-1].lower()).strip() if path else ""


def closest_passage(texts: DocumentTexts, old: LocatedPassage, doc: DocumentMeta) -> LocatedPassage | None:
    """The sentence of ``doc`` most like ``old``, preferring the section with the same heading
    (what the section diff would pair with the old passage's section)."""
    text = texts.text(doc.id)
    heading = _last_heading(texts, old.document_id, old.start)
    best: tuple[float, int, int] | None = None
    pos = 0
    for part in _SENTENCE_END.split(text):
        start = text.find(part, pos)
        pos = start + len(part)
        if len(part.strip()) < 10:
            continue
        score = difflib.SequenceMatcher(None, old.quote.lower(), part.lower()).ratio()
        if heading and _last_heading(texts, doc.id, start) == heading:
            score += 0.1
        if best is None or score > best[0]:
            best = (score, start, pos)
    if best is None or best[0] < 0.5:
        return None
    return locate_passage(texts, doc, text[best[1]:best[2]].strip())


def _find(texts: DocumentTexts, doc: DocumentMeta, quote: str, where: str, key: str,
          problems: list[str]) -> LocatedPassage | None:
    try:
        return locate_passage(texts, doc, quote)
    except Exception as exc:  # an unreadable document is reported, not raised mid-load
        problems.append(f"{where}: {key}: cannot read document {doc.id!r}: {exc}")
        return None


def _not_found(where: str, key: str, doc_id: str, quote: str) -> str:
    short = quote if len(quote) <= 80 else quote[:77] + "..."
    return f"{where}: {key}: quote not found in {doc_id!r}: {short!r}"


def _bound_document(rule: Rule, where: str, corpus: Corpus, problems: list[str]) -> DocumentMeta | None:
    versions = corpus.family_versions(rule.family or "")
    if not versions:
        problems.append(f"{where}: family: unknown document family {rule.family!r} (not in the manifest)")
        return None
    if versions[0].authority != rule.authority:
        problems.append(f"{where}: family: {rule.family!r} belongs to {versions[0].authority!r}, not {rule.authority!r}")
        return None
    ids = {d.id for d in versions}
    for doc_id in [*rule.versions, *([rule.version] if rule.version else [])]:
        if doc_id not in ids:
            problems.append(f"{where}: versions: {doc_id!r} is not a version of {rule.family!r} "
                            f"(versions: {', '.join(sorted(ids))})")
            return None
    if rule.version:
        return corpus.by_id(rule.version)
    current = corpus.current_of_family(rule.family or "")
    if current is None:
        problems.append(f"{where}: family: {rule.family!r} has no current version")
    return current


def _in_force(rule: Rule, doc: DocumentMeta) -> Rule:
    values = rule.versions.get(doc.id)
    if values is None:
        return rule.model_copy(update={"document_id": doc.id})
    return rule.model_copy(update={
        "document_id": doc.id,
        "quote": values.quote or rule.quote,
        "passages": {**rule.passages, **values.passages},
        "periods": {**rule.periods, **values.periods},
    })


def bind_rule(rule: Rule, where: str, corpus: Corpus, texts: DocumentTexts, located: dict,
              stale: dict, problems: list[str]) -> Rule | None:
    """The rule with the values in force and ``document_id`` set; every passage located."""
    for i, extra in enumerate(rule.see_also):
        key = f"see_also:{extra.key or i}"
        try:
            doc = corpus.by_id(extra.document_id)
        except KeyError:
            problems.append(f"{where}: {key}: unknown document {extra.document_id!r} (not in the manifest)")
            continue
        current = corpus.current_of_family(doc.family_id) if doc.status != "current" else doc
        found = _find(texts, current or doc, extra.quote, where, key, problems)
        if found is not None:
            located[(rule.id, key)] = found  # follows the lineage: cited in the version in force
        elif current is not None and current.id != doc.id:
            continue  # the council no longer says it: no longer cited (never a superseded line)
        else:
            problems.append(_not_found(where, key, doc.id, extra.quote))
    if rule.kind == "statute":
        return rule
    doc = _bound_document(rule, where, corpus, problems)
    if doc is None:
        return None
    bound = _in_force(rule, doc)
    # every version's own values are checked too: any of them may be shown
    for doc_id, values in rule.versions.items():
        if doc_id != doc.id:
            for name, quote in ([("quote", values.quote)] if values.quote else []) + list(values.passages.items()):
                if _find(texts, corpus.by_id(doc_id), quote, where, f"versions.{doc_id}.{name}", problems) is None:
                    problems.append(_not_found(where, f"versions.{doc_id}.{name}", doc_id, quote))
    if rule.quote and doc.id in rule.versions and rule.versions[doc.id].quote:
        # the base values belong to an older version: their quote must still be in one of them
        if not any(_find(texts, v, rule.quote, where, "quote", problems) for v in corpus.family_versions(rule.family or "")):
            problems.append(_not_found(where, "quote", rule.family or "", rule.quote))
    quote_at = _find(texts, doc, bound.quote or "", where, "quote", problems)
    home = doc
    if quote_at is None and not rule.version and doc.id not in rule.versions:
        for older in corpus.family_versions(rule.family or "")[1:]:
            quote_at = _find(texts, older, bound.quote or "", where, "quote", problems)
            if quote_at is not None:
                home = older
                stale[rule.id] = StaleRule(rule.id, where, quote_at, closest_passage(texts, quote_at, doc), doc.id)
                break
    if quote_at is None:
        problems.append(_not_found(where, "quote", doc.id, bound.quote or ""))
        return None
    located[(rule.id, "quote")] = quote_at
    if rule.id in stale and stale[rule.id].new is not None:
        located[(rule.id, "new_passage")] = stale[rule.id].new
    for name, quote in bound.passages.items():
        found = _find(texts, home, quote, where, f"passage:{name}", problems)
        if found is None and rule.id not in stale:
            problems.append(_not_found(where, f"passage:{name}", home.id, quote))
        elif found is not None:
            located[(rule.id, f"passage:{name}")] = found
    return bound
