"""The default answering engine: no model, no network, only quotes.

The answer is assembled from verbatim sentences and whole list blocks of the retrieved
passages, each followed by a marker [n] whose citation quotes ``text[start:end]`` of the
normalised document. The only words that are not quotes are framing: which authority
and which version a group of quotes comes from, and (when the quoted timescales differ
between groups) a line that says so and re-quotes the differing phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.differences import differ, timescales
from assistant.answering.document_texts import DocumentTexts
from assistant.answering.gap_log import NearestSection
from assistant.answering.gate import Quote, answers, covers_subject, refusal_reason
from assistant.answering.passages import Unit, units_in
from assistant.answering.spans import extend, join
from assistant.answering.unit_vectors import UnitVectors, unit_embed_text, unit_vector_dir
from assistant.components.embedding.embedding_component import get_embedder
from assistant.answering.versions import framing as version_framing
from assistant.corpus import Corpus
from assistant.models import Citation, DocumentMeta, RetrievedChunk
from assistant.retrieval.hybrid_retriever import Retrieval
from assistant.retrieval.query_analysis import is_count_question, is_list_question, is_when_question
from assistant.retrieval.glossary import load_glossary
from assistant.retrieval.lexical import TermWeights, content_terms
from assistant.settings import Settings
from assistant.understanding.answer_types import checks_answer_type, holds_answer_type
from assistant.understanding.frame import QuestionFrame

_FIGURE = re.compile(r"\b\d{2,}\b|\d+%")
_BULLET_MARK = re.compile(r"^\s*(?:[-\u2022\u00b7*\u25aa\u25e6\u2013])\s+")
_NUMBER_MARK = re.compile(r"^\s*(\(?(?:\d{1,2}|[ivx]{1,4}|[a-h])[.)])\s+")
_WS = re.compile(r"\s+")


@dataclass
class Candidate:
    document_id: str
    unit: Unit
    text: str
    lexical: float
    score: float
    chunk: RetrievedChunk


@dataclass
class EngineAnswer:
    """What an engine produced, before the service adds session, timings and ids."""

    answer: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    refusal_reason: str | None = None
    nearest_sections: list[NearestSection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    dropped_sentences: list[str] = field(default_factory=list)
    authorities: list[str] = field(default_factory=list)


def flat(text: str) -> str:
    """A quote as one line of prose (newlines and NBSPs become single spaces)."""
    return _WS.sub(" ", text).strip()


def doc_label(doc: DocumentMeta, corpus: Corpus) -> str:
    """"Wigan Council, *Permanence Planning Strategy 2026-2028* (2026-2028, current)"."""
    status = doc.status
    label = f"**{doc.authority}**, *{doc.title}* ({doc.version}, {status}"
    if doc.status == "superseded":
        newer = [d for d in corpus.documents if d.supersedes == doc.id]
        if newer:
            label += f"; replaced by *{newer[0].title}*"
    return label + ")"


class ExtractiveEngine:
    """Builds quote-only answers from a retrieval."""

    def __init__(self, settings: Settings, corpus: Corpus, texts: DocumentTexts, weights: TermWeights):
        self.settings = settings
        self.corpus = corpus
        self.texts = texts
        self.weights = weights
        self.glossary = load_glossary(settings.glossary_path)
        self.vectors = UnitVectors(
            lambda texts: get_embedder(settings).embed_documents(texts), unit_vector_dir(settings)
        )

    # -- candidates ----------------------------------------------------------------
    def candidates(self, retrieval: Retrieval, frame: QuestionFrame | None = None) -> list[Candidate]:
        """Every unit of the retrieved passages, scored by query-term overlap and rank."""
        terms = retrieval.query_terms
        typed = frame is not None and checks_answer_type(frame.answer_type)
        list_q = frame.answer_type == "list" if frame else is_list_question(retrieval.question)
        when_q = is_when_question(retrieval.question)
        count_q = is_count_question(retrieval.question)
        best: dict[tuple[str, int, int], Candidate] = {}
        for hit in retrieval.chunks:
            doc_id = hit.chunk.document_id
            got = self.texts.for_chunk(hit.chunk)
            if got is None:  # its document was re-ingested again since retrieval: skip it
                continue
            text, units = got
            section = hit.chunk.section
            for u in units_in(units, hit.chunk.start, hit.chunk.end):
                key = (doc_id, u.start, u.end)
                utext = text[u.start : u.end]
                if u.kind == "list" and u.lead:
                    # What a list is about is said by its lead-in; its items mention much else.
                    lead = text[u.lead[0] : u.lead[1]]
                    lex = 0.5 * terms.coverage(lead) + 0.5 * terms.coverage(f"{section} {utext}")
                else:
                    lex = 0.8 * terms.coverage(utext) + 0.2 * terms.coverage(f"{section} {utext}")
                score = 0.65 * lex + 0.35 * hit.score
                # A passage about another subject (the SGO's disadvantages for a question
                # on adoption's) is not the answer, however many words it shares.
                about_text = f"{section} {text[u.lead[0] : u.lead[1]] if u.kind == 'list' and u.lead else utext}"
                about = terms.about(about_text)
                if about is not None and about < 0.5:
                    score *= 0.6
                if u.kind == "list" and list_q and lex > 0:
                    score += 0.1
                if when_q and timescales(flat(utext)):
                    score += 0.15
                if count_q and _FIGURE.search(utext):
                    score += 0.2
                if u.kind == "sentence" and len(content_terms(utext)) < 4:
                    score -= 0.1  # fragments ("See also: ...") say little on their own
                if typed and frame is not None:
                    # the sentence that holds what was asked for beats the one that restates the question
                    score += 0.12 if holds_answer_type(utext, frame.answer_type) else -0.12
                if key not in best or best[key].score < score:
                    best[key] = Candidate(doc_id, u, utext, lex, score, hit)
        self._add_meaning(retrieval, list(best.values()))
        return sorted(best.values(), key=lambda c: -c.score)

    def _add_meaning(self, retrieval: Retrieval, cands: list[Candidate]) -> None:
        """Blend each unit's sentence-embedding similarity to the question into its score."""
        w = self.settings.answer_semantic_weight
        if w <= 0 or not cands:
            return
        keyed = []
        for c in cands:
            got = self.texts.for_chunk(c.chunk.chunk)
            digest = UnitVectors.text_key(got[0]) if got else c.chunk.chunk.id
            heading = " > ".join(self.texts.section(c.document_id, c.unit.start))
            keyed.append(((digest, c.unit.start, c.unit.end), unit_embed_text(heading, c.text)))
        sims = self.vectors.similarities(retrieval.question, keyed)
        for c, sim in zip(cands, sims):
            c.score += w * sim

    # -- selection -----------------------------------------------------------------
    def select(
        self, retrieval: Retrieval, cands: list[Candidate], frame: QuestionFrame | None = None
    ) -> dict[str, list[Candidate]]:
        """Documents to quote (in order of relevance) and the units quoted from each."""
        if not cands:
            return {}
        by_doc: dict[str, list[Candidate]] = {}
        for c in cands:
            by_doc.setdefault(c.document_id, []).append(c)
        top = cands[0].score
        named = bool(retrieval.analysis.authorities) or bool(retrieval.analysis.scope.document_ids)
        keep_ratio = 0.5 if named else 0.8
        if retrieval.analysis.scope.reason == "comparing versions":
            keep_ratio = 0.0  # a version question is answered from every version that speaks to it
        docs = [d for d, cs in by_doc.items() if cs[0].score >= keep_ratio * top and cs[0].lexical > 0]
        docs.sort(key=lambda d: -by_doc[d][0].score)
        list_q = frame.answer_type == "list" if frame else is_list_question(retrieval.question)
        chosen: dict[str, list[Candidate]] = {}
        for d in docs:
            cs = by_doc[d]
            group_best = cs[0].score
            picked: list[Candidate] = []
            best_list = None
            if list_q:
                lists = [c for c in cs if c.unit.kind == "list" and c.score >= 0.7 * group_best]
                if lists:
                    best_list = lists[0]
                    picked.append(best_list)
            for c in cs:
                if len(picked) >= self.settings.answer_max_units:
                    break
                # a second quote must be nearly as good as the first: no padding with neighbours
                if c.score < self.settings.answer_keep_ratio * group_best or c in picked:
                    continue
                if c.unit.kind == "list" and best_list is not None and c.score < 0.95 * best_list.score:
                    continue  # one list answers a list question; a second must be as good
                if any(_redundant(c, p) for p in picked):
                    continue
                picked.append(c)
            picked.sort(key=lambda c: c.unit.start)
            chosen[d] = picked
        return chosen

    # -- rendering -----------------------------------------------------------------
    def quoted_whole(self, chosen: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
        """Each chosen unit grown to its whole point (``spans.extend``), overlaps merged."""
        out: dict[str, list[Candidate]] = {}
        for doc_id, picked in chosen.items():
            grown: list[Candidate] = []
            for c in picked:
                got = self.texts.for_chunk(c.chunk.chunk)
                if got is not None:
                    text, units = got
                    unit = extend(c.unit, units, text)
                    if unit is not c.unit:
                        c = Candidate(c.document_id, unit, text[unit.start : unit.end], c.lexical, c.score, c.chunk)
                if any(g.unit.start < c.unit.end and c.unit.start < g.unit.end for g in grown):
                    continue
                grown.append(c)
            out[doc_id] = sorted(grown, key=lambda c: c.unit.start)
        return out

    def joined(self, chosen: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
        """Quotes of one paragraph that nearly touch become one quote (``spans.join``)."""
        out: dict[str, list[Candidate]] = {}
        for doc_id, picked in chosen.items():
            merged: list[Candidate] = []
            for c in sorted(picked, key=lambda c: c.unit.start):
                prev = merged[-1] if merged else None
                got = self.texts.for_chunk(c.chunk.chunk) if prev is not None else None
                unit = join(prev.unit, c.unit, got[1]) if prev is not None and got is not None else None
                if prev is not None and got is not None and unit is not None:
                    merged[-1] = Candidate(doc_id, unit, got[0][unit.start : unit.end], max(prev.lexical, c.lexical),
                                           max(prev.score, c.score), prev.chunk)
                else:
                    merged.append(c)
            out[doc_id] = merged
        return out

    def gated(
        self, chosen: dict[str, list[Candidate]], frame: QuestionFrame
    ) -> tuple[dict[str, list[Candidate]], str | None]:
        """Only the quotes that answer the frame's question; the refusal reason when none do."""
        kept: dict[str, list[Candidate]] = {}
        subject_missing = True
        for doc_id, picked in chosen.items():
            ok: list[Candidate] = []
            for c in picked:
                quote = Quote(c.text, self._context(c))
                if not covers_subject(frame, quote, self.glossary):
                    continue
                subject_missing = False
                if answers(frame, quote, self.glossary):
                    ok.append(c)
            if ok:
                kept[doc_id] = ok
        if kept:
            return kept, None
        return {}, refusal_reason(frame, subject_missing)

    def _context(self, c: Candidate) -> str:
        lead = ""
        if c.unit.kind == "list" and c.unit.lead:
            got = self.texts.for_chunk(c.chunk.chunk)
            if got is not None:
                lead = got[0][c.unit.lead[0] : c.unit.lead[1]]
        # the retrieved passage around the quote says what it is about as much as its heading
        return f"{c.chunk.chunk.section}\n{lead}\n{c.chunk.chunk.text}"

    def answer(self, retrieval: Retrieval, frame: QuestionFrame | None = None) -> EngineAnswer:
        cands = self.candidates(retrieval, frame)
        chosen = self.quoted_whole(self.select(retrieval, cands, frame))
        if not chosen:
            return EngineAnswer(answer="", refused=True, refusal_reason="weak_evidence")
        if frame is not None:
            chosen, reason = self.gated(chosen, frame)
            if reason:
                return EngineAnswer(answer="", refused=True, refusal_reason=reason)
        chosen = self.joined(chosen)
        citations: list[Citation] = []
        cited: list[Candidate] = []
        blocks: list[tuple[DocumentMeta, list[str]]] = []
        phrases: dict[str, list[tuple[str, int]]] = {}
        for doc_id, picked in chosen.items():
            doc = self.corpus.by_id(doc_id)
            parts: list[str] = []
            paragraph: list[str] = []
            for c in picked:
                n = len(citations) + 1
                citations.append(self._citation(n, doc, c))
                cited.append(c)
                for p in timescales(flat(c.text)):
                    phrases.setdefault(doc_id, []).append((p, n))
                if c.unit.kind == "list":
                    if paragraph:
                        parts.append(" ".join(paragraph))
                        paragraph = []
                    parts.append(self._render_list(c, n))
                else:
                    paragraph.append(f"{flat(c.text)} [{n}]")
            if paragraph:
                parts.append(" ".join(paragraph))
            blocks.append((doc, parts))

        lines: list[str] = []
        authorities = sorted({doc.authority for doc, _ in blocks})
        scope = retrieval.analysis.scope
        if scope.reason == "comparing versions" and scope.document_ids:
            in_scope = [self.corpus.by_id(d) for d in scope.document_ids]
            first_quote = {c.document_id: (c.text, i) for i, c in reversed(list(enumerate(cited, 1)))}
            quoted = [(d, flat(first_quote[d.id][0]), first_quote[d.id][1]) for d in in_scope if d.id in first_quote]
            quoted.sort(key=lambda q: (q[0].status != "current", -(q[0].date.toordinal() if q[0].date else 0)))
            missing = [d for d in in_scope if d.id not in first_quote]
            lines += version_framing(quoted, missing)
            lines.append("")
        elif len(blocks) > 1:
            groups = {d: [p for p, _ in ps] for d, ps in phrases.items()}
            same_authority = len(authorities) == 1
            what = "versions" if same_authority else "authorities"
            if differ(groups):
                # Framing lines end with ':'; each differing phrase is re-quoted with its marker.
                lines.append(f"The {what} differ on timing:")
                keys = {d: {_phrase_key(p) for p, _ in ps} for d, ps in phrases.items()}
                for d, ps in phrases.items():
                    if d not in chosen:
                        continue
                    others = set().union(*(k for o, k in keys.items() if o != d))
                    # Show what sets this one apart first: phrases no other group quotes, with a number.
                    ps = sorted(ps, key=lambda pn: (_phrase_key(pn[0]) in others, not re.search(r"\d", pn[0])))
                    doc = self.corpus.by_id(d)
                    label = f"{doc.authority} ({doc.version})" if same_authority else doc.authority
                    lines.append(f"**{label}**:")
                    for p, n in ps[:2]:
                        lines.append(f'"{p}" [{n}]')
            else:
                lines.append(f"Each of these {what} is quoted separately; check the one that applies:")
            lines.append("")
        for doc, parts in blocks:
            heading = doc_label(doc, self.corpus)
            lines.append(f"{'### ' if len(blocks) > 1 else ''}{heading}{'' if len(blocks) > 1 else ':'}")
            lines.append("")
            for part in parts:
                lines.append(part)
                lines.append("")
        notices = []
        if any(doc.status == "superseded" for doc, _ in blocks):
            notices.append("This answer quotes a superseded version of a policy; check the current one before acting.")
        return EngineAnswer(
            answer="\n".join(lines).strip(),
            citations=citations,
            notices=notices,
            authorities=authorities,
        )

    def _render_list(self, c: Candidate, n: int) -> str:
        """The list block whole: lead-in then every item, each line carrying its marker."""
        text, _ = self.texts.for_chunk(c.chunk.chunk) or self.texts.get(c.document_id)
        out: list[str] = []
        if c.unit.lead:
            out.append(f"{flat(text[c.unit.lead[0] : c.unit.lead[1]])} [{n}]")
        for s, e in c.unit.items:
            item = text[s:e]
            num = _NUMBER_MARK.match(item)
            if num:
                out.append(f"{num.group(1)} {flat(item[num.end():])} [{n}]")
            else:
                out.append(f"- {flat(_BULLET_MARK.sub('', item, count=1))} [{n}]")
        return "\n".join(out)

    def _citation(self, n: int, doc: DocumentMeta, c: Candidate) -> Citation:
        section = self.texts.section(doc.id, c.unit.start) or c.chunk.chunk.section_path
        page = self.texts.page(doc.id, c.unit.start)
        return Citation(
            n=n,
            document_id=doc.id,
            authority=doc.authority,
            title=doc.title,
            version=doc.version,
            status=doc.status,
            section=" > ".join(section) if isinstance(section, list) else str(section),
            page=page if page is not None else c.chunk.chunk.page,
            quote=c.text,
            start=c.unit.start,
            end=c.unit.end,
            score=round(c.score, 4),
        )


def nearest_sections(retrieval: Retrieval, corpus: Corpus, limit: int = 3) -> list[NearestSection]:
    """The closest distinct sections of a refused question, for the reply and the gap log."""
    out: list[NearestSection] = []
    seen: set[tuple[str, str]] = set()
    for hit in retrieval.chunks:
        key = (hit.chunk.document_id, hit.chunk.section)
        if key in seen:
            continue
        seen.add(key)
        doc = corpus.by_id(hit.chunk.document_id)
        out.append(
            NearestSection(
                document_id=doc.id,
                authority=doc.authority,
                title=doc.title,
                version=doc.version,
                status=doc.status,
                section=hit.chunk.section or "(no section heading)",
                page=hit.chunk.page,
                score=round(hit.score, 4),
            )
        )
        if len(out) >= limit:
            break
    return out


def refusal_text(nearest: list[NearestSection], reason: str | None = None) -> str:
    """The reply to a question the corpus does not answer: no policy, only where to look."""
    lines = [
        "The policies in the corpus do not cover this question, so I can't answer it from them.",
    ]
    why = _REFUSAL_WHY.get(reason or "")
    if why:
        lines.append(why)
    if nearest:
        lines.append("")
        lines.append("The nearest sections are:")
        for s in nearest:
            lines.append(f"- {s.authority}, *{s.title}* ({s.version}, {s.status}): {s.section}")
    return "\n".join(lines)


# Why a question was declined, in words; the answerability gate's reasons are no_<type>_in_policies.
_REFUSAL_WHY = {
    "no_amount_in_policies": "It asks for a sum of money, and none of the passages found states one.",
    "no_duration_in_policies": "It asks how long something lasts, and none of the passages found states that.",
    "no_frequency_in_policies": "It asks how often something happens, and none of the passages found states that.",
    "no_date_in_policies": "It asks when something happens, and none of the passages found states a time for it.",
    "no_person_in_policies": "It asks who does something, and none of the passages found names anyone for it.",
    "no_number_in_policies": "It asks for a figure, and none of the passages found gives one.",
    "no_case_law_in_policies": "It asks about case law, and the policies found cite none on this.",
    "subject_not_in_policies": "None of the passages found is about what it asks.",
}


def _phrase_key(phrase: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", phrase.lower()).strip()


def _redundant(a: Candidate, b: Candidate) -> bool:
    """Same span, one inside the other, or nearly the same words."""
    if a.document_id == b.document_id and a.unit.start < b.unit.end and b.unit.start < a.unit.end:
        return True
    ta, tb = set(content_terms(a.text)), set(content_terms(b.text))
    if not ta or not tb:
        return False
    return len(ta & tb) / len(ta | tb) > 0.8
