"""What the chat does on each event; ``chainlit_app.py`` only wires these to Chainlit.

Every answer comes from the shared services (``assistant.services.get_services``) that
the API and the CLI use, called in-process:

- questions stream through ``AskService.ask_stream``; each citation [n] becomes a side
  panel (``cl.Text`` named ``[n]``) with the passage highlighted in its document;
- rule questions take the same path (the service hands them to ``assistant.rules``);
  when the response lists ``missing_facts`` the chat asks for them
  (``cl.AskUserMessage``) and asks again with the reply, instead of guessing;
- ``/quiz`` runs the trainers' induction quiz (``assistant.ui.quiz``), for the roles that
  may (``assistant.access.roles``: trainers and admins); others are told it is not theirs.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.input_widget import Select, Slider

from assistant.access.roles import QUIZ
from assistant.models import Citation
from assistant.ui import answer_layout, chat_access, fact_corrections, formatting, quiz, runtime
from assistant.ui.feedback_layer import remember_answer

log = logging.getLogger(__name__)

ALL_AUTHORITIES = "All authorities"
AUTHORITY_KEY = "authority"          # user_session: full authority name or None (all)
SESSION_KEY = "assistant_session_id"  # user_session: the AskService conversation id
QUIZ_ANSWER_TIMEOUT_S = 900          # a learner may think; after this the quiz ends
FACTS_TIMEOUT_S = 300
MAX_FACT_ROUNDS = 2
STOP_WORDS = ("stop", "quit", "end", "end quiz", "stop quiz")

COMMANDS = [
    {
        "id": "quiz",
        "icon": "graduation-cap",
        "description": "Induction quiz from the gold questions; add a topic or authority, e.g. sgo, luton, 3",
        "button": False,
        "persistent": False,
    }
]


# ---------------------------------------------------------------------------
# Corpus, gold set and document text (read once per process)
# ---------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _corpus(manifest_path: Path):
    from assistant.corpus import load_corpus

    return load_corpus(manifest_path)


def corpus():
    return _corpus(runtime.settings().manifest_path)


def authority_choices() -> list[str]:
    """Picker values: "All authorities", then each authority by its short name."""
    shorts = sorted({d.authority_short for d in corpus().documents})
    return [ALL_AUTHORITIES, *shorts]


def authority_from_choice(choice: str | None) -> str | None:
    """Full authority name for a picker value; None means all authorities."""
    if not choice or choice == ALL_AUTHORITIES:
        return None
    return corpus().resolve_authority(choice)


def successors() -> dict[str, str]:
    """Superseded document id -> "<title> (<version>)" of the document replacing it."""
    out = {}
    for d in corpus().documents:
        if d.supersedes:
            out[d.supersedes] = f"{d.title} ({d.version})"
    return out


@lru_cache(maxsize=4)
def _gold_questions(gold_dir: Path) -> tuple[quiz.QuizQuestion, ...]:
    from assistant.evaluation.gold import load_gold

    return tuple(quiz.quiz_questions(load_gold(gold_dir)))


def gold_questions() -> tuple[quiz.QuizQuestion, ...]:
    return _gold_questions(runtime.settings().resolve(runtime.settings().gold_dir))


def document_text(document_id: str) -> str | None:
    """The normalised text citation offsets refer to; None when it cannot be read."""
    try:
        from ingest.documents import load_document_text

        return load_document_text(runtime.settings(), document_id)
    except Exception as exc:  # noqa: BLE001 - the panel then shows the quote alone
        log.warning("no document text for %s: %s", document_id, exc)
        return None


# ---------------------------------------------------------------------------
# Starters
# ---------------------------------------------------------------------------

STARTER_KINDS = ("eligibility", "timescale", "comparison", "options", "process", "definition")


def _starter_rank(q: quiz.QuizQuestion) -> tuple:
    """Prefer questions about current documents (no year, no "old"), short ones first."""
    import re

    dated = bool(re.search(r"\b(19|20)\d\d\b|\bold\b|\bprevious\b", q.question, re.IGNORECASE))
    return (dated, len(q.question) > 70, len(q.question))


def starter_questions(max_n: int = 4) -> list[tuple[str, str]]:
    """(label, question) pairs from the gold set: one per kind, different authorities
    where possible, so the empty screen shows the range of what can be asked."""
    try:
        qs = gold_questions()
    except Exception as exc:  # noqa: BLE001 - an empty screen without starters still works
        log.warning("no starters: gold set unreadable: %s", exc)
        return []
    picked: list[quiz.QuizQuestion] = []
    used_auth: set[str | None] = set()
    for kind in STARTER_KINDS:
        cands = sorted((q for q in qs if q.kind == kind), key=_starter_rank)
        if not cands:
            continue
        fresh = [q for q in cands if q.authority not in used_auth]
        q = (fresh or cands)[0]
        picked.append(q)
        used_auth.add(q.authority)
        if len(picked) == max_n:
            break
    out = []
    for q in picked:
        text = q.question.strip()
        text = text[0].upper() + text[1:]
        label = text if len(text) <= 60 else text[:57].rsplit(" ", 1)[0] + "…"
        out.append((label, text))
    return out


async def starters() -> list[cl.Starter]:
    return [cl.Starter(label=label, message=msg) for label, msg in starter_questions()]


# ---------------------------------------------------------------------------
# Session start and settings
# ---------------------------------------------------------------------------

async def start_chat() -> None:
    """Authority picker (remembered per session) and the /quiz command."""
    cl.user_session.set(AUTHORITY_KEY, None)
    await cl.ChatSettings(
        [
            Select(
                id="authority",
                label="Authority",
                values=authority_choices(),
                initial_index=0,
                description="Answer from one council's policies, or compare all of them.",
            ),
            *quiz_settings_widgets(),
        ]
    ).send()
    await cl.context.emitter.set_commands(COMMANDS if chat_access.may(QUIZ) else [])


ANY_TOPIC = "Any topic"
ANY_COUNCIL = "Any council"
QUIZ_SETTINGS_KEY = "quiz_settings"  # user_session: {"topic": id | None, "council": short | None, "count": n}


def quiz_topics() -> dict[str, str]:
    """Readable topic name -> topic id, for the trainers' picker (most questions first)."""
    from collections import Counter

    counts = Counter(q.topic for q in gold_questions())
    labels: dict[str, str] = {}
    for topic, _ in counts.most_common():
        labels.setdefault(quiz.topic_label(topic), topic)
    return labels


