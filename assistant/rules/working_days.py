"""Working days in England: weekends and the bank holidays of England and Wales excluded.

The Care Planning, Placement and Case Review (England) Regulations 2010, reg. 2(1),
define a working day as any day other than a Saturday, a Sunday, Christmas Day, Good
Friday or a bank holiday in England and Wales. The ``holidays`` package's England list
(``subdiv="ENG"``) holds exactly those days, including substitute ("observed") days and
one-off bank holidays, so it is the single source here.

Counting convention (checked against the statutory example, looked after from Monday
2 March 2026 -> first review by Monday 30 March 2026): "within N working days of a date"
counts from the day AFTER that date, and the Nth working day counted is the last day
allowed. The start date itself is day 0 whether or not it is a working day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays


@dataclass(frozen=True)
class SkippedHoliday:
    """A bank holiday that fell on a weekday inside a working-day count."""

    date: date
    name: str


@dataclass(frozen=True)
class WorkingDayResult:
    """The Nth working day after ``start`` and the weekday bank holidays it stepped over."""

    start: date
    working_days: int
    result: date
    skipped_holidays: tuple[SkippedHoliday, ...] = field(default_factory=tuple)


@lru_cache(maxsize=256)
def _england_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=[year]).items())


def bank_holiday_name(day: date) -> str | None:
    """The England and Wales bank holiday on ``day``, or None."""
    return _england_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    """True for Monday-Friday days that are not bank holidays in England and Wales."""
    return day.weekday() < 5 and bank_holiday_name(day) is None


def add_working_days(start: date, n: int) -> WorkingDayResult:
    """The ``n``-th working day after ``start`` (``n`` >= 1), listing skipped bank holidays.

    >>> add_working_days(date(2026, 3, 2), 20).result
    datetime.date(2026, 3, 30)
    """
    if n < 1:
        raise ValueError(f"working days must be at least 1, got {n}")
    day = start
    counted = 0
    skipped: list[SkippedHoliday] = []
    while counted < n:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        name = bank_holiday_name(day)
        if name is not None:
            skipped.append(SkippedHoliday(day, name))
            continue
        counted += 1
    return WorkingDayResult(start=start, working_days=n, result=day, skipped_holidays=tuple(skipped))


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
