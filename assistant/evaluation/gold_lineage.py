"""Gold follows document lineage: each gold passage is looked up in the current version of
its policy, and a passage that changed becomes STALE GOLD with a suggested edit.

A gold passage names the document version it was written against (``document_id``). The
manifest groups every version of one policy into a family; after a policy update (a new
version that supersedes the old one) the passage is looked up in the family's current
version, so the 30-odd unchanged Luton questions keep passing when the assistant rightly
cites ``luton-v57`` instead of ``luton``. Then, per passage:

- ``unchanged``: verbatim in the document it names (which is still the current version);
- ``followed``: verbatim in a newer version of the same family (nothing changed for it);
- ``changed``: the family's current version no longer holds it verbatim: the item is stale
  gold, scored apart and never counted as a regression; it carries a suggested edit (the
  most similar span of the current version, its section, and key facts rewritten where the
  same words changed);
- ``missing document``: neither the document nor its family is in the corpus any more.

Passages marked ``pinned`` (questions about a superseded version on purpose) stay on their
own document.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from assistant.evaluation.gold import GoldItem, locate, normalise_ws
from assistant.evaluation.regression import fingerprint, paragraph_around

FOUND_STATUSES = ("unchanged", "followed")
STALE_STATUSES = ("changed", "missing document")
REPLACE_MIN_SIMILARITY = 0.6  # under it the suggestion is "review": no span of the new text is close enough
SECTION_TEXT_MAX = 2000  # chars of the new section shown with a stale item (the report links the diff)


@dataclass(frozen=True)
class CorpusDocument:
    """What lineage needs of one document: its manifest facts, text and section starts."""

    id: str
    family: str
    status: str
    text: str
    sections: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def section_at(self, offset: int) -> tuple[str, ...]:
        path: tuple[str, ...] = ()
        for start, p in self.sections:
            if start > offset:
                break
            path = tuple(p)
        return path

    def section_span(self, offset: int) -> tuple[int, int]:
        """``[start, end)`` of the section holding ``offset`` (sections as ingest recovered them)."""
        start, end = 0, len(self.text)
        for s, _ in self.sections:
            if s <= offset:
                start = s
            else:
                end = s
                break
        return start, end


def load_corpus_documents(settings) -> dict[str, CorpusDocument]:
    """Every manifest document with its normalised text and sections (the ones citations use)."""
    from assistant.corpus import load_corpus

    corpus = load_corpus(settings.manifest_path)
    try:
        from ingest.documents import get_document
    except ImportError:  # pragma: no cover - the ingest package is part of the project
        get_document = None
    out: dict[str, CorpusDocument] = {}
    for doc in corpus.documents:
        text, sections = None, ()
        if get_document is not None:
            try:
                parsed = get_document(settings, doc.id)
                text, sections = parsed.text, tuple((s, tuple(p)) for s, p in parsed.sections)
            except Exception:  # noqa: BLE001 - an unreadable file is reported as a missing document
                text = None
        if text is None:
            path = corpus.path_of(doc)
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        out[doc.id] = CorpusDocument(doc.id, doc.family_id, doc.status, text, sections)
    return out


def current_of_family(docs: dict[str, CorpusDocument], family: str) -> CorpusDocument | None:
    cur = [d for d in docs.values() if d.family == family and d.status == "current"]
    return cur[0] if len(cur) == 1 else (sorted(cur, key=lambda d: d.id)[-1] if cur else None)


def resolve_passages(items: list[GoldItem], docs: dict[str, CorpusDocument]) -> dict[str, list[dict[str, Any]]]:
    """Per item id, one record per gold passage: where it is looked up, whether it is found,
    and for a changed passage the suggested edit (see the module docstring)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        out[item.id] = [resolve_passage(item, i, docs) for i in range(len(item.gold_passages))]
    return out


def resolve_passage(item: GoldItem, index: int, docs: dict[str, CorpusDocument]) -> dict[str, Any]:
    gp = item.gold_passages[index]
    named = docs.get(gp.document_id)
    family = gp.family or (named.family if named else None)
    if gp.pinned or family is None:
        target = named
    else:
        target = current_of_family(docs, family) or named  # a family with no current version: stay put
    rec: dict[str, Any] = {
        "named_document": gp.document_id,
        "family": family,
        "document_id": target.id if target else gp.document_id,
        "pinned": gp.pinned,
        "text": gp.text,
        "found": False,
        "start": None,
        "end": None,
        "section": None,
        "context": None,
        "status": "missing document",
        "suggestion": None,
    }
    if target is None:
        return rec
    span = locate(target.text, gp.text)
    if span is not None:
        rec.update(
            found=True, start=span[0], end=span[1], section=" > ".join(target.section_at(span[0])),
            context=fingerprint(paragraph_around(target.text, *span)),
            status="unchanged" if target.id == gp.document_id else "followed",
        )
        return rec
    rec["status"] = "changed"
    if named is not None and named.id != target.id:
        old_span = locate(named.text, gp.text)
        if old_span is not None:
            rec["old_section"] = " > ".join(named.section_at(old_span[0]))
    rec["suggestion"] = suggest_edit(gp.text, target, item.key_facts)
    return rec