def quiz_settings_widgets() -> list:
    """Trainers pick the quiz's topic, council and length here; `/quiz` then uses them."""
    try:
        topics = list(quiz_topics())
    except Exception as exc:  # noqa: BLE001 - the chat works without the quiz pickers
        log.warning("no quiz settings: gold set unreadable: %s", exc)
        return []
    councils = [ALL_AUTHORITIES, *authority_choices()[1:]]
    return [
        Select(id="quiz_topic", label="Quiz topic", values=[ANY_TOPIC, *topics], initial_index=0,
               description="For trainers: the topic of the /quiz questions."),
        Select(id="quiz_council", label="Quiz council", values=[ANY_COUNCIL, *councils[1:]], initial_index=0,
               description="For trainers: questions about one council's policies, or any."),
        Slider(id="quiz_count", label="Quiz questions", initial=quiz.DEFAULT_COUNT, min=1, max=quiz.MAX_COUNT, step=1,
               description="For trainers: how many questions /quiz asks."),
    ]


def quiz_request_from_settings(request: quiz.QuizRequest, picked: Mapping[str, Any] | None) -> quiz.QuizRequest:
    """A bare `/quiz` takes topic, council and length from the chat settings; words typed
    after `/quiz` win over them."""
    if request.terms or not picked:
        return request
    terms = tuple(t for t in (picked.get("topic"), picked.get("council")) if t)
    return quiz.QuizRequest(terms, int(picked.get("count") or request.count))


async def settings_updated(values: Mapping[str, Any]) -> None:
    """Remember the picked authority (and the trainers' quiz choices) for the session."""
    topic = values.get("quiz_topic")
    council = values.get("quiz_council")
    try:
        topic_id = quiz_topics().get(topic) if topic and topic != ANY_TOPIC else None
    except Exception:  # noqa: BLE001 - gold set unreadable: no topic filter
        topic_id = None
    cl.user_session.set(QUIZ_SETTINGS_KEY, {
        "topic": topic_id,
        "council": council.lower() if council and council != ANY_COUNCIL else None,
        "count": values.get("quiz_count") or quiz.DEFAULT_COUNT,
    })
    choice = values.get("authority")
    try:
        authority = authority_from_choice(choice)
    except ValueError as exc:
        await cl.context.emitter.send_toast(str(exc), "error")
        return
    changed = authority != cl.user_session.get(AUTHORITY_KEY)
    cl.user_session.set(AUTHORITY_KEY, authority)
    if changed:  # not when only the trainers' quiz choices changed
        where = authority or "all authorities"
        await cl.context.emitter.send_toast(f"Answers now come from {where}.", "info")


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------

