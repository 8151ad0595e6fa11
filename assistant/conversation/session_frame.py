"""The session frame: what a conversation is about, kept between turns (not a transcript).

A practitioner talks about one child, one council, one order. The frame keeps the
authority in play, the subject, the version asked about, the child's facts read so far
(``understanding/facts.py``) and the last computation. Each new message is planned
against it (``plan_turn``):

- a **rule turn** (a computation): the message names a rule topic, or continues the last
  computation with a new fact, a back reference ("when's the one after that?") or a
  yes/no ("so is he eligible?"); the rule layer gets the facts of the whole conversation;
- a **facts turn**: facts with no question ("uncle has had the boy since 1 Feb 2025"):
  they are read back and kept, nothing is computed yet;
- a **clarify turn**: a follow-up that cannot be resolved ("and her brother's?" with no
  date for him, "what about the other one?") says what it needs instead of guessing;
- a **policy turn**: everything else, answered from the policies; a follow-up that names no
  council keeps the one in play, a version switch keeps the question and changes version.

The child's facts live only here, in memory, for the life of the session (never in logs,
the gap log or feedback).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from assistant.understanding.facts import fmt, read_back, read_facts

# a follow-up continuing the last computation
_CONTINUES = re.compile(
    r"^\s*(?:and|so|but|what\s+if|suppose|if|then|ok|okay|actually|what\s+about|how\s+about)\b|"
    r"\b(?:instead|actually|then\??$|the\s+one\s+after|next\s+one|one\s+after\s+that|after\s+that|that\s+one|"
    r"the\s+(?:first|second|third|fourth|fifth|last|next)\s+one|(?:first|second|third|fourth|1st|2nd|3rd|4th)\s+review|"
    r"eligible|can\s+(?:he|she|they)|could\s+(?:he|she|they)|does\s+it\s+apply|is\s+it\s+(?:pf|private)|"
    r"need\s+leave|fine\s+applying|when\s+can|anything\s+(?:overdue|due)|overdue|still\s+due)\b",
    re.I,
)
_OTHER_CHILD = re.compile(r"\b(?:her|his|their|the)\s+(?:brother|sister|sibling|twin)(?:'s|s'|’s)?(?:\s+one)?\s*\??\s*$",
                          re.I)
_AMBIGUOUS = re.compile(r"\bthe\s+other\s+(?:one|ones)\b|^\s*(?:and\s+)?(?:what\s+about\s+)?(?:that|it|this)\s*\??\s*$",
                        re.I)
_VERSION = re.compile(r"\b(?:20(?:19|20|21)|old(?:er)?\s+(?:strategy|version|policy|one)|previous\s+(?:strategy|version)|"
                      r"superseded|still\s+the\s+case|changed|change\s+since|used\s+to)\b", re.I)
_FACT_KEYS = ("looked_after_from", "reviews_held", "care_proceedings_issued_on", "relationship",
              "is_local_authority_foster_carer", "lived_with_since", "lived_with", "application_date", "today",
              "child_age", "child_date_of_birth", "child_disabled", "arrangement_start", "arrangement_end",
              "intended_days")


@dataclass
class SessionFrame:
    """What the conversation is about so far."""

    authority: str | None = None  # full name of the council in play
    subject: str | None = None  # the last policy question, as read
    version_scope: str | None = None
    facts: dict = field(default_factory=dict)
    rule_topic: str | None = None  # the last computation: review, sgo, cao, private_fostering
    last_rule_question: str | None = None
    authorities_in_play: tuple[str, ...] = ()  # councils the last policy answer covered
    pending: str | None = None  # a question that was answered with "which one?"

    def merge_facts(self, new: dict) -> None:
        """A new fact replaces the old one of its kind ("and if it's her uncle instead?")."""
        new = {k: v for k, v in new.items() if k in _FACT_KEYS}
        end = new.get("arrangement_end")
        if end and "arrangement_start" not in new and "arrangement_start" not in self.facts:
            # "actually she lived with him until 30 March 2022": the end of the period held
            periods = self.facts.get("lived_with") or []
            if len(periods) == 1:
                new.pop("arrangement_end")
                new["lived_with"] = [dict(periods[0], to_date=end)]
            elif "lived_with_since" in self.facts:
                new.pop("arrangement_end")
                new["lived_with"] = [{"from_date": self.facts["lived_with_since"], "to_date": end}]
        if "lived_with_since" in new:
            self.facts.pop("lived_with", None)
        if "lived_with" in new:
            self.facts.pop("lived_with_since", None)
        if "relationship" in new and not new.get("is_local_authority_foster_carer"):
            self.facts.pop("is_local_authority_foster_carer", None)
        if "reviews_held" in new and "reviews_held" in self.facts:
            new = dict(new, reviews_held=sorted(set(self.facts["reviews_held"]) | set(new["reviews_held"])))
        if "application_date" in new:
            self.facts.pop("today", None)
        self.facts.update(new)

    def facts_for_eval(self) -> dict:
        """The facts under every name the rule layer uses (carer_relationship is relationship)."""
        out = dict(self.facts)
        if "relationship" in out:
            out["carer_relationship"] = out["relationship"]
        if "lived_with_since" in out and "arrangement_start" not in out:
            out["arrangement_start"] = out["lived_with_since"]
        if "application_date" in out:
            out["today"] = out["application_date"]
        return out


@dataclass(frozen=True)
class TurnPlan:
    kind: str  # rule | facts | clarify | policy
    question: str  # what the next stage reads (the filled frame for a rule turn)
    topic: str | None = None
    read_back: str = ""
    clarify: str = ""
    notes: tuple[str, ...] = ()


def _ask_words(topic: str, question: str) -> str:
    if topic == "sgo":
        return "Can they apply for a special guardianship order?"
    if topic == "cao":
        return "Can they apply for a child arrangements order?"
    if topic == "private_fostering":
        return "Is this private fostering?"
    if re.search(r"overdue|\bdue\b|ppm|planning meeting|\badm\b|ratif|timeline|deadline|26|proceedings", question, re.I):
        return "What is due and what is overdue (timeline)?"
    return "When are the reviews due?"


def _facts_in_words(facts: dict) -> str:
    text = read_back(facts)
    return text[len("I read: "):] if text else ""


def plan_turn(question: str, frame: SessionFrame, today: date, rule_topic, is_rule_question) -> TurnPlan:
    """Plan one message against the frame (and update the frame's facts).

    ``rule_topic`` and ``is_rule_question`` are the rule layer's readers of a topic, passed
    in so this module does not import the rule layer (which is optional).
    """
    read = read_facts(question, today)
    new = {k: v for k, v in read.as_dict().items() if k in _FACT_KEYS}
    topic = rule_topic(question)
    if topic is None and new and frame.subject and not frame.facts:
        topic = rule_topic(frame.subject)  # "how long before it counts as PF?" then "friend has her from 1 to 28 June"
    continues = bool(_CONTINUES.search(question)) or len(re.findall(r"\w+", question)) <= 4

    if _OTHER_CHILD.search(question) and not (new.keys() - {"relationship"}) and frame.facts:
        return TurnPlan("clarify", question, clarify=(
            "That is another child: I need their own facts (for example the date they came into care) "
            "before I can work anything out for them. When did they come into care?"))
    if _AMBIGUOUS.search(question) and not new and not topic:
        return TurnPlan("clarify", question, clarify=(
            "Which one do you mean: another order, another council, or another part of the last answer? "
            "Say which and I'll answer for it."))

    if frame.rule_topic and not new and not topic and re.search(
            r"^\s*(?:and\s+)?what\s+about\s+the\s+(?:meeting|panel|order|plan)s?\s*\??\s*$", question, re.I):
        return TurnPlan("clarify", question, clarify=(
            "Which meeting do you mean, and for which council? Each council has its own planning meetings "
            "(for example Bolton's Permanence Planning Meeting or Luton's PPMs)."))
    unplaced = read.as_dict().get("unplaced_dates", [])
    if len(unplaced) == 1 and continues and not new:
        # "and if it was 15 Jan 2024?": the one date the conversation holds, changed
        held = [k for k in ("looked_after_from", "lived_with_since", "application_date", "arrangement_start",
                            "care_proceedings_issued_on") if k in frame.facts]
        if len(held) == 1:
            new = {held[0]: unplaced[0]}
    statement = not re.search(r"\?|\b(?:what|who|how|which|why|when)\b", question, re.I)
    if new and not topic and frame.rule_topic is None and not frame.facts and statement:
        # facts first, a question later: keep them, read them back, compute nothing yet
        frame.merge_facts(new)
        if "looked_after_from" in new and not (new.keys() - {"looked_after_from", "reviews_held", "today"}):
            topic = "review"  # a looked-after date alone: the review schedule is what it starts
        else:
            return TurnPlan("facts", question, read_back=read_back(frame.facts), notes=tuple(read.notes))
    elif new and not topic and frame.facts and frame.rule_topic is None and not continues and statement:
        frame.merge_facts(new)
        return TurnPlan("facts", question, read_back=read_back(frame.facts), notes=tuple(read.notes))
    elif not frame.facts and not frame.rule_topic and not (new.keys() - {"relationship"}):
        # "can the birth parents be special guardians?": who is asking is no case to compute;
        # the policy's own list answers it (a date or a second fact makes it a computation)
        new = {}
    else:
        if new and (topic or frame.rule_topic or frame.facts or is_rule_question(question, today)):
            if topic and frame.rule_topic and topic != frame.rule_topic and "looked_after_from" in new:
                frame.facts = {}  # a new child's schedule
            frame.merge_facts(new)

    if topic is None and frame.rule_topic == "review" and "looked_after_from" in frame.facts and re.search(
            r"^\s*when\b|\bby\s+when\b|\bdue\b|\bdeadlines?\b|\bhow\s+long\b", question, re.I):
        topic = "review"  # "when do the assessments need doing by?" about the child whose dates are held
    if topic is None and frame.rule_topic and (new or continues):
        topic = frame.rule_topic
    if topic is None and frame.facts and not frame.rule_topic and (new or continues) and "looked_after_from" in frame.facts:
        topic = "review"
    if topic and (frame.facts or is_rule_question(question, today)) and not (
        topic == "review" and "looked_after_from" not in frame.facts and not is_rule_question(question, today)
    ):
        frame.rule_topic = topic
        words = _facts_in_words(frame.facts)
        filled = (f"{words}. " if words else "") + _ask_words(topic, question + " " + (frame.last_rule_question or ""))
        frame.last_rule_question = question
        return TurnPlan("rule", filled, topic=topic, read_back=read_back(frame.facts), notes=tuple(read.notes))
    return TurnPlan("policy", question, read_back="")


def version_follow_up(question: str, frame: SessionFrame) -> str | None:
    """A version switch on the last policy question: 'what did the 2021 version say?' asks the old
    version alone; 'has that changed since the old strategy?' / 'is that still the case?' compares."""
    if frame.subject is None or not _VERSION.search(question):
        return None
    base = re.sub(r"\s*-\s*what has changed.*$|\s+in the 2021-2025 strategy\??$", "", frame.subject).rstrip(" ?")
    if re.search(r"\b(?:changed|change\s+since|still\s+the\s+case|still\s+true|still\s+apply|used\s+to)\b", question, re.I):
        return f"{base} - what has changed since the 2021-2025 strategy?"
    return f"{base} in the 2021-2025 strategy?"


__all__ = ["SessionFrame", "TurnPlan", "plan_turn", "version_follow_up", "fmt"]


_PRONOUN = re.compile(r"\b(?:that\s+(?:meeting|review|order|panel|plan|one)|this\s+(?:meeting|review|order)|it|them|that)\b",
                      re.I)
_THERE = re.compile(r"\bthere\b", re.I)
_WHICH_ONE = re.compile(r"\b(?:that|this|the\s+other)\s+one\b|^\s*(?:and\s+)?what\s+about\s+the\s+(?:meeting|panel|order|plan)s?\s*\??\s*$",
                        re.I)


def needs_which(question: str, frame: SessionFrame, names_council: bool, has_subject: bool) -> str | None:
    """'does that one last till 18?' after an answer for two councils: which one? (None: resolvable)."""
    if not _WHICH_ONE.search(question) or names_council:
        return None
    if len(frame.authorities_in_play) > 1 and not has_subject:
        return (f"Which council do you mean: {' or '.join(frame.authorities_in_play)}? "
                "The last answer covered both, and they differ.")
    if frame.rule_topic and re.search(r"\bthe\s+(?:meeting|panel|order|plan)s?\b", question, re.I) and not has_subject:
        return ("Which meeting do you mean, and for which council? Each council has its own planning meetings "
                "(for example Bolton's Permanence Planning Meeting or Luton's PPMs).")
    return None


def back_reference(question: str, frame: SessionFrame, subject_surface: str | None, council_short: str | None) -> str | None:
    """'who runs that meeting?' / 'who signs it off there?': the question with the last subject (and council) put back."""
    if subject_surface is None or not (_PRONOUN.search(question) or _THERE.search(question)):
        return None
    out = _PRONOUN.sub(f"the {subject_surface}", question, count=1) if _PRONOUN.search(question) else question
    if council_short and _THERE.search(out):
        out = _THERE.sub(f"in {council_short}", out, count=1)
    elif council_short and council_short.lower() not in out.lower():
        out = f"{out.rstrip(' ?')} in {council_short}?"
    return out
