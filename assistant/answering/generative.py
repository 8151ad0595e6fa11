"""Optional engine: a model behind any OpenAI-compatible endpoint writes the answer from
numbered sources, and every sentence it writes is checked for a source marker.

- Prompts are files (``prompts/system_prompt.md``, ``prompts/answer_prompt.md``); the
  system prompt keeps retrieved text as DATA and asks for a marker on every sentence.
- Post-check: markers to unknown sources are removed; a sentence left without a marker
  is dropped and listed in ``dropped_sentences``. Only cited sources become citations.
- Timeouts, HTTP errors, an unreachable endpoint or garbage fall back to the extractive
  engine with a notice, so a flaky model never costs the user an answer.

Settings: ``llm_base_url`` (e.g. http://127.0.0.1:11434/v1 for Ollama), ``llm_model``,
``llm_api_key`` (optional), ``llm_timeout_s``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.extractive import Candidate, EngineAnswer, ExtractiveEngine, flat
from assistant.answering.llm_deadline import deadline_client
from assistant.models import Citation
from assistant.retrieval.hybrid_retriever import Retrieval
from assistant.settings import Settings

_MARKER = re.compile(r"\[(\d{1,3})\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*\[\d{1,3}\])*\s+|\n+")
NOT_COVERED = "NOT COVERED"


class GenerationError(RuntimeError):
    """The endpoint failed or returned something unusable (the reason is the message)."""


@dataclass(frozen=True)
class Source:
    n: int
    candidate: Candidate


def load_prompt(settings: Settings, name: str) -> str:
    path: Path = settings.resolve(settings.prompts_dir) / name
    return path.read_text(encoding="utf-8")


def build_messages(settings: Settings, question: str, sources: list[Source], corpus) -> list[dict[str, str]]:
    """System and user messages: the numbered sources, each with its document and status."""
    blocks = []
    for s in sources:
        doc = corpus.by_id(s.candidate.document_id)
        blocks.append(
            f"[{s.n}] {doc.authority} - {doc.title} ({doc.version}, {doc.status})"
            f"{' - ' + s.candidate.chunk.chunk.section if s.candidate.chunk.chunk.section else ''}\n"
            f"{s.candidate.text.strip()}"
        )
    user = (
        load_prompt(settings, "answer_prompt.md")
        .replace("{sources}", "\n\n".join(blocks))
        .replace("{question}", question)
    )
    return [
        {"role": "system", "content": load_prompt(settings, "system_prompt.md").strip()},
        {"role": "user", "content": user.strip()},
    ]


def split_generated(text: str) -> list[str]:
    """Sentences (and list lines) of a generated answer, markers kept with their sentence."""
    parts: list[str] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        seg = text[pos:end].strip()
        if seg:
            parts.append(seg)
        pos = end
    tail = text[pos:].strip()
    if tail:
        parts.append(tail)
    return parts


def check_sentences(sentences: list[str], known: set[int]) -> tuple[list[str], list[str], set[int]]:
    """Keep sentences with at least one valid marker; strip markers to unknown sources.

    Returns (kept, dropped, cited source numbers).
    """
    kept: list[str] = []
    dropped: list[str] = []
    cited: set[int] = set()
    for s in sentences:
        valid = {int(n) for n in _MARKER.findall(s) if int(n) in known}
        cleaned = _MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in known else "", s)
        cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
        cleaned = re.sub(r"[ \t]+([.!?,;:])", r"\1", cleaned).strip()
        if valid:
            kept.append(cleaned)
            cited |= valid
        elif cleaned:
            dropped.append(cleaned)
    return kept, dropped, cited


class GenerativeEngine:
    """Model-written answers with checked citations; falls back to the extractive engine."""

    def __init__(self, settings: Settings, extractive: ExtractiveEngine, llm=None, max_sources: int = 8):
        self.settings = settings
        self.extractive = extractive
        self._llm = llm
        self.max_sources = max_sources

    @property
    def configured(self) -> bool:
        return bool(self.settings.llm_base_url) or self._llm is not None

    @property
    def llm(self):
        if self._llm is None:
            from llama_index.llms.openai_like import OpenAILike

            key = self.settings.llm_api_key.get_secret_value() if self.settings.llm_api_key else "not-needed"
            self._llm = OpenAILike(
                model=self.settings.llm_model,
                api_base=self.settings.llm_base_url,
                api_key=key,
                is_chat_model=True,
                is_function_calling_model=False,
                context_window=8192,
                max_tokens=600,
                temperature=0.0,
                timeout=self.settings.llm_timeout_s,
                max_retries=0,
                # llm_timeout_s bounds the whole request: per-read timeouts never fire on a slow trickle
                http_client=deadline_client(self.settings.llm_timeout_s),
            )
        return self._llm

    def sources(self, retrieval: Retrieval) -> list[Source]:
        picked: list[Candidate] = []
        for c in self.extractive.candidates(retrieval):
            if any(p.document_id == c.document_id and p.unit.start < c.unit.end and c.unit.start < p.unit.end for p in picked):
                continue
            picked.append(c)
            if len(picked) >= self.max_sources:
                break
        return [Source(i + 1, c) for i, c in enumerate(picked)]

    def _messages(self, retrieval: Retrieval, sources: list[Source]):
        from llama_index.core.llms import ChatMessage

        return [
            ChatMessage(role=m["role"], content=m["content"])
            for m in build_messages(self.settings, retrieval.question, sources, self.extractive.corpus)
        ]

    def _fallback(self, retrieval: Retrieval, reason: str) -> EngineAnswer:
        ans = self.extractive.answer(retrieval)
        ans.notices.insert(0, f"The generative engine was not used ({reason}); this answer is built from quotes only.")
        return ans

    def _finish(self, text: str, sources: list[Source]) -> EngineAnswer:
        """Post-check a whole generated answer into an EngineAnswer (raises GenerationError)."""
        stripped = (text or "").strip()
        if not stripped:
            raise GenerationError("empty completion")
        if stripped.upper().startswith(NOT_COVERED):
            return EngineAnswer(answer="", refused=True, refusal_reason="model_not_covered")
        known = {s.n for s in sources}
        kept, dropped, cited = check_sentences(split_generated(stripped), known)
        if not kept:
            raise GenerationError("no sentence of the completion cited a source")
        citations = [self._citation(s) for s in sources if s.n in cited]
        notices = []
        if dropped:
            notices.append(f"{len(dropped)} sentence(s) without a source marker were removed from the generated answer.")
        return EngineAnswer(
            answer=_join(kept),
            citations=citations,
            dropped_sentences=dropped,
            notices=notices,
            authorities=sorted({c.authority for c in citations}),
        )

    def _citation(self, s: Source) -> Citation:
        c = s.candidate
        doc = self.extractive.corpus.by_id(c.document_id)
        return self.extractive._citation(s.n, doc, c)

    def answer(self, retrieval: Retrieval) -> EngineAnswer:
        """A checked generated answer, or the extractive one with a notice."""
        if not self.configured:
            return self._fallback(retrieval, "no model endpoint is configured")
        sources = self.sources(retrieval)
        if not sources:
            return self.extractive.answer(retrieval)
        try:
            resp = self.llm.chat(self._messages(retrieval, sources))
            return self._finish(resp.message.content or "", sources)
        except GenerationError as exc:
            return self._fallback(retrieval, str(exc))
        except Exception as exc:  # timeouts, HTTP errors, refused connections, bad JSON
            return self._fallback(retrieval, f"the model endpoint failed: {type(exc).__name__}")

    def stream(self, retrieval: Retrieval) -> Iterator[str | EngineAnswer]:
        """Checked sentences as they complete, then the final EngineAnswer.

        A sentence is only sent once it is complete and carries a valid marker, so no
        unchecked text reaches the user; on failure before anything was sent, the
        extractive answer is streamed instead.
        """
        if not self.configured:
            yield self._fallback(retrieval, "no model endpoint is configured")
            return
        sources = self.sources(retrieval)
        known = {s.n for s in sources}
        buffer = ""
        full = ""
        sent_any = False
        try:
            for chunk in self.llm.stream_chat(self._messages(retrieval, sources)):
                delta = chunk.delta or ""
                full += delta
                buffer += delta
                parts = split_generated(buffer)
                # all but the last part are complete sentences
                if len(parts) > 1 and not full.strip().upper().startswith(NOT_COVERED[:3]):
                    complete, buffer = parts[:-1], parts[-1]
                    kept, _, _ = check_sentences(complete, known)
                    for s in kept:
                        yield (_separator(s) if sent_any else "") + s
                        sent_any = True
            result = self._finish(full, sources)
        except Exception as exc:
            if sent_any:
                # Part of a checked answer was sent: finish with what was checked.
                try:
                    result = self._finish(full, sources)
                except GenerationError:
                    result = EngineAnswer(answer="", refused=True, refusal_reason="generation_failed")
                result.notices.append(f"The model endpoint failed part-way: {type(exc).__name__}.")
                yield result
                return
            reason = str(exc) if isinstance(exc, GenerationError) else f"the model endpoint failed: {type(exc).__name__}"
            yield self._fallback(retrieval, reason)
            return
        if not result.refused and buffer.strip():
            kept, _, _ = check_sentences([buffer], known)
            for s in kept:
                yield (_separator(s) if sent_any else "") + s
        yield result


def _separator(sentence: str) -> str:
    """List lines start on a new line; prose sentences follow with a space."""
    if sentence.lstrip().startswith(("-", "*", "\u2022")) or re.match(r"^\d+[.)]\s", sentence):
        return "\n"
    return " "


def _join(sentences: list[str]) -> str:
    out = ""
    for s in sentences:
        out = s if not out else out + _separator(s) + s
    return out


__all__ = ["GenerativeEngine", "GenerationError", "build_messages", "check_sentences", "split_generated", "flat"]
