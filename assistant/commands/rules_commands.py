"""``permanence rules ...``: the deterministic rule layer from the command line.

    permanence rules review-schedule --looked-after-from 2026-03-02 [--review-held DATE ...] [--json]
    permanence rules sgo --foster-carer --lived-with-since 2025-01-10 --today 2025-12-01
    permanence rules cao --relationship grandparent --lived-with-since 2025-03-01
    permanence rules private-fostering --child-age 12 --carer-relationship family_friend --start 2026-04-01
    permanence rules timeline --looked-after-from 2026-03-02 --today 2026-03-20 --authority Luton

Dates are ISO (YYYY-MM-DD). A rich table by default; ``--json`` prints the same result
the API returns. Exit codes: 0 done, 2 bad input (the message names the option).
"""

from __future__ import annotations

import json
from typing import Callable, Optional

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.corpus import UnknownAuthority
from assistant.rules.facts import CaoFacts, PrivateFosteringFacts, ReviewScheduleFacts, SgoFacts, TimelineFacts
from assistant.rules.rulebook import RulebookError
from assistant.rules.timeline import Timeline

rules_app = typer.Typer(help="Compute review dates, eligibility and timelines from the rules (no model, no retrieval).",
                        no_args_is_help=True)

_STATUS_STYLE = {"overdue": "bold red", "due_soon": "yellow", "upcoming": "green", "done": "dim", "in_effect": "cyan"}
_OUTCOME_STYLE = {"eligible": "green", "applies": "green", "computed": "green", "not_eligible": "red",
                  "does_not_apply": "red", "cannot_tell": "yellow", "not_applicable": "dim", "no_timescale": "dim",
                  "policy_changed": "bold yellow"}

# option help shared by several commands
_AUTH = "Council for local rules (e.g. Luton); statute always applies; omit for every council"
_JSON = "Print JSON (the API's response) instead of tables"


def _option_name(field: str) -> str:
    return {
        "looked_after_from": "--looked-after-from", "reviews_held": "--review-held", "today": "--today",
        "application_date": "--application-date", "lived_with_since": "--lived-with-since",
        "lived_with": "--lived-with", "notice_given_on": "--notice-given", "arrangement_start": "--start",
        "arrangement_end": "--end", "child_date_of_birth": "--child-dob", "permanence_meetings_held": "--ppm-held",
        "proceedings_extension_weeks": "--extension-weeks", "care_proceedings_issued_on": "--proceedings-issued",
        "placement_date": "--placement-date", "permanent_placement_secured_on": "--placement-secured",
    }.get(field, "--" + field.replace("_", "-"))


def _fail(message: str) -> None:
    Console(stderr=True).print(f"[red]error:[/red] {message}")
    raise typer.Exit(code=2)


def _build(model: type[BaseModel], **values) -> BaseModel:
    clean = {k: v for k, v in values.items() if v is not None and v != []}
    try:
        return model.model_validate(clean)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = next((str(x) for x in err["loc"] if isinstance(x, str)), "")
            lines.append(f"{_option_name(field) if field else 'input'}: {err['msg']}")
        _fail("; ".join(lines))
    raise AssertionError("unreachable")  # pragma: no cover


def _service():
    from assistant.server.rules.rules_service import get_rules_service
    from assistant.settings import get_settings

    try:
        return get_rules_service(get_settings())
    except RulebookError as exc:
        Console(stderr=True).print(f"[red]the rulebook is invalid:[/red]\n{exc}")
        raise typer.Exit(code=1) from exc


def _run(call: Callable, facts: BaseModel):
    from assistant.server.rules.rules_service import FactError

    try:
        return call(facts)
    except UnknownAuthority as exc:
        _fail(f"--authority: {exc}")
    except FactError as exc:
        _fail(f"{_option_name(exc.field)}: {exc.message}")


