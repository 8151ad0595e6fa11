"""Calendar arithmetic for rules: months and years with ``dateutil.relativedelta``.

Month arithmetic clips to the end of a shorter month (31 January + 1 month = 28 or
29 February; 29 February 2028 + 1 year = 28 February 2029). For a deadline ("not more
than three months after") clipping gives the earlier, safe day. Periods of weeks and
days are exact.

A period of time a person must have lived somewhere ("at least one year immediately
preceding the application") is met on the anniversary: living with the carer since
10 January 2025 gives one full year on 10 January 2026 (the year 10 January 2025 -
9 January 2026 then immediately precedes an application that day).
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from assistant.rules.rulebook import Period
from assistant.rules.working_days import WorkingDayResult, add_working_days


def add_period(start: date, period: Period) -> date:
    """``start`` plus ``period`` (calendar months and years clip to month end)."""
    return add_period_with_holidays(start, period)[0]


def add_period_with_holidays(start: date, period: Period) -> tuple[date, WorkingDayResult | None]:
    """Like ``add_period``; for working days also return the skipped bank holidays."""
    n = period.amount
    match period.unit:
        case "working_days":
            result = add_working_days(start, n)
            return result.result, result
        case "days":
            return start + timedelta(days=n), None
        case "weeks":
            return start + timedelta(weeks=n), None
        case "months":
            return start + relativedelta(months=n), None
        case "years":
            return start + relativedelta(years=n), None
    raise ValueError(f"unknown period unit {period.unit!r}")  # pragma: no cover - Literal-checked


def subtract_period(end: date, period: Period) -> date:
    """``end`` minus a period of days, weeks, months or years (not working days)."""
    n = period.amount
    match period.unit:
        case "days":
            return end - timedelta(days=n)
        case "weeks":
            return end - timedelta(weeks=n)
        case "months":
            return end - relativedelta(months=n)
        case "years":
            return end - relativedelta(years=n)
    raise ValueError(f"cannot subtract a period of {period.unit}")


def describe_period(period: Period) -> str:
    """"20 working days", "3 months", "1 year"."""
    unit = period.unit.replace("_", " ")
    if period.amount == 1:
        unit = unit.rstrip("s")
    return f"{period.amount} {unit}"


def fmt(d: date) -> str:
    """A date as practitioners write it: "2 March 2026"."""
    return f"{d.day} {d.strftime('%B %Y')}"
