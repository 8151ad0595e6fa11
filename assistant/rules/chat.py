"""Rule questions in chat: READ a question that carries a child's facts, compute, hand to rendering.

This module only reads the question (topics, dates, who applies); the conversation's
question frame will take this part over. What the answer says is rendered from the
results by ``chat_rendering``.

``answer_rule_question(question, authority, today)`` returns None for anything that is
not a rule question, conservatively: the question must name a rule topic (reviews, the
permanence plan, planning meetings, special guardianship, child arrangements orders,
private fostering) AND carry a concrete date, a duration ("for 8 months"), or a fact about a specific child
("the child came into care last month", "she is aged 12"). "Who may apply for an SGO?" and
"when is the permanence plan due for a child who comes into care?" are policy questions
for retrieval, not computations.

For a rule question it returns a markdown answer with the computed result and markers
[1], [2] ... that index ``citations``; ``results`` holds the structured rule results;
``missing_facts`` lists what the user must say before anything can be computed (the
answer then asks for it, it never guesses).

Dates are read by ``date_parsing``: UK day-first numbers, "2 March 2026", "2nd March";
a date without a year is in the year of ``today``; "for 8 months" counts back from
``today``. Each assumption made is stated in the answer.
"""

from __future__ import annotations

import re
from datetime import date

from types import SimpleNamespace

from pydantic import ValidationError

from assistant.corpus import UnknownAuthority
from assistant.rules.cao_eligibility import cao_eligibility
from assistant.rules.date_arithmetic import fmt
from assistant.rules.date_parsing import DateMention, Duration, find_dates, find_durations
from assistant.rules.facts import CaoFacts, PrivateFosteringFacts, ReviewScheduleFacts, SgoFacts, TimelineFacts
from assistant.rules.private_fostering import private_fostering
from assistant.rules.rulebook import Rulebook, get_rulebook
from assistant.retrieval.query_analysis import detect_version_scope
from assistant.rules.scope import Scope
from assistant.rules.sgo_eligibility import sgo_eligibility
from assistant.rules.chat_rendering import (
    RuleChatResult, ask_only, render_eligibility, render_private_fostering, render_proceedings, render_reviews,
)
from assistant.rules.timeline import build_timeline, review_schedule
from assistant.rules.timescales import evaluate_timescales

from dateutil.relativedelta import relativedelta


# --- recognising the question ------------------------------------------------------

_T_PF = re.compile(r"\bprivate(?:ly)?[- ]foster", re.I)
_T_SGO = re.compile(r"\b(?:sgos?|special[- ]guardian(?:ship)?s?)\b", re.I)
_T_CAO = re.compile(r"\b(?:caos?|child[- ]arrangements?[- ]orders?|residence[- ]orders?)\b", re.I)
_T_REVIEW = re.compile(
    r"\b(?:reviews?|lac review|cla review|permanen(?:ce|cy) plan|plan for permanence|planning meetings?|ppms?|"
    r"adm|agency decision maker|ratif\w*|timeline|due dates?|deadlines?|nspcc|reunification|care proceedings|"
    r"26[- ]weeks?|four[- ]month|overdue|what(?:'s| is) due)\b",
    re.I,
)
_CHILD_FACT = re.compile(
    r"\b(?:came|come|comes|coming|went|entered|entering|brought)\s+(?:in)?to\s+care|became\s+looked\s+after|"
    r"looked\s+after\s+(?:from|since|on)|accommodated\s+(?:on|from|since)|into\s+care\s+on|care\s+episode|"
    r"has\s+(?:had|cared\s+for|looked\s+after)\s+(?:the|this|my|our|her|him|them)|(?:has\s+)?lived\s+with|"
    r"living\s+with|placed\s+with|staying\s+with|moved\s+in|\baged\s+\d|\d{1,2}[- ]year[- ]old|"
    r"review\s+(?:was\s+)?(?:actually\s+)?held|proceedings\s+(?:were\s+)?issued|\b(?:lac|cla|cic)\b",
    re.I,
)
# a specific child, not "a child": facts without a date count only with one of these
_SPECIFIC = re.compile(
    r"\b(?:the|this|my|our|her|his|their)\s+(?:child|young\s+person|baby|boy|girl|son|daughter|kid|"
    r"foster\s+carers?|carers?|grand\w+|aunt\w*|uncle|neighbour|friend|sibling|brother|sister)\b|"
    r"\b(?:she|he|they)\b|\blast\s+(?:week|month|year)\b|\byesterday\b|\bago\b|\brecently\b|\btoday\b|"
    r"\baged\s+\d|\d{1,2}[- ]year[- ]old|\bown\s+(?:child|son|daughter)\b|"
    r"\b(?:can|could|may)\s+(?:mum|dad|mother|father|nan|gran|grandma|grandad|grandpa)\b",
    re.I,
)
_APPLYING = re.compile(r"\b(?:apply|applying|application|be\s+(?:a\s+|the\s+|her\s+|his\s+)?special\s+guardian)", re.I)
_MEETINGS = re.compile(r"\b(?:planning meetings?|ppms?|adm|agency decision maker|ratif\w*|timeline|due dates?|"
                       r"deadlines?|overdue|what(?:'s| is) due|nspcc|reunification|care proceedings|26[- ]weeks?)\b", re.I)

