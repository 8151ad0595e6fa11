"""Structure-aware chunking: document units -> citation chunks + the windows to embed.

A *chunk* is what a citation quotes: a verbatim span ``text[start:end]`` of the
normalised document, inside one section. An *embedding window* is what the model reads
for it: the council's name and the section path, then the text. all-MiniLM-L6-v2
reads 256 word pieces and ignores the rest, so:

- paragraphs of one section are merged while the window stays within
  ``settings.chunk_max_tokens``; a paragraph longer than the model window is split at
  sentence boundaries into several chunks;
- a list (with its lead-in), a table or a practice-guidance box is one chunk however long,
  because cutting it would separate items from the sentence that says what they are.
  When it is longer than the model window it gets several windows, each repeating the
  lead-in (or header) with the next items that fit, so no item goes unembedded. Tables
  are embedded column by column ("Adoption: <every cell of that column>") so each
  window is about one option; a long item of a list is also embedded on its own (with
  the lead-in), so one vector for the whole list does not blur what each item says.

Chunk ids hash the document id, offsets and text, so re-ingesting the same text gives
the same ids (idempotent upserts).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

from assistant.models import Chunk
from ingest.documents import ParsedDocument
from ingest.structure import Unit, sentence_spans

TokenCounter = Callable[[list[str]], list[int]]


@dataclass
class ChunkPlan:
    """A chunk and the texts to embed for it (one or more windows)."""

    chunk: Chunk
    windows: list[str] = field(default_factory=list)  # dense: prefix + text of each window
    sparse_windows: list[str] = field(default_factory=list)  # lexical: section path + text


def chunk_id(document_id: str, start: int, end: int, text: str) -> str:
    h = hashlib.sha256(f"{document_id}\x1f{start}\x1f{end}\x1f{text}".encode("utf-8")).hexdigest()
    return h[:24]


def embed_prefix(doc: ParsedDocument, section_path: tuple[str, ...] | list[str]) -> str:
    """What the embedder reads before the text: the council and the section path.

    The title is left out on purpose: it is the same for every chunk of a document, so
    it costs word pieces of every window without telling passages apart.
    """
    head = doc.meta.authority_short
    return f"{head}: {' > '.join(section_path)}\n" if section_path else f"{head}:\n"


def chunk_document(
    doc: ParsedDocument,
    count_tokens: TokenCounter,
    max_tokens: int = 200,
    window_tokens: int = 254,
) -> list[ChunkPlan]:
    """Chunks of one parsed document, in document order.

    ``max_tokens``: target size of a merged paragraph window (prefix included);
    ``window_tokens``: what the model reads at most (text and prefix, no special tokens).
    """
    if doc.structure is None:
        raise ValueError(f"{doc.meta.id}: chunking needs the parsed structure")
    text = doc.text
    units = [u for u in doc.structure.units if text[u.start:u.end].strip()]
    if not units:
        return []
    # token counts of every span we may need, in one batch call
    prefixes = {u.section_path: embed_prefix(doc, u.section_path) for u in units}
    prefix_tokens = dict(zip(prefixes, count_tokens(list(prefixes.values()))))
    unit_tokens = count_tokens([text[u.start:u.end] for u in units])

    plans: list[ChunkPlan] = []
    pending: list[Unit] = []  # paragraphs being merged
    pending_tokens = 0

    def flush() -> None:
        nonlocal pending, pending_tokens
        if pending:
            plans.append(_plan(doc, pending[0].start, pending[-1].end, pending[0].section_path, "paragraph",
                               prefixes, None))
        pending, pending_tokens = [], 0

    for u, n_tok in zip(units, unit_tokens):
        budget_merge = max_tokens - prefix_tokens[u.section_path]
        budget_window = window_tokens - prefix_tokens[u.section_path]
        if u.kind == "paragraph":
            same_section = pending and pending[0].section_path == u.section_path
            if same_section and pending_tokens + n_tok + 1 <= budget_merge:
                pending.append(u)
                pending_tokens += n_tok + 1
                continue
            flush()
            if n_tok <= budget_window:
                pending, pending_tokens = [u], n_tok
                continue
            # an over-long paragraph: split at sentences into chunks that each fit
            for start, end in _pack(text, u.parts or [(u.start, u.end)], budget_merge, count_tokens):
                plans.append(_plan(doc, start, end, u.section_path, "paragraph", prefixes, None))
            continue
        flush()
        windows = None
        if u.kind == "table" or n_tok > budget_window:
            windows = _windows(text, u, budget_window, count_tokens)
        if u.kind in ("list", "guidance"):
            extra = _item_windows(text, u, budget_window, count_tokens)
            if extra:
                windows = (windows or [text[u.start:u.end]]) + extra
        kind = u.kind if u.kind in ("list", "table", "guidance") else "paragraph"
        plans.append(_plan(doc, u.start, u.end, u.section_path, kind, prefixes, windows))
    flush()
    return plans


def _plan(doc: ParsedDocument, start: int, end: int, path: tuple[str, ...], kind: str,
          prefixes: dict, windows: list[str] | None) -> ChunkPlan:
    text = doc.text[start:end]
    meta = doc.meta
    prefix = prefixes.get(path) or embed_prefix(doc, path)
    chunk = Chunk(
        id=chunk_id(meta.id, start, end, text),
        document_id=meta.id,
        authority=meta.authority,
        title=meta.title,
        version=meta.version,
        status=meta.status,
        section_path=list(path),
        page=doc.page_at(start),
        start=start,
        end=end,
        text=text,
        embed_text=prefix + text,
        kind=kind,  # type: ignore[arg-type]
    )
    bodies = windows or [text]
    section = " ".join(path)
    return ChunkPlan(chunk, [prefix + b for b in bodies], [f"{section}\n{b}" for b in bodies])


def _pack(text: str, parts: list[tuple[int, int]], budget: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """Greedy runs of consecutive sentence spans, each within ``budget`` tokens."""
    pieces: list[tuple[int, int]] = []
    for a, b in parts:
        pieces.extend(_split_span(text, a, b, budget, count_tokens))
    toks = count_tokens([text[a:b] for a, b in pieces])
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_tok = 0
    for (a, b), t in zip(pieces, toks):
        if cur is not None and cur_tok + t + 1 <= budget:
            cur = (cur[0], b)
            cur_tok += t + 1
        else:
            if cur is not None:
                out.append(cur)
            cur, cur_tok = (a, b), t
    if cur is not None:
        out.append(cur)
    return out


def _split_span(text: str, a: int, b: int, budget: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """A span that may exceed ``budget``: split at sentences, then at word boundaries."""
    if count_tokens([text[a:b]])[0] <= budget:
        return [(a, b)]
    sents = sentence_spans(text, a, b)
    if len(sents) > 1:
        out: list[tuple[int, int]] = []
        for s, e in sents:
            out.extend(_split_span(text, s, e, budget, count_tokens))
        return out
    # one enormous "sentence": cut at spaces into budget-sized runs (never drop the tail)
    words: list[tuple[int, int]] = []
    pos = a
    for w in text[a:b].split(" "):
        if w:
            words.append((pos, pos + len(w)))
        pos += len(w) + 1
    out, cur_start, cur_words = [], None, 0
    step = max(8, budget // 2)  # a word is >= 1 token; half the budget in words is safe
    for i in range(0, len(words), step):
        seg = words[i:i + step]
        out.append((seg[0][0], seg[-1][1]))
    return out


def _windows(text: str, u: Unit, budget: int, count_tokens: TokenCounter) -> list[str]:
    """Embedding windows of a long list / table / guidance box: lead + the next parts that fit."""
    lead = text[u.lead[0]:u.lead[1]] if u.lead else ""
    if u.kind == "table" and u.lead:
        cols = _table_columns(text, u)
        if cols:
            bodies = []
            for col in cols:
                bodies.extend(_fit(col, budget, count_tokens))
            return bodies
    parts = [text[a:b] for a, b in (u.parts or [(u.start, u.end)]) if not u.lead or a >= u.lead[1]]
    lead_tok = count_tokens([lead])[0] if lead else 0
    if lead_tok > budget // 2:  # an enormous lead-in: windows over everything instead
        lead, lead_tok = "", 0
        parts = [text[a:b] for a, b in _pack(text, [(u.start, u.end)], budget, count_tokens)]
    room = budget - lead_tok - 1
    part_toks = count_tokens(parts)
    windows: list[str] = []
    cur: list[str] = []
    cur_tok = 0
    for p, t in zip(parts, part_toks):
        if t > room:  # one item longer than a window: its pieces get windows of their own
            if cur:
                windows.append(_join(lead, cur))
                cur, cur_tok = [], 0
            for piece in _fit(p, room, count_tokens):
                windows.append(_join(lead, [piece]))
            continue
        if cur and cur_tok + t + 1 > room:
            windows.append(_join(lead, cur))
            cur, cur_tok = [], 0
        cur.append(p)
        cur_tok += t + 1
    if cur:
        windows.append(_join(lead, cur))
    return windows or [text[u.start:u.end]]


# A list item at least this long (word pieces) is also embedded on its own, with the
# lead-in: one vector for a long list blurs its items ("A Special Guardianship Order is
# made under Section 115 ... until the child turns 18" inside a box about two orders).
ITEM_WINDOW_MIN_TOKENS = 40


def _item_windows(text: str, u: Unit, budget: int, count_tokens: TokenCounter) -> list[str]:
    """Extra windows "lead-in + one item" for the long items of a list with several items."""
    parts = [text[a:b] for a, b in u.parts if not u.lead or a >= u.lead[1]]
    if len(parts) < 2:
        return []
    lead = text[u.lead[0]:u.lead[1]] if u.lead else ""
    toks = count_tokens(parts)
    lead_tok = count_tokens([lead])[0] if lead else 0
    out = []
    for p, t in zip(parts, toks):
        if t < ITEM_WINDOW_MIN_TOKENS:
            continue
        if lead and lead_tok + t + 1 <= budget:
            out.append(_join(lead, [p]))
        else:
            out.extend(_fit(p, budget, count_tokens))
    return out


def _join(lead: str, parts: list[str]) -> str:
    return "\n".join(([lead] if lead else []) + parts)


def _fit(s: str, budget: int, count_tokens: TokenCounter) -> list[str]:
    """``s`` cut at sentence (then word) boundaries into pieces within ``budget``."""
    return [s[a:b] for a, b in _pack(s, [(0, len(s))], budget, count_tokens)]


def _table_columns(text: str, u: Unit) -> list[str]:
    """"<header>: <cell>; <cell> …" per column, for tables with a header row."""
    header = text[u.lead[0]:u.lead[1]].split("\t")
    rows = [text[a:b].split("\t") for a, b in u.parts]
    if len(header) < 2:
        return []
    cols = []
    for ci, head in enumerate(header):
        cells = [r[ci].strip() for r in rows if ci < len(r) and r[ci].strip()]
        if cells:
            cols.append(f"{head.strip()}: " + " ".join(c if c.endswith((".", ";")) else c + "." for c in cells))
    return cols