# ------------------------------------------------------------------------------------------
# the suggested edit
# ------------------------------------------------------------------------------------------
# sentence ends, list items and line breaks: the units a changed passage is searched by
_UNIT_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_WORD = re.compile(r"\w+")


def _units(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _UNIT_END.finditer(text):
        if text[pos : m.start()].strip():
            out.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        out.append((pos, len(text)))
    return out


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def most_similar_span(old: str, text: str) -> tuple[int, int, float] | None:
    """``(start, end, similarity)`` of the span of ``text`` closest to ``old``.

    Windows of as many units (sentences, list items) as the old passage, one more and one
    fewer are ranked by shared words, the best few by character similarity; the winner is
    then trimmed to where it matches the old passage, so a passage that started or ended
    mid-sentence is suggested the same way.
    """
    units = _units(text)
    if not units:
        return None
    old_n = normalise_ws(old)
    want = max(1, len(_units(old)))
    old_words = _words(old_n)
    candidates: list[tuple[float, int, int]] = []
    for size in {max(1, want - 1), want, want + 1}:
        for i in range(len(units) - size + 1):
            a, b = units[i][0], units[i + size - 1][1]
            w = _words(text[a:b])
            if not w:
                continue
            jac = len(old_words & w) / len(old_words | w)
            candidates.append((jac, a, b))
    candidates.sort(reverse=True)
    best: tuple[float, int, int] | None = None
    for _, a, b in candidates[:12]:
        region = text[a:b]
        trimmed = _trim_to_match(old_n, region)
        if trimmed is None:
            continue
        ta, tb = trimmed
        ratio = difflib.SequenceMatcher(None, old_n, normalise_ws(region[ta:tb]), autojunk=False).ratio()
        if best is None or ratio > best[0]:
            best = (ratio, a + ta, a + tb)
    if best is None:
        return None
    return best[1], best[2], round(best[0], 3)


def _trim_to_match(old_n: str, region: str) -> tuple[int, int] | None:
    """The part of ``region`` from the first to the last stretch it shares with ``old_n``,
    widened to whole words."""
    sm = difflib.SequenceMatcher(None, old_n, region, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size >= 4]
    if not blocks:
        return None
    start, end = blocks[0].b, blocks[-1].b + blocks[-1].size
    while start > 0 and region[start - 1].isalnum():
        start -= 1
    while end < len(region) and region[end].isalnum():
        end += 1
    while start < end and region[start].isspace():
        start += 1
    return (start, end) if end > start else None


def _replacements(old: str, new: str) -> list[tuple[str, str]]:
    """Word runs the edit replaced, old -> new ("4" -> "6")."""
    a, b = old.split(), new.split()
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "replace":
            out.append((" ".join(a[i1:i2]), " ".join(b[j1:j2])))
    return out


def _strip_punct(s: str) -> str:
    return s.strip(".,;:()\"'")


def key_fact_edits(key_facts: list[str], old: str, new: str) -> list[dict[str, Any]]:
    """Key facts the old passage stated and the new one does not, with a rewrite when the
    changed words appear literally in the pattern (``within 4 weeks`` -> ``within 6 weeks``)."""
    out = []
    reps = [(_strip_punct(o), _strip_punct(n)) for o, n in _replacements(normalise_ws(old), normalise_ws(new))]
    for fact in key_facts:
        try:
            was = re.search(fact, old, re.IGNORECASE)
            still = re.search(fact, new, re.IGNORECASE)
        except re.error:
            continue
        if not was or still:
            continue
        rewritten = None
        for o, n in reps:
            if o and o in fact:
                cand = fact.replace(o, n)
                try:
                    if re.search(cand, new, re.IGNORECASE):
                        rewritten = cand
                        break
                except re.error:
                    continue
        out.append({"old": fact, "new": rewritten})
    return out


def suggest_edit(old: str, doc: CorpusDocument, key_facts: list[str]) -> dict[str, Any]:
    """The gold edit a QA lead most likely wants for a passage that changed in ``doc``."""
    found = most_similar_span(old, doc.text)
    if found is None:
        return {"action": "review", "document_id": doc.id, "text": None, "similarity": 0.0, "section": None,
                "section_text": None, "key_facts": [{"old": k, "new": None} for k in key_facts], "why": "no similar text"}
    start, end, sim = found
    new = normalise_ws(doc.text[start:end])
    s0, s1 = doc.section_span(start)
    section_text = doc.text[s0:s1].strip()
    action = "replace" if sim >= REPLACE_MIN_SIMILARITY else "review"
    return {
        "action": action,
        "document_id": doc.id,
        "text": new,
        "start": start,
        "end": end,
        "similarity": sim,
        "section": " > ".join(doc.section_at(start)),
        "section_text": section_text[:SECTION_TEXT_MAX] + (" …" if len(section_text) > SECTION_TEXT_MAX else ""),
        "key_facts": key_fact_edits(key_facts, old, new) if action == "replace" else [],
        "why": ("the most similar passage of the current version" if action == "replace" else
                f"nothing in the current version is close (best similarity {sim:.2f}): the passage may have been "
                "removed; rewrite or drop the item"),
    }


def stale_item_ids(records: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [iid for iid, recs in records.items() if any(r["status"] in STALE_STATUSES for r in recs)]