# cues just before a date, by the fact the date is
_CUE_LOOKED_AFTER = re.compile(
    r"(?:(?:came|come|comes|coming|went|entered|entering|brought)\s+(?:in)?to\s+care|became\s+looked\s+after|"
    r"looked\s+after|accommodated|care\s+episode\s+(?:began|started)|into\s+care|in\s+care\s+(?:since|from)|"
    r"removed|entering\s+care|entered\s+care|\b(?:lac|cla|cic)\b)\b[^.?!;]{0,25}$",
    re.I,
)
_CUE_REVIEW = re.compile(r"\b(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th)\s+(?:lac\s+|cla\s+|looked[- ]after\s+)?"
                         r"review[^.?!;]{0,25}$", re.I)
_CUE_SINCE = re.compile(r"(?:\bsince|\bfrom|has\s+(?:had|cared\s+for|looked\s+after)\b[^.?!;]{0,30}|lived\s+with\b"
                        r"[^.?!;]{0,30}|placed\s+with\b[^.?!;]{0,30}|moved\s+in\b[^.?!;]{0,20}|"
                        r"(?:began|started|arrived)\b[^.?!;]{0,15})\s*(?:on\s+)?$", re.I)
_CUE_APPLY = re.compile(r"(?:appl(?:y|ying|ication)|make\s+an\s+application|lodge|file)\b[^.?!;]{0,60}?\b(?:on|by|in)\s*$",
                        re.I)
_CUE_TODAY = re.compile(r"\b(?:today\s+is|as\s+(?:of|at)|it\s+is\s+now)\s*$", re.I)
_CUE_NOTICE = re.compile(r"\bnotice\b[^.?!;]{0,30}$", re.I)
_CUE_ISSUED = re.compile(r"\b(?:proceedings|application)\b[^.?!;]{0,20}\bissued\b[^.?!;]{0,5}$|\bissued\s+(?:on\s+)?$", re.I)
_CUE_UNTIL = re.compile(r"\b(?:until|till|to|ending|ends?|ended|leaves?|left)\s*(?:on\s+)?$", re.I)
_CUE_PLACED = re.compile(r"\bplaced\b[^.?!;]{0,40}\b(?:residential|children'?s\s+home)[^.?!;]{0,20}$|"
                         r"\b(?:residential|children'?s\s+home)\b[^.?!;]{0,30}\b(?:since|from|on)\s*$", re.I)

_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