async def handle_message(message: cl.Message) -> None:
    text = (message.content or "").strip()
    if message.command == "quiz" or text.lower().startswith("/quiz"):
        if not chat_access.may(QUIZ):
            await cl.Message(content="The induction quiz is for trainers; ask an administrator if you need it.").send()
            return
        await run_quiz(text if not message.command else f"quiz {text}")
        return
    if not text:
        return
    await answer_question(text)


def _as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return dict(obj)


def citations_of(response: Mapping[str, Any]) -> list[Citation]:
    return [c if isinstance(c, Citation) else Citation.model_validate(_as_dict(c)) for c in response.get("citations") or []]


def citation_elements(citations: Sequence[Citation]) -> list[cl.Text]:
    """One side-panel element per citation, named like its marker so [n] opens it."""
    texts: dict[str, str | None] = {}
    out = []
    for c in citations:
        if c.document_id not in texts:
            texts[c.document_id] = document_text(c.document_id)
        out.append(cl.Text(name=formatting.element_name(c.n), content=formatting.citation_panel(c, texts[c.document_id]), display="side"))
    return out


def searched_line(response: Mapping[str, Any], question: str) -> str | None:
    """How the question was read ("authority: Wigan Council; also searched as: ..."),
    from the bracketed part of ``interpreted_question``."""
    interpreted = (response.get("interpreted_question") or "").strip()
    if not interpreted or interpreted.casefold() == question.strip().casefold():
        return None
    if interpreted.endswith("]") and "[" in interpreted:
        head, _, inner = interpreted[:-1].rpartition("[")
        if head.strip().casefold() == question.strip().casefold():
            return f"_Searched: {formatting.escape_markdown(inner.strip())}_"
        return f"_Read as: {formatting.escape_markdown(head.strip())} — {formatting.escape_markdown(inner.strip())}_"
    return f"_Read as: {formatting.escape_markdown(interpreted)}_"


def compose_answer(response: Mapping[str, Any], question: str, today: date | None = None) -> str:
    """The final markdown of an answer message from an AskResponse (as a dict)."""
    citations = citations_of(response)
    notices = [str(n) for n in (response.get("notices") or [])]
    if response.get("refused"):
        return formatting.refusal_markdown(
            response.get("answer", ""), response.get("nearest_sections") or [], notices, response.get("refusal_reason")
        )
    parts: list[str | None] = [searched_line(response, question)]
    parts += [f"_{formatting.escape_markdown(n)}_" for n in notices]
    parts.append(formatting.superseded_banner(citations, successors()))
    parts.append((response.get("answer") or "").strip())
    if response.get("rules"):
        due_soon = getattr(runtime.settings(), "rules_due_soon_days", formatting.DUE_SOON_DAYS)
        parts.append(formatting.rule_results_markdown(response["rules"], today=today, due_soon_days=due_soon))
    if citations:
        parts.append(answer_layout.source_cards(citations))
    return "\n\n".join(p for p in parts if p)


# ---------------------------------------------------------------------------
# Answer layout: short rule answers with their reasoning folded, the copy button
# ---------------------------------------------------------------------------

COPY_ELEMENT_NAME = "Copy for case record"


def policy_update_dates() -> dict[str, date | None]:
    """Document id -> the date its policy was last updated (manifest ``date``)."""
    return {d.id: d.date for d in corpus().documents}


def copy_element(question: str, answer_markdown: str, citations: Sequence[Citation]) -> cl.CustomElement:
    """The "Copy for case record" button (``public/elements/CaseRecordCopy.jsx``): the
    browser copies the answer as plain text with every citation in full."""
    text = answer_layout.case_record_text(question, answer_markdown, citations, policy_update_dates(), date.today())
    return cl.CustomElement(name="CaseRecordCopy", display="inline", props={"text": text, "label": COPY_ELEMENT_NAME})


def rule_answer_parts(response: Mapping[str, Any], question: str, today: date | None = None) -> tuple[str, str]:
    """A rule answer as (short summary shown first, reasoning and sources folded away)."""
    today = today or date.today()
    due_soon = getattr(runtime.settings(), "rules_due_soon_days", formatting.DUE_SOON_DAYS)
    summary = "\n\n".join(p for p in [searched_line(response, question),
                                       answer_layout.rule_summary(response, today, due_soon)] if p)
    return summary, compose_answer(response, question, today=today)


