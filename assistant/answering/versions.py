"""Version questions answered side by side: "is X still in the new strategy?", "what changed
about Y?". Both versions' quotes are shown under their own headings (the extractive engine
does that); this module writes the framing above them, and only from the quotes:

- a version of the family with no matching passage is named as such ("no matching passage");
- two versions whose quotes read the same are said to;
- otherwise the words only one version has are re-quoted, each with its marker, so the
  difference is visible without reading both passages word by word.
"""

from __future__ import annotations

import difflib
import re

from assistant.models import DocumentMeta

_WORD = re.compile(r"\S+")
MAX_PHRASES = 3
MAX_PHRASE_WORDS = 25
SIMILAR = 0.5  # below this the two quotes are different passages, not two wordings of one


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _key(word: str) -> str:
    return re.sub(r"[^\w]", "", word.casefold())


def only_in(a: str, b: str) -> tuple[list[str], list[str]]:
    """Phrases (runs of 2+ words, or one with a digit) that only ``a`` has, and only ``b`` has."""
    wa, wb = _words(a), _words(b)
    sm = difflib.SequenceMatcher(a=[_key(w) for w in wa], b=[_key(w) for w in wb], autojunk=False)
    left: list[str] = []
    right: list[str] = []
    if sm.ratio() < SIMILAR:
        return [], []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        for words, out in ((wa[i1:i2], left), (wb[j1:j2], right)):
            phrase = " ".join(words[:MAX_PHRASE_WORDS]).strip(" ,;:.") + (" ..." if len(words) > MAX_PHRASE_WORDS else "")
            if phrase and (len(words) >= 2 or re.search(r"\d", phrase)):
                out.append(phrase)
    return left[:MAX_PHRASES], right[:MAX_PHRASES]


def version_label(doc: DocumentMeta) -> str:
    return f"{doc.authority_short} {doc.version} ({doc.status})"


def framing(
    quoted: list[tuple[DocumentMeta, str, int]],
    missing: list[DocumentMeta],
) -> list[str]:
    """Lines above the side-by-side quotes. ``quoted``: (version, its first quote, marker),
    newest first; ``missing``: versions in scope with no matching passage."""
    lines: list[str] = []
    for doc in missing:
        lines.append(f"No matching passage was found in {version_label(doc)}.")
    if len(quoted) >= 2:
        (new, new_text, n_new), (old, old_text, n_old) = quoted[0], quoted[1]
        gone, added = only_in(old_text, new_text)
        if _key(" ".join(_words(old_text))) == _key(" ".join(_words(new_text))):
            lines.append(f"{version_label(new)} and {version_label(old)} say the same here [{n_new}] [{n_old}].")
        elif not gone and not added:
            lines.append(f"{version_label(new)} and {version_label(old)} are quoted below, each under its heading.")
        else:
            lines.append(f"What differs between {version_label(old)} and {version_label(new)}:")
            for p in gone:
                lines.append(f'- only in {old.version}: "{p}" [{n_old}]')
            for p in added:
                lines.append(f'- only in {new.version}: "{p}" [{n_new}]')
    return lines