_ROLE = re.compile(
    r"\b(?P<role>great[- ]grand(?:mother|father|parent|ma|pa)|great[- ]aunt(?:ie)?|great[- ]uncle|"
    r"grand(?:mother|father|parent|ma|pa|ad|dad)s?|nan|nana|gran|granny|step[- ]?(?:mother|father|parent|mum|dad)|"
    r"aunt(?:ie|y)?|uncle|(?:older\s+|elder\s+|half[- ])?(?:brother|sister|sibling)|cousin|family\s+friend|friend|"
    r"neighbour|foster\s+(?:carer|parent)s?|kinship\s+(?:foster\s+)?carer|connected\s+(?:person|carer)|"
    r"special\s+guardian|guardian|mother|father|mum|dad|parent)\b",
    re.I,
)
_ROLE_MAP = [
    (r"great[- ]grand", "great_grandparent"), (r"great[- ]aunt", "great_aunt"), (r"great[- ]uncle", "great_uncle"),
    (r"grand|^nan|^gran", "grandparent"), (r"step", "step_parent"), (r"aunt", "aunt"), (r"uncle", "uncle"),
    (r"brother", "brother"), (r"sister", "sister"), (r"sibling", "sibling"), (r"cousin", "cousin"),
    (r"friend", "family_friend"), (r"neighbour", "unrelated"), (r"^(?:mother|father|mum|dad|parent)", "parent"),
]


def _relationship(role: str) -> str | None:
    role = role.lower()
    for pattern, rel in _ROLE_MAP:
        if re.search(pattern, role):
            return rel
    return None


def _before(question: str, d: DateMention, width: int = 80) -> str:
    return question[max(0, d.start - width):d.start]


class _Facts:
    """What the question says, date by date."""

    def __init__(self, question: str, today: date, known: dict | None = None):
        self.known = known or {}  # facts the conversation already read (understanding/facts.py)
        self.q = question
        self.today = today
        self.dates = find_dates(question, today)
        self.durations = find_durations(question)
        self.assumptions: list[str] = []
        self.invalid = [d for d in self.dates if d.value is None]
        self.used: set[int] = set()
        for d in self.dates:
            if d.value is not None and d.year_assumed:
                self.assumptions.append(f"'{d.text}' read as {fmt(d.value)} (no year given: this year)")

    def take(self, cue: re.Pattern[str], width: int = 80) -> DateMention | None:
        for i, d in enumerate(self.dates):
            if i in self.used or d.value is None:
                continue
            if cue.search(_before(self.q, d, width)):
                self.used.add(i)
                return d
        return None

    def take_all(self, cue: re.Pattern[str]) -> list[tuple[DateMention, re.Match[str]]]:
        out = []
        for i, d in enumerate(self.dates):
            if i in self.used or d.value is None:
                continue
            m = cue.search(_before(self.q, d))
            if m:
                self.used.add(i)
                out.append((d, m))
        return out

    def remaining(self) -> list[DateMention]:
        return [d for i, d in enumerate(self.dates) if i not in self.used and d.value is not None]

    def since_from_duration(self) -> date | None:
        for dur in self.durations:
            if dur.unit in ("months", "years", "weeks"):
                since = self.today - relativedelta(**{dur.unit: dur.amount})
                self.assumptions.append(f"'{dur.text}' read as since {fmt(since)} (counted back from {fmt(self.today)})")
                return since
        return None


# --- answers: compute, then render (chat_rendering) ------------------------------------


def _invalid_words(f: _Facts) -> list[str]:
    return [f"a real date instead of {d.text!r} ({d.error})" for d in f.invalid]


def _due_soon_days() -> int:
    from assistant.settings import get_settings

    return get_settings().rules_due_soon_days


def _known_date(value: date) -> DateMention:
    return DateMention(0, 0, fmt(value), value)