def _print_results(response, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    console = Console()
    for res in response.results:
        where = f"{res.authority} - {res.document_id}" if res.document_id else res.authority
        status = f" [dim]({res.document_status})[/dim]" if res.document_status == "superseded" else ""
        style = _OUTCOME_STYLE.get(res.outcome, "")
        console.rule(f"{where}{status}: {res.title}")
        console.print(f"[{style}]{res.outcome.replace('_', ' ')}[/{style}]  {res.summary}")
        if res.dates:
            table = Table(show_header=True, header_style="bold")
            for col in ("Date", "What", "How"):
                table.add_column(col)
            for d in res.dates:
                when = d.date.strftime("%a %d %b %Y")
                if d.held_on:
                    when += f"\n(held {d.held_on:%d %b %Y}{', late' if d.late else ''})"
                table.add_row(when, d.label + (" (projected)" if d.projected else ""), d.basis)
            console.print(table)
        for reason in res.reasons:
            console.print(f"  - {reason}")
        for fact in res.missing_facts:
            console.print(f"  [yellow]needed:[/yellow] {fact}")
        for note in res.notes:
            console.print(f"  [dim]note: {note}[/dim]")
        if res.legal_basis:
            console.print(f"  [bold]Legal basis:[/bold] {'; '.join(res.legal_basis)}")
        for c in res.citations:
            quote = c.quote if len(c.quote) <= 220 else c.quote[:217] + "..."
            section = f", {c.section}" if c.section else ""
            console.print(f"  [{c.n}] {c.authority}, {c.title} ({c.version}{section}): \"{quote}\"")


def _print_timeline(tl: Timeline, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(tl.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    console = Console()
    table = Table(title=f"Looked after from {tl.looked_after_from:%d %b %Y} - as at {tl.today:%d %b %Y} "
                        f"(due soon = within {tl.due_soon_days} days)", header_style="bold")
    for col in ("Date", "Status", "Days", "Authority", "What", "Document"):
        table.add_column(col)
    for i in tl.items:
        style = _STATUS_STYLE.get(i.status, "")
        doc = (i.document_id or "statute") + (" (superseded)" if i.document_status == "superseded" else "")
        what = i.label + (" (projected)" if i.projected else "")
        if i.held_on:
            what += f" - held {i.held_on:%d %b %Y}" + (" (late)" if i.late else "")
        table.add_row(i.date.strftime("%a %d %b %Y"), f"[{style}]{i.status.replace('_', ' ')}[/{style}]",
                      str(i.days_from_today), i.authority, what, doc)
    console.print(table)
    for note in tl.notes:
        console.print(f"[dim]{note}[/dim]")
    # results with no date still say something a practitioner must see: a policy that changed under its rule
    for res in tl.results:
        if res.outcome in ("policy_changed", "no_timescale", "cannot_tell"):
            style = "bold yellow" if res.outcome == "policy_changed" else "dim"
            console.print(f"[{style}]{res.outcome.replace('_', ' ')}:[/{style}] {escape(res.summary)}")
    console.print("[dim]Use --json for the reasons, legal basis and citations of each date.[/dim]")


@rules_app.command("review-schedule")
def review_schedule_cmd(
    looked_after_from: str = typer.Option(..., "--looked-after-from", help="Date the child became looked after"),
    review_held: list[str] = typer.Option([], "--review-held", help="Date a review was held (repeat, in order)"),
    later_reviews: int = typer.Option(2, "--later-reviews", help="Reviews after the second to list"),
    authority: Optional[str] = typer.Option(None, "--authority", help=_AUTH),
    superseded: bool = typer.Option(True, "--superseded/--no-superseded", help="Include superseded documents"),
    as_json: bool = typer.Option(False, "--json", help=_JSON),
) -> None:
    """Statutory review due dates, each council's permanence-plan timing and Bolton's 13 weeks."""
    facts = _build(ReviewScheduleFacts, looked_after_from=looked_after_from, reviews_held=review_held,
                   later_reviews=later_reviews, authority=authority, include_superseded=superseded)
    _print_results(_run(_service().review_schedule, facts), as_json)


def _lived_with(values: list[str]) -> list[dict]:
    out = []
    for v in values:
        start, _, end = v.partition(":")
        out.append({"from_date": start, "to_date": end or None})
    return out


def _applicant_values(today, application_date, relationship, foster_carer, guardian, named_in_cao, lived_with_since,
                      lived_with, care_order, la_consents, pr_consent, other_cao, cao_holders_consent, leave_granted,
                      adult, authority, superseded) -> dict:
    return dict(
        today=today, application_date=application_date, relationship=relationship,
        is_local_authority_foster_carer=foster_carer, is_guardian=guardian, named_in_cao_as_living_with=named_in_cao,
        lived_with_since=lived_with_since, lived_with=_lived_with(lived_with), care_order_in_force=care_order,
        local_authority_consents=la_consents, all_with_pr_consent=pr_consent, other_cao_in_force=other_cao,
        cao_holders_consent=cao_holders_consent, leave_granted=leave_granted, applicant_aged_18_or_over=adult,
        authority=authority, include_superseded=superseded,
    )


_O = typer.Option


@rules_app.command("sgo")
def sgo_cmd(
    today: Optional[str] = _O(None, "--today", help="Date to assess on (default: today)"),
    application_date: Optional[str] = _O(None, "--application-date", help="Date the application would be made"),
    relationship: Optional[str] = _O(None, "--relationship", help="e.g. grandparent, aunt, cousin, family_friend, unrelated, parent"),
    foster_carer: bool = _O(False, "--foster-carer", help="The applicant is the child's local authority foster carer"),
    guardian: bool = _O(False, "--guardian", help="The applicant is the child's guardian"),
    named_in_cao: bool = _O(False, "--named-in-cao", help="Named in a child arrangements order as someone the child lives with"),
    lived_with_since: Optional[str] = _O(None, "--lived-with-since", help="Child has lived with the applicant since"),
    lived_with: list[str] = _O([], "--lived-with", help="Earlier period FROM:TO (repeatable)"),
    care_order: Optional[bool] = _O(None, "--care-order/--no-care-order", help="Child subject to a care order"),
    la_consents: Optional[bool] = _O(None, "--la-consents/--la-refuses", help="Local authority consents"),
    pr_consent: Optional[bool] = _O(None, "--pr-consent/--no-pr-consent", help="Everyone with parental responsibility consents"),
    other_cao: Optional[bool] = _O(None, "--other-cao/--no-other-cao", help="A child arrangements order names someone else"),
    cao_holders_consent: Optional[bool] = _O(None, "--cao-holders-consent/--cao-holders-refuse"),
    leave_granted: Optional[bool] = _O(None, "--leave-granted/--leave-refused"),
    adult: Optional[bool] = _O(None, "--adult/--under-18", help="Applicant aged 18 or over"),
    notice_given: Optional[str] = _O(None, "--notice-given", help="Date written notice was given to the local authority"),
    authority: Optional[str] = _O(None, "--authority", help=_AUTH),
    superseded: bool = _O(True, "--superseded/--no-superseded"),
    as_json: bool = _O(False, "--json", help=_JSON),
) -> None:
    """May this person apply for a special guardianship order without leave (s.14A)?"""
    values = _applicant_values(today, application_date, relationship, foster_carer, guardian, named_in_cao,
                               lived_with_since, lived_with, care_order, la_consents, pr_consent, other_cao,
                               cao_holders_consent, leave_granted, adult, authority, superseded)
    facts = _build(SgoFacts, notice_given_on=notice_given, **values)
    _print_results(_run(_service().sgo, facts), as_json)


@rules_app.command("cao")
def cao_cmd(
    today: Optional[str] = _O(None, "--today", help="Date to assess on (default: today)"),
    application_date: Optional[str] = _O(None, "--application-date"),
    relationship: Optional[str] = _O(None, "--relationship", help="e.g. parent, grandparent, aunt, cousin, family_friend"),
    foster_carer: bool = _O(False, "--foster-carer"),
    guardian: bool = _O(False, "--guardian"),
    special_guardian: bool = _O(False, "--special-guardian"),
    step_parent_with_pr: bool = _O(False, "--step-parent-with-pr"),
    married: bool = _O(False, "--married-child-of-family", help="Party to a marriage/civil partnership, child of the family"),
    named_in_cao: bool = _O(False, "--named-in-cao"),
    lived_with_since: Optional[str] = _O(None, "--lived-with-since"),
    lived_with: list[str] = _O([], "--lived-with", help="Earlier period FROM:TO (repeatable)"),
    care_order: Optional[bool] = _O(None, "--care-order/--no-care-order"),
    looked_after: Optional[bool] = _O(None, "--looked-after/--not-looked-after"),
    sgo_in_force: Optional[bool] = _O(None, "--sgo-in-force/--no-sgo"),
    la_consents: Optional[bool] = _O(None, "--la-consents/--la-refuses"),
    pr_consent: Optional[bool] = _O(None, "--pr-consent/--no-pr-consent"),
    other_cao: Optional[bool] = _O(None, "--other-cao/--no-other-cao"),
    cao_holders_consent: Optional[bool] = _O(None, "--cao-holders-consent/--cao-holders-refuse"),
    leave_granted: Optional[bool] = _O(None, "--leave-granted/--leave-refused"),
    authority: Optional[str] = _O(None, "--authority", help=_AUTH),
    superseded: bool = _O(True, "--superseded/--no-superseded"),
    as_json: bool = _O(False, "--json", help=_JSON),
) -> None:
    """May this person apply for a child arrangements order to live with the child without leave (s.10)?"""
    values = _applicant_values(today, application_date, relationship, foster_carer, guardian, named_in_cao,
                               lived_with_since, lived_with, care_order, la_consents, pr_consent, other_cao,
                               cao_holders_consent, leave_granted, None, authority, superseded)
    facts = _build(CaoFacts, is_special_guardian=special_guardian, step_parent_with_pr=step_parent_with_pr,
                   married_or_civil_partner_child_of_family=married, special_guardianship_order_in_force=sgo_in_force,
                   child_looked_after=looked_after, **values)
    _print_results(_run(_service().cao, facts), as_json)


@rules_app.command("private-fostering")
def private_fostering_cmd(
    today: Optional[str] = _O(None, "--today"),
    child_age: Optional[int] = _O(None, "--child-age"),
    child_dob: Optional[str] = _O(None, "--child-dob"),
    disabled: Optional[bool] = _O(None, "--disabled/--not-disabled"),
    carer_relationship: Optional[str] = _O(None, "--carer-relationship", help="e.g. aunt, cousin, great_aunt, family_friend"),
    carer_has_pr: bool = _O(False, "--carer-has-pr"),
    start: Optional[str] = _O(None, "--start", help="First day of the arrangement (past or planned)"),
    end: Optional[str] = _O(None, "--end", help="Last day of the arrangement, if ended or planned"),
    intended_days: Optional[int] = _O(None, "--intended-days"),
    authority: Optional[str] = _O(None, "--authority", help=_AUTH),
    as_json: bool = _O(False, "--json", help=_JSON),
) -> None:
    """Is this arrangement private fostering (s.66)? With notice dates and Bolton's wording."""
    facts = _build(PrivateFosteringFacts, today=today, child_age=child_age, child_date_of_birth=child_dob,
                   child_disabled=disabled, carer_relationship=carer_relationship,
                   carer_has_parental_responsibility=carer_has_pr, arrangement_start=start, arrangement_end=end,
                   intended_days=intended_days, authority=authority)
    _print_results(_run(_service().private_fostering, facts), as_json)


@rules_app.command("timeline")
def timeline_cmd(
    looked_after_from: str = _O(..., "--looked-after-from"),
    today: Optional[str] = _O(None, "--today", help="Date to mark against (default: today)"),
    due_soon_days: Optional[int] = _O(None, "--due-soon-days", help="'Due soon' window (default from settings: 14)"),
    review_held: list[str] = _O([], "--review-held", help="Date a review was held (repeat, in order)"),
    ppm_held: list[str] = _O([], "--ppm-held", help="Date a Permanency Planning Meeting was held (repeat)"),
    placement_secured: Optional[str] = _O(None, "--placement-secured"),
    placement_date: Optional[str] = _O(None, "--placement-date"),
    residential_plan: bool = _O(False, "--residential-plan"),
    reunification: Optional[bool] = _O(None, "--reunification-assessed/--no-reunification"),
    proceedings_issued: Optional[str] = _O(None, "--proceedings-issued"),
    extension_weeks: list[int] = _O([], "--extension-weeks", help="Extension granted, in weeks (repeat)"),
    authority: Optional[str] = _O(None, "--authority", help=_AUTH),
    superseded: bool = _O(True, "--superseded/--no-superseded"),
    as_json: bool = _O(False, "--json", help=_JSON),
) -> None:
    """Every applicable due date for one child, in order: overdue / due soon / upcoming / done."""
    facts = _build(TimelineFacts, looked_after_from=looked_after_from, today=today, due_soon_days=due_soon_days,
                   reviews_held=review_held, permanence_meetings_held=ppm_held,
                   permanent_placement_secured_on=placement_secured, placement_date=placement_date,
                   residential_permanence_plan=residential_plan, reunification_being_assessed=reunification,
                   care_proceedings_issued_on=proceedings_issued, proceedings_extension_weeks=extension_weeks,
                   authority=authority, include_superseded=superseded)
    _print_timeline(_run(_service().timeline, facts), as_json)


def register(app: typer.Typer) -> None:
    """Add ``permanence rules ...`` to the ``permanence`` app."""
    app.add_typer(rules_app, name="rules")
