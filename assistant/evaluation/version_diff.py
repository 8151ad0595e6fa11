"""Section-by-section diff of two versions of a policy (``permanence diff-versions A B``).

Each document is cut into sections at the headings the ingest structure recovered (the
same section paths citations show). Sections are matched by normalised title: first the
whole path, then the last heading alone, then fuzzily (numbering, case, punctuation and
small rewordings ignored, e.g. "4. Delivering Permanence" ~ "Planning for Permanence" does
NOT match but "i. Identifying the Best Permanence Option" ~ "Identifying the Best
Permanence Option" does). The result lists sections added, removed and changed, each
changed one with a unified diff of its text, one sentence per line so that a changed
timescale shows as one line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

FUZZY_MIN = 0.82  # title similarity needed for a fuzzy match (difflib ratio)

# a sentence ends at . ! ? ; after a word (not after a list number like "1.")
_SENTENCE_SPLIT = re.compile(r"(?<=[a-z0-9)\]'\"\u201d\u2019][.!?;])\s+(?=\S)")
_NUMBERING = re.compile(r"^\s*(?:(?:\d+(?:\.\d+)*|[ivxlc]+|[a-z])[.)]?\s+)", re.IGNORECASE)


def normalise_title(title: str) -> str:
    """'5.4 Special Guardianship Orders (SGOs)' -> 'special guardianship orders sgos'."""
    t = _NUMBERING.sub("", title.strip())
    t = t.replace("’", "'").replace("&", " and ")
    t = re.sub(r"[^\w\s]", " ", t.lower())
    return re.sub(r"\s+", " ", t).strip()


@dataclass
class Section:
    path: tuple[str, ...]
    text: str
    start: int

    @property
    def title(self) -> str:
        return self.path[-1] if self.path else "(before the first heading)"

    @property
    def key(self) -> str:
        return " > ".join(normalise_title(p) for p in self.path)


@dataclass
class SectionChange:
    title_a: str
    title_b: str
    path_b: str
    similarity: float
    diff: str
    match: str  # path | title | fuzzy


@dataclass
class VersionDiff:
    doc_a: str
    doc_b: str
    added: list[Section] = field(default_factory=list)
    removed: list[Section] = field(default_factory=list)
    changed: list[SectionChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "doc_a": self.doc_a,
            "doc_b": self.doc_b,
            "added": [{"section": " > ".join(s.path), "chars": len(s.text)} for s in self.added],
            "removed": [{"section": " > ".join(s.path), "chars": len(s.text)} for s in self.removed],
            "changed": [c.__dict__ for c in self.changed],
            "unchanged": self.unchanged,
        }


def sections_of(text: str, sections: list[tuple[int, tuple[str, ...]]]) -> list[Section]:
    """Cut ``text`` at the section starts; consecutive pieces with the same path are merged."""
    marks = sorted(sections)
    if not marks or marks[0][0] > 0:
        marks = [(0, ())] + marks
    out: list[Section] = []
    for i, (start, path) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        piece = text[start:end]
        if not piece.strip():
            continue
        if out and out[-1].path == tuple(path):
            out[-1].text += piece
        else:
            out.append(Section(tuple(path), piece, start))
    return out


def _lines(text: str) -> list[str]:
    """One sentence (or list item) per line, whitespace normalised: diffs by sentence."""
    out: list[str] = []
    for para in text.splitlines():
        para = re.sub(r"\s+", " ", para).strip()
        if not para:
            continue
        out.extend(s for s in _SENTENCE_SPLIT.split(para) if s)
    return out


def _norm_body(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def diff_sections(a: list[Section], b: list[Section], name_a: str = "A", name_b: str = "B") -> VersionDiff:
    result = VersionDiff(doc_a=name_a, doc_b=name_b)
    left = list(a)
    right = list(b)
    pairs: list[tuple[Section, Section, str, float]] = []

    def take(match_fn, how: str) -> None:
        for sb in list(right):
            best, best_score = None, 0.0
            for sa in left:
                score = match_fn(sa, sb)
                if score > best_score:
                    best, best_score = sa, score
            if best is not None:
                pairs.append((best, sb, how, best_score))
                left.remove(best)
                right.remove(sb)

    take(lambda x, y: 1.0 if x.key == y.key else 0.0, "path")
    take(lambda x, y: 1.0 if normalise_title(x.title) == normalise_title(y.title) else 0.0, "title")

    def fuzzy(x: Section, y: Section) -> float:
        tx, ty = normalise_title(x.title), normalise_title(y.title)
        r = difflib.SequenceMatcher(None, tx, ty).ratio()
        if r >= FUZZY_MIN:
            return r
        # a title that only gained words ("Direct Contact" -> "Direct Contact (Family Time)")
        wx, wy = set(tx.split()), set(ty.split())
        small, large = sorted((wx, wy), key=len)
        if len(small) >= 3 and small <= large:
            return FUZZY_MIN
        return 0.0

    take(fuzzy, "fuzzy")

    for sa, sb, how, _ in sorted(pairs, key=lambda p: p[1].start):
        if _norm_body(sa.text) == _norm_body(sb.text):
            result.unchanged.append(" > ".join(sb.path))
            continue
        la, lb = _lines(sa.text), _lines(sb.text)
        sim = difflib.SequenceMatcher(None, la, lb).ratio()
        diff = "\n".join(
            difflib.unified_diff(la, lb, fromfile=f"{name_a}: {' > '.join(sa.path)}",
                                 tofile=f"{name_b}: {' > '.join(sb.path)}", lineterm="", n=1)
        )
        result.changed.append(SectionChange(sa.title, sb.title, " > ".join(sb.path), round(sim, 3), diff, how))
    result.removed = sorted(left, key=lambda s: s.start)
    result.added = sorted(right, key=lambda s: s.start)
    return result


def load_version(settings, ref: str):
    """A document id from the manifest/index, or a path to a policy file (parsed on the fly)."""
    from ingest import documents as docs

    path = Path(ref)
    if path.suffix and path.exists():
        from assistant.models import DocumentMeta

        meta = DocumentMeta(id=path.stem, file=path.name, authority="(file)", title=path.stem, version="(file)")
        return ref, docs.parse_file(meta, path, max_bytes=settings.max_file_bytes)
    return ref, docs.get_document(settings, ref)


def diff_versions(settings, ref_a: str, ref_b: str) -> VersionDiff:
    """Section-by-section diff of two documents (ids or file paths)."""
    name_a, pa = load_version(settings, ref_a)
    name_b, pb = load_version(settings, ref_b)
    return diff_sections(sections_of(pa.text, pa.sections), sections_of(pb.text, pb.sections), name_a, name_b)