def _review_answer(book: Rulebook, f: _Facts, scope: Scope) -> RuleChatResult:
    laf = f.take(_CUE_LOOKED_AFTER)
    reviews = sorted(((_ORD[m.group("ord").lower()], d.value) for d, m in f.take_all(_CUE_REVIEW)))
    today_m = f.take(_CUE_TODAY, 20)
    today = today_m.value if today_m else f.today
    issued = f.take(_CUE_ISSUED, 40)
    placed = f.take(_CUE_PLACED, 60)
    k = f.known
    if k.get("looked_after_from"):
        laf = _known_date(k["looked_after_from"])
    if k.get("reviews_held"):
        reviews = list(enumerate(k["reviews_held"], 1))
    if k.get("care_proceedings_issued_on"):
        issued = _known_date(k["care_proceedings_issued_on"])
    if laf is None:
        left = f.remaining()
        if len(left) == 1 and not reviews and not issued:
            laf = left[0]  # a single date in a review question is the date the child came into care
            f.assumptions.append(f"{fmt(laf.value)} taken as the date the child became looked after")
    if laf is None and issued is not None:
        return _proceedings_answer(book, issued.value, f, scope)
    if laf is None:
        missing = _invalid_words(f) or ["the date the child became looked after (came into care)"]
        return ask_only("review_schedule", missing, "I can work out the review dates once I know when the child "
                         "came into care.", f.assumptions)
    held = [v for n, v in reviews]
    if [n for n, _ in reviews] != list(range(1, len(reviews) + 1)):
        return ask_only("review_schedule", ["the date of each earlier review (first review first)"],
                         "Later reviews count from the ones before them, so I need every earlier review date.",
                         f.assumptions)
    want_timeline = bool(_MEETINGS.search(f.q)) or issued is not None
    tl = None
    try:
        if want_timeline:
            facts = TimelineFacts(looked_after_from=laf.value, today=today, reviews_held=held,
                                  care_proceedings_issued_on=issued.value if issued else None,
                                  placement_date=placed.value if placed else None,
                                  residential_permanence_plan=placed is not None)
            tl = build_timeline(book, facts, today, _due_soon_days(), scope)
            results = tl.results
        else:
            facts = ReviewScheduleFacts(looked_after_from=laf.value, reviews_held=held, later_reviews=1)
            results = review_schedule(book, facts, scope)
    except ValidationError as exc:
        return ask_only("review_schedule", [e["msg"].replace("Value error, ", "") for e in exc.errors()],
                         "Those dates do not fit together.", f.assumptions)
    return render_reviews(results, laf.value, today, tl, "timeline" if want_timeline else "review_schedule", f.assumptions)


def _proceedings_answer(book: Rulebook, issued: date, f: _Facts, scope: Scope) -> RuleChatResult:
    facts = SimpleNamespace(care_proceedings_issued_on=issued, proceedings_extension_weeks=[])
    return render_proceedings(evaluate_timescales(book, facts, [], None, scope, ("care_proceedings",)), issued,
                              f.assumptions)


