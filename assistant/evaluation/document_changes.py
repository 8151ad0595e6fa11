"""Which policies changed since a baseline run, with their section diff.

Every run keeps a snapshot of the documents it was scored against (``documents.json.gz`` in
the run folder: text and section starts, the text citations' offsets refer to) and a short
record per document in ``run.json`` (family, status, sha-256). Comparing two runs per
FAMILY (every version of one policy) shows both a new version that supersedes the old one
(``luton`` -> ``luton-v57``) and a document edited in place, with the same section-by-section
diff as ``permanence diff-versions``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

from assistant.evaluation.gold_lineage import CorpusDocument, current_of_family
from assistant.evaluation.version_diff import diff_sections, sections_of

SNAPSHOT = "documents.json.gz"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_records(docs: dict[str, CorpusDocument]) -> dict[str, dict[str, Any]]:
    return {d.id: {"family": d.family, "status": d.status, "sha256": sha(d.text), "chars": len(d.text)}
            for d in docs.values()}


def write_snapshot(run_dir: Path, docs: dict[str, CorpusDocument]) -> None:
    payload = {d.id: {"family": d.family, "status": d.status, "text": d.text,
                      "sections": [[s, list(p)] for s, p in d.sections]} for d in docs.values()}
    with gzip.open(run_dir / SNAPSHOT, "wt", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)


def read_snapshot(run_dir: Path) -> dict[str, CorpusDocument]:
    """The documents a run was scored against; empty for a run written before snapshots."""
    path = run_dir / SNAPSHOT
    if not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        raw = json.load(fh)
    return {i: CorpusDocument(i, d["family"], d["status"], d["text"], tuple((s, tuple(p)) for s, p in d["sections"]))
            for i, d in raw.items()}


def section_diff(old: CorpusDocument, new: CorpusDocument) -> dict[str, Any]:
    d = diff_sections(sections_of(old.text, list(old.sections)), sections_of(new.text, list(new.sections)), old.id, new.id)
    return d.to_dict()


def changed_documents(
    previous: dict[str, dict[str, Any]],
    previous_docs: dict[str, CorpusDocument],
    docs: dict[str, CorpusDocument],
) -> list[dict[str, Any]]:
    """Per family whose current version is not the one the baseline scored: old and new ids,
    and the section diff when the old text is known (snapshot, or still in the corpus)."""
    out: list[dict[str, Any]] = []
    families = sorted({r["family"] for r in previous.values()} | {d.family for d in docs.values()})
    for fam in families:
        before = [i for i, r in previous.items() if r["family"] == fam and r["status"] == "current"]
        old_id = before[0] if before else None
        now = current_of_family(docs, fam)
        new_id = now.id if now else None
        if old_id == new_id and (now is None or previous[old_id]["sha256"] == sha(now.text)):
            continue
        entry: dict[str, Any] = {"family": fam, "old": old_id, "new": new_id, "diff": None}
        if old_id is None:
            entry["change"] = "new policy"
        elif new_id is None:
            entry["change"] = "no current version any more"
        else:
            entry["change"] = "edited in place" if old_id == new_id else "new version"
            old = previous_docs.get(old_id) or (docs.get(old_id) if old_id != new_id else None)
            if old is not None:
                entry["diff"] = section_diff(old, now)
            else:
                entry["note"] = "the baseline run kept no copy of the old text: run `permanence diff-versions`"
        out.append(entry)
    return out
