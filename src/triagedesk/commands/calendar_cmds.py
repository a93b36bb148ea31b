"""`triagedesk calendar ...`: business-hours calendars and holiday calendars (ICS files or a country's holidays)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from triagedesk.commands.common import console, emit_json, json_option, read_text
from triagedesk.commands.desk_cmds import actor_option, desk
from triagedesk.commands.schedule_cmds import build, windows
from triagedesk.commands.store_cmds import db_option
from triagedesk.display import literal, printable
from triagedesk.domain.errors import InputError

scope_options = [
    click.option("--expert", "experts", multiple=True, metavar="ID", help="Only for this expert (repeat)."),
    click.option("--team", "teams", multiple=True, metavar="NAME", help="Only for this team (repeat)."),
]


def scoped(function):
    for option in reversed(scope_options):
        function = option(function)
    return function


@click.group()
def calendar() -> None:
    """Business hours per expert or team, and holidays (from an ICS file or a country) that stop their clocks."""


@calendar.command("import")
@click.argument("file", metavar="[FILE.ics]", required=False)
@click.option("--holidays", "name", required=True, metavar="NAME", help="The holiday calendar's name.")
@click.option("--country", metavar="CC", help="A country's public holidays instead of a file (ISO 3166: DE, US...).")
@click.option("--region", metavar="SUBDIV", help="The country's region (a state: BY, CA...).")
@click.option("--from-year", type=click.IntRange(1900, 2200), help="First year (default: last year).")
@click.option("--to-year", type=click.IntRange(1900, 2200), help="Last year (default: five years ahead).")
@click.option("--timezone", "zone_name", default="UTC", show_default=True,
              help="The zone of a file's floating times (X-WR-TIMEZONE wins when it names one).")
@scoped
@db_option
@actor_option
@json_option
def calendar_import(file: str | None, name: str, country: str | None, region: str | None, from_year: int | None,
                    to_year: int | None, zone_name: str, experts: tuple[str, ...], teams: tuple[str, ...],
                    db_path: str | None, actor: str, as_json: bool) -> None:
    """Holidays from FILE.ics (all-day events are days off, timed ones closures) or --country; they apply to every
    business-hours calendar unless --expert or --team scopes them."""
    from triagedesk.domain.routing.schedules import schedule_name
    from triagedesk.formats import ics

    if bool(file) == bool(country):
        raise InputError("calendar import: give FILE.ics or --country CC (one of them)")
    try:
        schedule_name(name)
    except ValueError as exc:
        raise InputError(f"--holidays: {exc}") from None
    if region and not country:
        raise InputError("--region belongs to --country")
    this_year = datetime.now(UTC).year
    first, last = from_year or this_year - 1, to_year or this_year + 5
    if last < first:
        raise InputError("--to-year must not be before --from-year")
    if country:
        found = ics.country(country, region, range(first, last + 1))
        source = f"country:{country.upper()}" + (f"-{region.upper()}" if region else "")
    else:
        assert file is not None
        text, source = read_text(file)
        found = ics.holidays(text, source, datetime(first, 1, 1, tzinfo=UTC), datetime(last + 1, 1, 1, tzinfo=UTC),
                             zone_name)
    saved = desk(db_path).oncall.holiday_calendar(name, found, source, experts, teams, actor)
    scope = ", ".join([*saved.experts, *(f"team {t}" for t in saved.teams)]) or "everyone"
    if as_json:
        emit_json({"calendar": saved.id, "holidays": len(saved.holidays), "source": saved.source,
                   "experts": saved.experts, "teams": saved.teams})
    else:
        click.echo(printable(f"{saved.id}: {len(saved.holidays)} holidays from {saved.source}, for {scope}"))


@calendar.command("add")
@click.argument("name")
@click.option("--hours", "hours", multiple=True, required=True, metavar="WINDOW",
              help="Open hours: 'mon-fri 09:00-17:00', 'sat 10:00-14:00', '00:00-24:00' (repeat).")
@click.option("--timezone", "zone_name", default="UTC", show_default=True)
@scoped
@db_option
@actor_option
@json_option
def calendar_add(name: str, hours: tuple[str, ...], zone_name: str, experts: tuple[str, ...], teams: tuple[str, ...],
                 db_path: str | None, actor: str, as_json: bool) -> None:
    """A business-hours calendar for --expert or --team (their SLA clocks count its open minutes)."""
    from triagedesk.domain.routing.calendars import Calendar, OpenHours

    if not experts and not teams:
        raise InputError("calendar add: name whose hours these are with --expert ID or --team NAME")
    opening = [OpenHours(days=r.days, start=r.start, end=r.end) for r in windows(hours, "--hours")]
    made = build(Calendar, {"id": name, "kind": "business", "timezone": zone_name, "hours": opening,
                            "experts": list(experts), "teams": list(teams), "source": "cli"}, f"calendar {name}")
    saved = desk(db_path).oncall.put_calendar(made, actor)
    emit_json(saved) if as_json else click.echo(printable(f"{saved.id}: business hours in {saved.timezone}"))


@calendar.command("list")
@db_option
@json_option
def calendar_list(db_path: str | None, as_json: bool) -> None:
    """Every calendar: its kind, zone, scope and size."""
    from rich.table import Table

    found = desk(db_path).oncall.calendar_records()
    if as_json:
        emit_json([{"id": c.id, "kind": c.kind, "timezone": c.timezone, "hours": len(c.hours),
                    "holidays": len(c.holidays), "experts": c.experts, "teams": c.teams, "source": c.source}
                   for c in found])
        return
    table = Table("calendar", "kind", "zone", "for", "holidays", "source")
    for c in found:
        table.add_row(literal(c.id), c.kind, c.timezone, literal(", ".join([*c.experts, *c.teams]) or "everyone"),
                      str(len(c.holidays)), literal(c.source))
    console().print(table)


@calendar.command("remove")
@click.argument("name")
@db_option
@actor_option
def calendar_remove(name: str, db_path: str | None, actor: str) -> None:
    """Remove calendar NAME."""
    desk(db_path).oncall.remove_calendar(name, actor)
    click.echo(printable(f"removed {name}"))


COMMANDS = (calendar,)