def _applicant(f: _Facts) -> dict:
    q = f.q
    values: dict = {}
    if re.search(r"(?<!private )(?<!privately )\bfoster\s+(?:carer|parent)s?|kinship\s+(?:foster\s+)?carer|"
                 r"connected\s+(?:person|carer)", q, re.I):
        values["is_local_authority_foster_carer"] = True
    if re.search(r"\bspecial\s+guardian\b(?!ship)", q, re.I) and _T_CAO.search(q):
        values["is_special_guardian"] = True
    elif re.search(r"\b(?<!special )guardian\b", q, re.I):
        values["is_guardian"] = True
    for m in _ROLE.finditer(q):
        rel = _relationship(m.group("role"))
        if rel == "parent":
            # "the parents consent", "the mother's consent" describe others, not the applicant
            after = q[m.end():m.end() + 25].lower()
            before = q[max(0, m.start() - 20):m.start()].lower()
            if re.match(r"['’]s|s?\s+(?:consent|agree|object|who|have|has parental|with parental)", after) or "consent" in before:
                continue
        if rel:
            values["relationship"] = rel
            break
    if re.search(r"\bno\s+care\s+order|not\s+(?:subject\s+to|under)\s+a\s+care\s+order|section\s+20|\bs\.?\s?20\b|"
                 r"voluntar(?:y|ily)\s+accommodated", q, re.I):
        values["care_order_in_force"] = False
    elif re.search(r"\b(?:interim\s+)?care\s+order\b", q, re.I):
        values["care_order_in_force"] = True
    since = f.take(_CUE_SINCE)
    if since is not None:
        values["lived_with_since"] = since.value
    else:
        dur_since = f.since_from_duration()
        if dur_since is not None:
            values["lived_with_since"] = dur_since
    today_m = f.take(_CUE_TODAY, 20)
    if today_m:
        values["today"] = today_m.value
    notice = f.take(_CUE_NOTICE, 40)
    if notice:
        values["notice_given_on"] = notice.value
    app = f.take(_CUE_APPLY)
    if app is None:
        left = f.remaining()
        if len(left) == 1 and "lived_with_since" in values:
            app = left[0]
            f.assumptions.append(f"{fmt(app.value)} taken as the date of the application")
    if app is not None:
        values["application_date"] = app.value
    k = f.known
    if k.get("relationship"):
        values["relationship"] = k["relationship"]
        values.pop("is_local_authority_foster_carer", None)
    for key in ("is_local_authority_foster_carer", "lived_with_since", "lived_with", "application_date"):
        if k.get(key):
            values[key] = k[key]
    if k.get("lived_with") and not k.get("lived_with_since"):
        values.pop("lived_with_since", None)  # an ended period is not a continuing one
    if k.get("today"):
        values["today"] = k["today"]
    values.setdefault("today", f.today)
    if values.get("application_date") and values["application_date"] < values["today"]:
        values["today"] = values["application_date"]  # asking about a past date: assess on that date
    return values


def _eligibility_answer(book: Rulebook, f: _Facts, scope: Scope, kind: str) -> RuleChatResult:
    values = _applicant(f)
    if f.invalid:
        return ask_only(f"{kind}_eligibility", _invalid_words(f), "One of the dates is not a real date.", f.assumptions)
    try:
        if kind == "sgo":
            facts = SgoFacts(**values)
            results = sgo_eligibility(book, facts, facts.today or f.today, scope)
            order = "a special guardianship order"
        else:
            values.pop("notice_given_on", None)
            facts = CaoFacts(**values)
            results = cao_eligibility(book, facts, facts.today or f.today, scope)
            order = "a child arrangements order (to live with)"
    except ValidationError as exc:
        return ask_only(f"{kind}_eligibility", [e["msg"].replace("Value error, ", "") for e in exc.errors()],
                         "Those facts do not fit together.", f.assumptions)
    return render_eligibility(results, order, f"{kind}_eligibility", f.assumptions)


def _pf_answer(book: Rulebook, f: _Facts, scope: Scope) -> RuleChatResult:
    q = f.q
    values: dict = {"today": f.today}
    age = re.search(r"\b(?:aged\s+|age\s+)(\d{1,2})\b|\b(\d{1,2})[- ]year[- ]old\b", q, re.I)
    if age:
        values["child_age"] = int(age.group(1) or age.group(2))
    if re.search(r"\bnot\s+disabled\b", q, re.I):
        values["child_disabled"] = False
    elif re.search(r"\bdisab(?:led|ility|ilities)\b", q, re.I):
        values["child_disabled"] = True
    for m in _ROLE.finditer(q):
        rel = _relationship(m.group("role"))
        if rel and rel != "parent":
            values["carer_relationship"] = rel
            break
    start = f.take(_CUE_SINCE)
    if start:
        values["arrangement_start"] = start.value
    end = f.take(_CUE_UNTIL, 20)
    if end:
        values["arrangement_end"] = end.value
    for dur in f.durations:
        if dur.unit == "days":
            values["intended_days"] = dur.amount
        elif dur.unit == "weeks":
            values["intended_days"] = dur.amount * 7
        elif start is not None:
            stop = start.value + relativedelta(**{dur.unit: dur.amount})
            values["intended_days"] = (stop - start.value).days
        break
    k = f.known
    for key in ("child_age", "child_disabled", "child_date_of_birth", "intended_days", "arrangement_end"):
        if k.get(key) is not None:
            values[key] = k[key]
    if k.get("relationship") and k["relationship"] != "parent":
        values["carer_relationship"] = k["relationship"]
    if k.get("arrangement_start") or k.get("lived_with_since"):
        values["arrangement_start"] = k.get("arrangement_start") or k.get("lived_with_since")
    if "child_age" in values and "child_date_of_birth" in values:
        values.pop("child_date_of_birth")
    if f.invalid:
        return ask_only("private_fostering", _invalid_words(f), "One of the dates is not a real date.", f.assumptions)
    try:
        facts = PrivateFosteringFacts(**values)
    except ValidationError as exc:
        return ask_only("private_fostering", [e["msg"].replace("Value error, ", "") for e in exc.errors()],
                         "Those facts do not fit together.", f.assumptions)
    return render_private_fostering(private_fostering(book, facts, f.today, scope), f.assumptions)


