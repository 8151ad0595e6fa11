"""Asking: the path from a question to a grounded answer, shared by API, CLI, UI and eval.

Order of decisions for one question:
1. validate the authority (unknown -> ``UnknownAuthority``, a 422 at the API);
2. decline attempts to change the assistant's instructions and off-topic requests;
3. read it in its conversation (follow-ups) ;
4. a rule question with its facts goes to the deterministic rule layer;
5. retrieve; weak evidence -> refusal with the nearest sections (and a gap record);
6. answer with the extractive engine (default) or the generative one (checked, with
   fallback); every refusal is recorded in the gap log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from datetime import date

from assistant.answering.extractive import EngineAnswer, ExtractiveEngine, nearest_sections, refusal_text
from assistant.answering.gap_log import GapLog, NearestSection
from assistant.answering.generative import GenerativeEngine
from assistant.answering.guards import DECLINE_TEXT
from assistant.answering.refusal import evidence_of, is_weak, lacks_asked_amount
from assistant.answering.schemas import AskRequest, AskResponse
from assistant.conversation.follow_ups import Resolution, resolve
from assistant.conversation.session_frame import (
    SessionFrame, TurnPlan, back_reference, needs_which, plan_turn, version_follow_up,
)
from assistant.conversation.sessions import SessionStore, Turn
from assistant.corpus import Corpus
from assistant.retrieval.hybrid_retriever import HybridRetriever, Retrieval
from assistant.server.feedback.feedback_service import answer_details
from assistant.settings import Settings
from assistant.retrieval.query_analysis import find_authorities
from assistant.understanding.frame import NOT_POLICY_TEXT, QuestionFrame, read_frame

log = logging.getLogger(__name__)


def _rule_readers():
    """The rule layer's topic readers (no-ops when the rule layer is not installed)."""
    try:
        from assistant.rules.chat import is_rule_question, rule_topic
    except ImportError:
        return (lambda q: None), (lambda q, t=None: False)
    return rule_topic, is_rule_question


def _jsonable_facts(facts: dict) -> dict:
    def conv(v):
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v.isoformat() if hasattr(v, "isoformat") else v

    return {k: conv(v) for k, v in facts.items()}


FACTS_WITHHELD = "[withheld: the question carried a child's facts]"


def _carries_facts(question: str, today: date | None) -> bool:
    from assistant.understanding.facts import read_facts

    values = read_facts(question, today or date.today()).as_dict()
    return any(k not in ("relationship",) for k in values)


def _private(question: str, today: date | None) -> str:
    """The question as the gap log may keep it: never with a child's dates, ages or periods."""
    return FACTS_WITHHELD if _carries_facts(question, today) else question


def _rule_answerer():
    """``assistant.rules.chat.answer_rule_question`` when the rule layer is installed."""
    try:
        from assistant.rules.chat import answer_rule_question
    except ImportError:
        return None
    return answer_rule_question


