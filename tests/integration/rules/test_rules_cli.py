"""``permanence rules ...`` through typer's CliRunner on the real app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app

pytestmark = pytest.mark.integration

runner = CliRunner()


def test_review_schedule_json():
    r = runner.invoke(app, ["rules", "review-schedule", "--looked-after-from", "2026-03-02", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert [x["date"] for x in body["results"][0]["dates"][:2]] == ["2026-03-30", "2026-06-30"]


def test_review_schedule_table_with_held_review():
    r = runner.invoke(app, ["rules", "review-schedule", "--looked-after-from", "2026-03-02",
                            "--review-held", "2026-03-25", "--authority", "Bolton"])
    assert r.exit_code == 0, r.output
    assert "25 Jun 2026" in r.output and "Bolton" in r.output and "Legal basis" in r.output


def test_bad_dates_exit_2_naming_the_option():
    r = runner.invoke(app, ["rules", "review-schedule", "--looked-after-from", "2026-03-02",
                            "--review-held", "2026-02-01"])
    assert r.exit_code == 2 and "--review-held" in r.output
    r = runner.invoke(app, ["rules", "timeline", "--looked-after-from", "02/03/2026"])
    assert r.exit_code == 2 and "--looked-after-from" in r.output
    r = runner.invoke(app, ["rules", "sgo", "--authority", "Narnia"])
    assert r.exit_code == 2 and "--authority" in r.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sgo", "--today", "2025-12-01", "--foster-carer", "--lived-with-since", "2025-01-10", "--json"],
         ("not_eligible", "2026-01-10")),
        (["cao", "--today", "2026-06-01", "--relationship", "grandparent", "--lived-with-since", "2025-03-01", "--json"],
         ("eligible", None)),
    ],
)
def test_eligibility_commands(args, expected):
    r = runner.invoke(app, ["rules", *args])
    assert r.exit_code == 0, r.output
    statute = json.loads(r.output)["results"][0]
    assert (statute["outcome"], statute["earliest_date"]) == expected


def test_private_fostering_and_timeline_tables():
    r = runner.invoke(app, ["rules", "private-fostering", "--today", "2026-05-01", "--child-age", "12",
                            "--carer-relationship", "cousin", "--start", "2026-04-01"])
    assert r.exit_code == 0 and "private fostering" in r.output.lower()
    r = runner.invoke(app, ["rules", "timeline", "--looked-after-from", "2026-03-02", "--today", "2026-04-20",
                            "--authority", "Luton", "--review-held", "2026-03-25"])
    assert r.exit_code == 0, r.output
    assert "done" in r.output and "due soon" in r.output
