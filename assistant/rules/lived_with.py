"""How long a child has lived with someone, for the time-based routes to an order.

- One year "immediately preceding the application" (s.14A(5)(d)-(e), s.10(5A)-(5B)):
  a continuous period covering the whole year up to the day before the application.
  Living together since 10 January 2025 qualifies for an application on 10 January 2026.
- Three years (s.10(5)(b) with s.10(10)): need not be continuous, but only time within
  the five years before the application counts, and the time must not have ended more
  than three months before it. "Three years" is measured as the number of days in the
  three years before the application date, so a continuous period qualifies on its third
  anniversary (from 29 February: on 1 March, because the days are counted, whereas the
  one-year routes use the calendar anniversary, 28 February).

Periods are inclusive of both days; an open period (``end is None``) is still going on.
Days on or after the application date never count. The earliest qualifying date
assumes that periods still going on continue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from assistant.rules.facts import ApplicantFacts
from assistant.rules.rulebook import Period
from assistant.rules.date_arithmetic import add_period, describe_period, fmt, subtract_period

_SEARCH_LIMIT_DAYS = 6 * 366  # beyond 5 years + 3 years nothing new can happen


@dataclass(frozen=True)
class Span:
    start: date
    end: date | None  # inclusive; None = still living together

    def days_within(self, lo: date, hi: date) -> int:
        """Days of this span in [lo, hi] (inclusive)."""
        s = max(self.start, lo)
        e = hi if self.end is None else min(self.end, hi)
        return max(0, (e - s).days + 1)


def spans_from(facts: ApplicantFacts) -> list[Span]:
    """The applicant's lived-with periods, merged where they overlap or touch."""
    raw = [Span(p.from_date, p.to_date) for p in facts.lived_with]
    if facts.lived_with_since is not None:
        raw.append(Span(facts.lived_with_since, None))
    raw.sort(key=lambda s: s.start)
    merged: list[Span] = []
    for span in raw:
        if merged:
            last = merged[-1]
            if last.end is None or span.start <= last.end + timedelta(days=1):
                end = None if (last.end is None or span.end is None) else max(last.end, span.end)
                merged[-1] = Span(last.start, end)
                continue
        merged.append(span)
    return merged


@dataclass(frozen=True)
class TimeRoute:
    """Outcome of a time-based route on a date."""

    met: bool
    qualifies_from: date | None  # earliest date it is met, if not met now and it can be
    detail: str


def one_year_immediately_preceding(spans: list[Span], on: date, period: Period) -> TimeRoute:
    """Has the child lived with the applicant for ``period`` right up to ``on``?"""
    for span in spans:
        covers_to_eve = span.end is None or span.end >= on - timedelta(days=1)
        if span.start <= on and covers_to_eve:
            since = span.start
            needed = add_period(since, period)
            if needed <= on:
                return TimeRoute(True, None, f"lived together since {fmt(since)}")
            if span.end is None:
                return TimeRoute(False, needed, f"lived together since {fmt(since)}; "
                                                f"{describe_period(period)} is reached on {fmt(needed)}")
            return TimeRoute(False, None, f"the time together ended on {fmt(span.end)}, "
                                          f"short of {describe_period(period)}")
    return TimeRoute(False, None, "the child is not living with the applicant now")


def _total_in_window(spans: list[Span], on: date, window_begin: Period) -> int:
    lo = subtract_period(on, window_begin)
    hi = on - timedelta(days=1)
    return sum(s.days_within(lo, hi) for s in spans)


def _last_day(spans: list[Span], on: date) -> date | None:
    days = [on - timedelta(days=1) if s.end is None else min(s.end, on - timedelta(days=1)) for s in spans if s.start < on]
    return max(days) if days else None


def three_years_route(spans: list[Span], on: date, three_years: Period, window_begin: Period,
                      window_end: Period | None) -> TimeRoute:
    """Three years in total within ``window_begin`` before ``on``; ended within ``window_end`` (if given)."""

    def met_on(d: date) -> tuple[bool, str]:
        need = (d - subtract_period(d, three_years)).days
        have = _total_in_window(spans, d, window_begin)
        if have < need:
            return False, (f"{have} days lived together within the {describe_period(window_begin)} before "
                           f"{fmt(d)}; {need} needed")
        if window_end is not None:
            last = _last_day(spans, d)
            if last is None or last < subtract_period(d, window_end):
                return False, f"the time together ended more than {describe_period(window_end)} before {fmt(d)}"
        return True, f"{have} days lived together within the {describe_period(window_begin)} before {fmt(d)}"

    ok, detail = met_on(on)
    if ok:
        return TimeRoute(True, None, detail)
    if not any(s.end is None for s in spans):
        return TimeRoute(False, None, detail)  # nothing is accruing: it can only get worse
    d = on
    for _ in range(_SEARCH_LIMIT_DAYS):
        d += timedelta(days=1)
        if met_on(d)[0]:
            return TimeRoute(False, d, detail)
    return TimeRoute(False, None, detail)  # pragma: no cover - an open span always qualifies within 3 years


def earliest_application_after_notice(notice_on: date, notice: Period) -> date:
    """First date D such that notice was given before the ``notice`` period ending with D began.

    s.14A(7): notice must be given "before the beginning of the period of three months
    ending with the date of the application", i.e. on or before D minus three months.
    """
    d = add_period(notice_on, notice)
    while subtract_period(d, notice) < notice_on:
        d += timedelta(days=1)
    return d