def _scope(book: Rulebook, authority: str | None, question: str) -> tuple[Scope, list[str]]:
    notes: list[str] = []
    name = authority
    if name is None:  # a council named in the question, by any name the manifest gives it
        name = next((full for full, names in book.corpus.authority_names.items()
                     if any(re.search(rf"\b{re.escape(n)}\b", question, re.I) for n in names)), None)
    # a routine date question is answered from each council's current policy; a superseded
    # version's rules only when the question asks for it ("in the 2021 strategy", "the old one")
    old_version = "superseded" in detect_version_scope(book.corpus, question, []).statuses
    try:
        return Scope(authority=book.corpus.resolve_authority(name), include_superseded=old_version), notes
    except UnknownAuthority as exc:
        notes.append(f"unknown council {exc.name!r}: showing every council")
        return Scope(include_superseded=old_version), notes


def is_rule_question(question: str, today: date | None = None) -> bool:
    """True when the question names a rule topic and carries a date or a fact about a specific child."""
    if not (_T_PF.search(question) or _T_SGO.search(question) or _T_CAO.search(question) or _T_REVIEW.search(question)):
        return False
    has_date = bool(find_dates(question, today or date.today()))
    specific = bool(_SPECIFIC.search(question))
    specific_fact = specific and bool(_CHILD_FACT.search(question))
    if specific and (_T_SGO.search(question) or _T_CAO.search(question)) and _APPLYING.search(question):
        specific_fact = True  # "can mum apply to be the special guardian of her own child?"
    return has_date or specific_fact or bool(find_durations(question))


def rule_topic(question: str) -> str | None:
    """The computation a question names: private_fostering, sgo, cao, review (None: none)."""
    if _T_PF.search(question) or re.search(r"\bpf\b", question, re.I):
        return "private_fostering"
    if _T_SGO.search(question):
        return "sgo"
    if _T_CAO.search(question):
        return "cao"
    if _T_REVIEW.search(question):
        return "review"
    return None


def answer_rule_question(question: str, authority: str | None = None, today: date | None = None, *,
                         settings=None, book: Rulebook | None = None, known: dict | None = None) -> RuleChatResult | None:
    """A computed, cited answer to a rule question; None when it is not one (see module docstring).

    ``known``: facts already read by the conversation (keys as in ``rules/facts.py``); they
    win over what this module reads from the text, which is then only the question's topic.
    """
    today = today or date.today()
    if not question or not is_rule_question(question, today):
        return None
    if book is None:
        from assistant.settings import get_settings

        book = get_rulebook(settings or get_settings())
    scope, notes = _scope(book, authority, question)
    f = _Facts(question, today, known)
    f.assumptions.extend(notes)
    if _T_PF.search(question):
        return _pf_answer(book, f, scope)
    if _T_SGO.search(question):
        return _eligibility_answer(book, f, scope, "sgo")
    if _T_CAO.search(question):
        return _eligibility_answer(book, f, scope, "cao")
    return _review_answer(book, f, scope)


__all__ = ["RuleChatResult", "answer_rule_question", "is_rule_question", "rule_topic", "Duration"]