async def send_answer(msg: cl.Message, response: Mapping[str, Any], question: str) -> None:
    """Send ``msg`` as the answer to ``question``: its text, its own citation elements
    (scoped to this message, so [n] always opens this answer's passage n) and the copy
    button. A rule answer shows its short form, with the reasoning and its citations in
    a collapsed step under it."""
    citations = citations_of(response)
    # what was read of the child's facts goes first, with its one-action correction
    read_back = fact_corrections.read_back_line(response)
    msg.actions = fact_corrections.actions(response)
    if answer_layout.is_rule_answer(response):
        summary, details = rule_answer_parts(response, question)
        msg.content = read_back + summary
        msg.elements = [copy_element(question, summary + "\n\n" + details, citations)]
        await msg.send()
        step = cl.Step(name=answer_layout.REASONING_STEP_NAME, type="tool", show_input=False, default_open=False)
        step.output = details
        step.elements = citation_elements(citations)
        await step.send()
        return
    msg.content = read_back + compose_answer(response, question)
    msg.elements = [*citation_elements(citations), copy_element(question, msg.content, citations)]
    await msg.send()


def _remember(msg: cl.Message, answer_id: str | None) -> None:
    """Let a rating of ``msg`` reach its answer. Chainlit puts the thumbs on the *run*
    (the ``on_message`` step around the handler) and sends the run's id, so the run is
    mapped too; a run that shows several answers (facts asked for, a quiz) is rated as
    its latest one."""
    remember_answer(msg.id, answer_id)
    try:
        run = cl.context.current_run
    except Exception:  # noqa: BLE001 - no Chainlit context: nothing more to map
        run = None
    if run is not None:
        remember_answer(run.id, answer_id)


def _owner() -> str:
    """Whose conversation this is: the logged-in user, else this chat session alone."""
    user = cl.user_session.get("user")
    return f"user:{user.identifier}" if user is not None else f"chat:{cl.user_session.get('id')}"


def _ask_request(question: str, authority: str | None, session_id: str | None):
    from assistant.ui.service_adapters import ask_request

    return ask_request(question, authority, session_id)


async def _stream(iterable):
    """Yield from a sync or async iterator without blocking the event loop."""
    if hasattr(iterable, "__aiter__"):
        async for item in iterable:
            yield item
        return
    it = iter(iterable)
    done = object()
    while True:
        item = await asyncio.to_thread(next, it, done)
        if item is done:
            return
        yield item


async def answer_question(question: str, _round: int = 0) -> cl.Message:
    """Stream the assistant's answer, then attach its sources and banners.

    If the answer is a rule computation that lacks facts, ask the user for them and
    answer again with the reply added to the question (at most ``MAX_FACT_ROUNDS``).
    """
    authority = cl.user_session.get(AUTHORITY_KEY)
    try:
        request = _ask_request(question, authority, cl.user_session.get(SESSION_KEY))
    except ValueError as exc:  # pydantic's ValidationError: empty or over-long question
        reasons = "; ".join(e.get("msg", "") for e in getattr(exc, "errors", lambda: [])()) or str(exc)
        msg = cl.Message(content=f"I can't take that question: {formatting.escape_markdown(reasons)}.")
        await msg.send()
        return msg
    msg = cl.Message(content="")
    final = None
    try:
        svc = runtime.services()
        async for part in _stream(svc.ask.ask_stream(request, owner=_owner())):
            if isinstance(part, str):
                await msg.stream_token(part)
            else:
                final = part
    except Exception as exc:  # noqa: BLE001 - the user sees a clear error, the log the trace
        log.exception("ask failed")
        msg.content = f"Sorry, the assistant could not answer: {formatting.escape_markdown(str(exc))}"
        await msg.send()
        return msg
    response = _as_dict(final)
    if response.get("session_id"):
        cl.user_session.set(SESSION_KEY, response["session_id"])
    await send_answer(msg, response, question)  # ends the stream (if any) with the final content
    _remember(msg, response.get("answer_id"))
    missing = [str(m) for m in response.get("missing_facts") or []]
    if missing:
        if _round >= MAX_FACT_ROUNDS:
            await cl.Message(content="I still do not have the facts I need, so I have not computed anything. "
                                     "Ask again with them in the question.").send()
            return msg
        reply = await cl.AskUserMessage(content=formatting.missing_facts_prompt(missing), timeout=FACTS_TIMEOUT_S).send()
        facts = (reply or {}).get("output", "").strip()
        if not facts:
            await cl.Message(content="No facts given, so I have not computed anything.").send()
            return msg
        return await answer_question(f"{question}\n{facts}", _round + 1)
    return msg