class AskService:
    """Answers questions; thread-safe (state lives in the session store and SQLite)."""

    def __init__(
        self,
        settings: Settings,
        corpus: Corpus,
        retriever: HybridRetriever,
        extractive: ExtractiveEngine,
        generative: GenerativeEngine,
        sessions: SessionStore,
        gaps: GapLog,
        feedback=None,
    ):
        self.settings = settings
        self.corpus = corpus
        self.retriever = retriever
        self.extractive = extractive
        self.generative = generative
        self.sessions = sessions
        self.gaps = gaps
        self.feedback = feedback

    # -- public --------------------------------------------------------------------
    def ask(self, req: AskRequest, today: date | None = None, owner: str | None = None) -> AskResponse:
        """One question, one grounded answer (or a refusal that says why). ``owner`` (the
        caller's name) binds the conversation: nobody else can continue it."""
        final: AskResponse | None = None
        for item in self._run(req, today, stream=False, owner=owner):
            if isinstance(item, AskResponse):
                final = item
        assert final is not None
        return final

    def ask_stream(
        self, req: AskRequest, today: date | None = None, owner: str | None = None
    ) -> Iterator[str | AskResponse]:
        """Text deltas, then the final ``AskResponse`` (whose ``answer`` is the whole text)."""
        yield from self._run(req, today, stream=True, owner=owner)

    # -- the pipeline --------------------------------------------------------------
    def _run(
        self, req: AskRequest, today: date | None, stream: bool, owner: str | None = None
    ) -> Iterator[str | AskResponse]:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        today = req.today or today
        authority = self.corpus.resolve_authority(req.authority)  # raises UnknownAuthority
        session, session_notice = self.sessions.get_or_create(req.session_id, owner)
        notices = [session_notice] if session_notice else []
        sframe: SessionFrame = session.frame
        named = [m.authority for m in find_authorities(self.corpus, req.question)]
        if authority and named and authority not in named:
            # the question wins over the picker, and says so
            said = " and ".join(dict.fromkeys(named))
            notices.append(f"You picked {authority}, but the question names {said}: this answers for {said}.")
            authority = named[0] if len(set(named)) == 1 else None  # several named: each is searched
        engine_name = req.engine or self.settings.engine
        base = dict(session_id=session.id, answer_id=uuid.uuid4().hex, engine=engine_name)

        def finish(resp: AskResponse, resolution_question: str, authorities: list[str]) -> AskResponse:
            timings["total"] = (time.perf_counter() - t0) * 1000
            if not resp.rules and not resp.clarify and not resp.refused and plan is not None and plan.kind == "policy":
                sframe.subject = resolution_question
                sframe.authorities_in_play = tuple(authorities)
                if len(authorities) == 1:
                    sframe.authority = authorities[0]
            resp.timings_ms = {k: round(v, 2) for k, v in timings.items()}
            if not resp.clarify:  # a "which one?" is not what the next follow-up builds on
                self.sessions.record(
                    session,
                    Turn(req.question, resolution_question, tuple(authorities), resp.answer_id, resp.refused),
                )
            if self.feedback is not None:
                self.feedback.register_answer(resp.answer_id, resp.engine, resp.refused, answer_details(resp))
            if self.settings.log_full_text and not _carries_facts(req.question, today):
                log.info("ask q=%r refused=%s answer=%r", req.question, resp.refused, resp.answer)
            else:
                log.info("ask chars=%d refused=%s citations=%d", len(req.question), resp.refused, len(resp.citations))
            return resp

        # 2. declined outright: not a policy question, or a council the corpus does not hold
        first = read_frame(req.question, self.corpus, self.retriever.glossary, authority)
        reason: str | None = first.decline
        rule_topic, is_rule_question = _rule_readers()
        plan: TurnPlan | None = None
        if reason is None:  # a request to draft or decide stays declined, whatever facts it carries
            plan = plan_turn(req.question, sframe, today or date.today(), rule_topic, is_rule_question)
        text = NOT_POLICY_TEXT if reason == "not_policy" else DECLINE_TEXT.get(reason or "", "")
        if reason is None and not authority and first.unknown_authority:
            reason = "unknown_authority"
            text = (
                f"The corpus holds no policy from {first.unknown_authority}, so I can't answer for it. "
                f"It covers: {', '.join(self.corpus.authorities)}."
            )
        if reason:
            self._record_gap(_private(req.question, today), authority, reason, self._nearest_anywhere(req.question))
            resp = AskResponse(
                answer=text,
                refused=True,
                refusal_reason=reason,
                interpreted_question=req.question,
                notices=notices,
                **base,
            )
            yield from self._emit(resp, stream)
            yield finish(resp, req.question, [authority] if authority else [])
            return

        if named:
            sframe.authority = named[0] if len(named) == 1 else sframe.authority
        elif authority:
            sframe.authority = authority
        facts_extra = dict(facts_read=plan.read_back or None, facts=_jsonable_facts(sframe.facts)) if plan else {}

        # 3a. turns planned against the session frame: clarify, facts only, a computation
        if plan is not None and plan.kind in ("clarify", "facts"):
            if plan.kind == "clarify":
                text, missing = plan.clarify, [plan.clarify]
            else:
                text = (f"{plan.read_back}.\n\nWhat would you like to know: for example whether they can apply for "
                        "a special guardianship or child arrangements order, or whether this is private fostering?")
                missing = []
            resp = AskResponse(answer=text, refused=False, interpreted_question=req.question, notices=notices,
                               missing_facts=missing, clarify=plan.kind == "clarify", **facts_extra, **base)
            yield from self._emit(resp, stream)
            yield finish(resp, req.question, [authority] if authority else [])
            return
        if plan is not None and plan.kind == "rule":
            rule_auth = authority or (named[0] if named else sframe.authority)
            rule = self._rules(plan.question, rule_auth, today, known=sframe.facts)
            if rule is not None:
                res = Resolution(plan.question, rule_auth, True)
                resp = self._rule_response(rule, plan.question, res, notices, base)
                resp.facts_read, resp.facts = plan.read_back or None, _jsonable_facts(sframe.facts)
                yield from self._emit(resp, stream)
                yield finish(resp, plan.question, [rule_auth] if rule_auth else [])
                return

        # 3. follow-ups
        resolution: Resolution = resolve(
            req.question, session.last_turn, authority, self.corpus, self.retriever.glossary
        )
        switched = version_follow_up(req.question, sframe) if not resolution.follow_up else None
        if switched:
            resolution = Resolution(switched, authority or sframe.authority, True,
                                    f"Read as a version follow-up to \u201c{sframe.subject}\u201d.")
        glossary = self.retriever.glossary
        own_subjects = glossary.subjects(req.question)
        last_subject = next((m.surface for m in glossary.subjects(sframe.subject or "")), None)
        if not resolution.follow_up and not switched:
            which = needs_which(req.question, sframe, bool(named), bool(own_subjects))
            if which:
                sframe.pending = req.question
                resp = AskResponse(answer=which, refused=False, interpreted_question=req.question, notices=notices,
                                   missing_facts=[which], clarify=True, **facts_extra, **base)
                yield from self._emit(resp, stream)
                yield finish(resp, req.question, [])
                return
            short = (named[0] if named else (authority or sframe.authority) or "").split(" ")[0] or None
            if sframe.pending and len(req.question.split()) <= 4:
                # the answer to "which one?": the pending question, with what was just said
                subject = own_subjects[0].surface if own_subjects else last_subject
                filled = back_reference(sframe.pending, sframe, subject, short) or sframe.pending
                resolution = Resolution(filled, named[0] if named else (authority or sframe.authority), True,
                                        f"Read as the answer to \u201c{sframe.pending}\u201d.")
            elif not own_subjects and (br := back_reference(req.question, sframe, last_subject, short)):
                resolution = Resolution(br, authority or (named[0] if named else sframe.authority), True,
                                        f"Read as a follow-up about {last_subject}.")
        sframe.pending = None
        if resolution.authority is None and not named and sframe.authority:
            # a follow-up that names no council keeps the one in play
            resolution = Resolution(resolution.question, sframe.authority, resolution.follow_up,
                                    resolution.explanation or f"Council kept from the conversation: {sframe.authority}.")
        if resolution.explanation:
            notices.append(resolution.explanation)
        question = resolution.question
        timings["resolve"] = (time.perf_counter() - t0) * 1000

        # 4. rule questions
        rule = self._rules(question, resolution.authority, today)
        if rule is not None:
            resp = self._rule_response(rule, question, resolution, notices, base)
            timings["rules"] = (time.perf_counter() - t0) * 1000 - timings["resolve"]
            yield from self._emit(resp, stream)
            yield finish(resp, question, [resolution.authority] if resolution.authority else [])
            return

        # 5. retrieval and the evidence check
        frame = read_frame(question, self.corpus, self.retriever.glossary, resolution.authority)
        t_r = time.perf_counter()
        retrieval = self.retriever.retrieve(question, authority=resolution.authority, scope=frame.version)
        timings.update({f"retrieve_{k}": v for k, v in retrieval.timings_ms.items()})
        timings["retrieve"] = (time.perf_counter() - t_r) * 1000
        interpreted = self._interpreted(question, retrieval)
        authorities = retrieval.analysis.authorities
        evidence = evidence_of(retrieval, self.retriever.weights)
        base["evidence"] = {
            "top_dense": round(evidence.top_dense, 4),
            "top_overlap": round(evidence.top_overlap, 4),
            "unknown_share": round(evidence.unknown_share, 4),
            "score": round(evidence.score(self.settings.refusal_overlap_weight, self.settings.refusal_unknown_weight), 4),
        }
        if not retrieval.chunks or is_weak(evidence, self.settings):
            reason = "weak_evidence"
        elif lacks_asked_amount(question, retrieval):
            reason = "no_amount_in_policies"
        else:
            reason = None
        if reason:
            resp = self._refusal(_private(req.question, today), retrieval, reason, interpreted, notices, base)
            yield from self._emit(resp, stream)
            yield finish(resp, question, authorities)
            return

        # 6. answer
        t_a = time.perf_counter()
        streamed = False
        if engine_name == "generative":
            if stream:
                ans = None
                for item in self.generative.stream(retrieval):
                    if isinstance(item, EngineAnswer):
                        ans = item
                    else:
                        streamed = True
                        yield item
            else:
                ans = self.generative.answer(retrieval)
        else:
            ans = self.extractive.answer(retrieval, frame)
        timings["answer"] = (time.perf_counter() - t_a) * 1000
        if ans is None or ans.refused:
            reason = ans.refusal_reason if ans else "generation_failed"
            resp = self._refusal(_private(req.question, today), retrieval, reason or "weak_evidence", interpreted, notices, base)
            if not streamed:
                yield from self._emit(resp, stream)
            yield finish(resp, question, authorities)
            return
        resp = AskResponse(
            answer=ans.answer,
            citations=ans.citations,
            refused=False,
            interpreted_question=interpreted,
            interpretation=self._interpretation(retrieval),
            notices=notices + ans.notices,
            dropped_sentences=ans.dropped_sentences,
            authorities=ans.authorities,
            **base,
        )
        if not streamed:
            yield from self._emit(resp, stream)
        yield finish(resp, question, authorities)

    # -- pieces --------------------------------------------------------------------
    @staticmethod
    def _emit(resp: AskResponse, stream: bool) -> Iterator[str]:
        """Stream a ready answer in pieces (lines), so clients render progressively."""
        if not stream:
            return
        lines = resp.answer.split("\n")
        for i, line in enumerate(lines):
            yield line + ("\n" if i < len(lines) - 1 else "")

    def _interpreted(self, question: str, retrieval: Retrieval) -> str:
        """The question as it was read: a follow-up is rewritten into a whole question.

        Kept as plain question text (other tools search with it); how it was scoped
        (authorities, versions, expansions) is in the response's ``interpretation``.
        """
        return question

    @staticmethod
    def _interpretation(retrieval: Retrieval) -> dict:
        a = retrieval.analysis
        return {
            "authorities": a.authorities or "all",
            "versions": a.scope.reason or "current versions only",
            "document_ids": list(a.scope.document_ids) if a.scope.document_ids else None,
            "expanded_with": list(retrieval.expansion.added),
        }

    def _nearest_anywhere(self, question: str) -> list[NearestSection]:
        """Nearest sections in all authorities for a question declined before retrieval (a council
        the corpus does not hold, off-topic, hostile): the gap log must point a QA lead somewhere."""
        try:
            return nearest_sections(self.retriever.retrieve(question, authority=None), self.corpus)
        except Exception:  # the log must never cost the user the answer
            log.exception("could not find the nearest sections of a declined question")
            return []

    def _record_gap(self, question: str, authority: str | None, reason: str, nearest: list[NearestSection]) -> None:
        try:
            self.gaps.record(question, authority, reason, nearest)
        except Exception:  # the log must never cost the user the answer
            log.exception("could not record a policy gap")

    def _refusal(self, question, retrieval: Retrieval, reason: str, interpreted: str, notices, base) -> AskResponse:
        nearest = nearest_sections(retrieval, self.corpus)
        authority = ", ".join(retrieval.analysis.authorities) or None
        self._record_gap(question, authority, reason, nearest)
        return AskResponse(
            answer=refusal_text(nearest, reason),
            refused=True,
            refusal_reason=reason,
            interpreted_question=interpreted,
            interpretation=self._interpretation(retrieval),
            nearest_sections=nearest,
            notices=notices,
            authorities=retrieval.analysis.authorities,
            **base,
        )

    def _rules(self, question: str, authority: str | None, today: date | None, known: dict | None = None):
        answer_rule_question = _rule_answerer()
        if answer_rule_question is None:
            return None
        try:
            if known:
                return answer_rule_question(question, authority, today, settings=self.settings, known=known)
            return answer_rule_question(question, authority, today, settings=self.settings)
        except TypeError:  # an older rule layer without the settings keyword
            return answer_rule_question(question, authority, today)
        except Exception:  # a rule-layer bug must not take questions down: answer from text
            log.exception("rule layer failed; answering from the policies instead")
            return None

    def _rule_response(self, rule, question: str, resolution: Resolution, notices, base) -> AskResponse:
        missing = list(getattr(rule, "missing_facts", []) or [])
        answer = rule.answer  # the rule layer's answer already asks for what is missing
        return AskResponse(
            answer=answer,
            citations=list(rule.citations or []),
            refused=False,
            interpreted_question=f"{question} [rule calculation]",
            rules=[r if isinstance(r, dict) else r.model_dump(mode="json") for r in (rule.results or [])],
            missing_facts=missing,
            notices=notices,
            authorities=sorted({c.authority for c in rule.citations or []}),
            **base,
        )