# ---------------------------------------------------------------------------
# Quiz
# ---------------------------------------------------------------------------

def quiz_intro(questions: Sequence[quiz.QuizQuestion], request: quiz.QuizRequest) -> str:
    topics = sorted({q.topic_label for q in questions})
    filt = f" on **{' '.join(request.terms)}**" if request.terms else ""
    return (
        f"**Induction quiz**{filt}: {len(questions)} question(s) from the gold set "
        f"({', '.join(topics)}). Answer in your own words; after each answer you see the model "
        "answer with its sources and which key facts you covered. Type `skip` to pass, `stop` to finish."
    )


async def run_quiz(text: str, rng: random.Random | None = None) -> quiz.QuizSession | None:
    """Ask gold questions one by one, score each answer, then offer the summary files."""
    request = quiz_request_from_settings(quiz.parse_quiz_request(text), cl.user_session.get(QUIZ_SETTINGS_KEY))
    pool = gold_questions()
    questions = quiz.select_questions(pool, request, rng)
    if not questions:
        from collections import Counter

        topics = ", ".join(t for t, _ in Counter(q.topic for q in pool).most_common(15))
        await cl.Message(content=f"No quiz questions match **{' '.join(request.terms)}**. "
                                 f"Try an authority (wigan, bolton, luton, wiltshire), a kind (eligibility, timescale) "
                                 f"or a topic: {topics}.").send()
        return None
    session = quiz.QuizSession(request)
    await cl.Message(content=quiz_intro(questions, request)).send()
    similarity = quiz_similarity()
    for i, q in enumerate(questions, 1):
        where = f" · {q.authority.capitalize()}" if q.authority else ""
        reply = await cl.AskUserMessage(
            content=f"**Question {i} of {len(questions)}** ({q.topic_label}{where})\n\n{q.question}",
            timeout=QUIZ_ANSWER_TIMEOUT_S,
        ).send()
        if reply is None:
            await cl.Message(content="No answer for a while, so the quiz has ended.").send()
            break
        answer = (reply.get("output") or "").strip()
        if answer.lower() in STOP_WORDS:
            break
        record = await asyncio.to_thread(session.record, q, answer, similarity)
        await cl.Message(content=quiz_round_markdown(record)).send()
    if not session.records:
        await cl.Message(content="Quiz ended before any answer, so there is no summary.").send()
        return session
    await send_quiz_summary(session)
    return session


def quiz_similarity():
    """Concept matching for the quiz: the assistant's own embedder (None if unavailable,
    and scoring then credits the same words and glossary forms only)."""
    try:
        from assistant.components.embedding.embedding_component import get_embedder

        return quiz.embedder_similarity(get_embedder(runtime.settings()))
    except Exception as exc:  # noqa: BLE001 - a quiz without concept matching still works
        log.warning("quiz scoring without the embedder: %s", exc)
        return None


def describe_source(document_id: str) -> str:
    """"Luton Council, Permanence Planning Guidance (v56, current)" for a document id."""
    doc = next((d for d in corpus().documents if d.id == document_id), None)
    if doc is None:
        return document_id
    return f"{doc.authority}, {doc.title} ({doc.version}, {doc.status})"


def quiz_round_markdown(record: quiz.QuizRecord) -> str:
    """What the learner sees after answering: the points, with the words that earned
    them, then the gold answer (its passages whole and its key facts)."""
    return quiz.feedback_markdown(record) + "\n\n" + quiz.model_answer_markdown(record.question, describe_source)


async def send_quiz_summary(session: quiz.QuizSession) -> cl.Message:
    t = session.totals()
    rows = ["| Topic | Questions | Key facts | Score |", "| --- | ---: | ---: | ---: |"]
    for s in session.topic_scores():
        rows.append(f"| {s.label} | {s.questions} | {s.covered} / {s.total} | {s.percent}% |")
    rows.append(f"| **All topics** | {t.questions} | {t.covered} / {t.total} | {t.percent}% |")
    stamp = session.started.strftime("%Y%m%d-%H%M")
    files = [
        cl.File(name=f"quiz-summary-{stamp}.md", content=quiz.summary_markdown(session).encode("utf-8"), mime="text/markdown", display="inline"),
        cl.File(name=f"quiz-summary-{stamp}.csv", content=quiz.summary_csv(session).encode("utf-8"), mime="text/csv", display="inline"),
    ]
    msg = cl.Message(content="**Quiz summary**: score per topic\n\n" + "\n".join(rows) + "\n\nDownload the summary for your records:", elements=files)
    await msg.send()
    return msg
