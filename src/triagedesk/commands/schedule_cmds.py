"""`triagedesk schedule ...` and `triagedesk oncall`: on-call schedules from the command line, `--json` for scripts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pydantic import BaseModel

    from triagedesk.domain.routing.rota import Region
    from triagedesk.domain.routing.schedules import Restriction

from triagedesk.commands.common import console, emit_json, json_option, parse_instant, read_text
from triagedesk.commands.desk_cmds import actor_option, desk
from triagedesk.commands.store_cmds import db_option, store_path
from triagedesk.display import literal, printable
from triagedesk.domain.errors import InputError, UserError, format_loc
from triagedesk.domain.instants import outside, stamp

at_option = click.option("--at", "at_text", metavar="ISO-TIME", help="The instant asked about (default: now).")


def build(model: type[BaseModel], data: dict[str, Any], what: str) -> Any:
    """A validated model, or one line naming `what` and the field at fault."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise InputError(f"{what}: {format_loc(error['loc']) or '(record)'}: {error['msg']}") from None


def local_time(text: str, option: str) -> datetime:
    """A wall-clock time (no offset) for a hand-off."""
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a local time like 2026-01-05T09:00") from None
    if found.tzinfo is not None:
        raise InputError(f"{option}: {text!r}: give the wall-clock time in the schedule's zone, without an offset")
    beyond = outside(found.replace(tzinfo=UTC))
    if beyond is not None:  # a hand-off at year 9999 would end every later `oncall` in an overflow
        raise InputError(f"{option}: {text!r} is {beyond}")
    return found


def windows(texts: tuple[str, ...], option: str) -> list[Restriction]:
    from pydantic import ValidationError

    from triagedesk.domain.routing.schedules import Restriction, parse_window

    out = []
    for text in texts:
        try:
            days, start, end = parse_window(text)
            out.append(Restriction(days=days, start=start, end=end))
        except (ValueError, ValidationError) as exc:
            raise InputError(f"{option}: {str(exc).splitlines()[0]}") from None
    return out


def regions(texts: tuple[str, ...]) -> list[Region]:
    """`--region NAME=ZONE:ID,ID` for the follow-the-sun generator."""
    from triagedesk.domain.routing.rota import Region

    out = []
    for text in texts:
        name, _, rest = text.partition("=")
        zone_name, _, members = rest.rpartition(":")
        if not name or not zone_name or not members:
            raise InputError(f"--region {text!r}: expected NAME=ZONE:ID,ID (e.g. europe=Europe/Berlin:ann,tom)")
        out.append(Region(name.strip(), zone_name.strip(), [m.strip() for m in members.split(",") if m.strip()]))
    return out


@click.group()
def schedule() -> None:
    """On-call schedules: layers of rotations, restrictions, overrides; import and export as iCalendar."""


@schedule.command("add")
@click.argument("name")
@click.option("--member", "members", multiple=True, metavar="ID", help="A member, in rotation order (repeat).")
@click.option("--start", "start_text", metavar="LOCAL-TIME", help="The first hand-off, e.g. 2026-01-05T09:00.")
@click.option("--length", default="1w", show_default=True, help="Each turn: 12h, 1d, 1w...")
@click.option("--restrict", "restricts", multiple=True, metavar="WINDOW",
              help="Limit the layer to a weekly window: 'mon-fri 09:00-17:00', '22:00-06:00' (repeat).")
@click.option("--layer-name", default="", help="The layer's name.")
@click.option("--timezone", "zone_name", default="UTC", show_default=True, help="The schedule's time zone.")
@click.option("--covers", "covers", multiple=True, metavar="PROFILE[/CATEGORY]",
              help="Issues the schedule answers for: a profile, a profile/category, or * (repeat).")
@click.option("--region", "region_texts", multiple=True, metavar="NAME=ZONE:ID,ID",
              help="Generate a balanced follow-the-sun rotation from regions (repeat; with --start as the first day).")
@click.option("--file", "file_path", metavar="FILE", help="The whole schedule as JSON.")
@click.option("--add-layer", is_flag=True, help="Add the layer to an existing schedule (a later layer wins).")
@click.option("--replace", is_flag=True, help="Replace a schedule of the same name.")
@db_option
@actor_option
@json_option
def schedule_add(name: str, members: tuple[str, ...], start_text: str | None, length: str, restricts: tuple[str, ...],
                 layer_name: str, zone_name: str, covers: tuple[str, ...], region_texts: tuple[str, ...],
                 file_path: str | None, add_layer: bool, replace: bool, db_path: str | None, actor: str,
                 as_json: bool) -> None:
    """Add schedule NAME: one rotation layer from the options, a follow-the-sun rotation (--region), or --file."""
    from triagedesk.domain.routing.rota import follow_the_sun
    from triagedesk.domain.routing.schedules import Layer, Schedule

    operations = desk(db_path).oncall
    if file_path:
        import json

        text, source = read_text(file_path)
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{source}: invalid JSON ({exc})") from None
        made = build(Schedule, {**data, "id": data.get("id", name)} if isinstance(data, dict) else data, source)
        saved = operations.add_schedule(made, actor, replace)
    elif region_texts:
        first = local_time(start_text, "--start").date() if start_text else datetime.now(UTC).date()
        try:
            made = follow_the_sun(name, regions(region_texts), first, zone_name, covers=covers)
        except ValueError as exc:
            raise InputError(f"--region: {str(exc).splitlines()[0]}") from None
        saved = operations.add_schedule(made, actor, replace, note="follow the sun")
    else:
        if not members:
            raise InputError("schedule add: give --member ID (repeat, in order), --region or --file")
        if not start_text:
            raise InputError("schedule add: --start LOCAL-TIME is the first hand-off (e.g. 2026-01-05T09:00)")
        layer = build(Layer, {"name": layer_name, "members": list(members), "start": local_time(start_text, "--start"),
                              "length": length, "restrictions": windows(restricts, "--restrict")}, "layer")
        if add_layer:
            saved = operations.add_layer(name, layer, actor)
        else:
            made = build(Schedule, {"id": name, "name": name, "timezone": zone_name, "layers": [layer],
                                    "covers": list(covers)}, f"schedule {name}")
            saved = operations.add_schedule(made, actor, replace)
    if as_json:
        emit_json(saved)
    else:
        click.echo(printable(f"{saved.id}: {len(saved.layers)} layer(s), {len(saved.members())} member(s), "
                             f"zone {saved.timezone}"))


@schedule.command("list")
@db_option
@json_option
def schedule_list(db_path: str | None, as_json: bool) -> None:
    """Every schedule with its zone, layers, members and what it covers."""
    from rich.table import Table

    found = desk(db_path).oncall.schedules()
    if as_json:
        emit_json([{"id": s.id, "timezone": s.timezone, "layers": len(s.layers), "members": s.members(),
                    "overrides": len(s.overrides), "covers": s.covers} for s in found])
        return
    if not found:
        click.echo("no schedules yet: `triagedesk schedule add` or `schedule import FILE.ics --as NAME`")
        return
    table = Table("schedule", "zone", "layers", "members", "overrides", "covers")
    for s in found:
        table.add_row(literal(s.id), s.timezone, str(len(s.layers)), literal(", ".join(s.members())),
                      str(len(s.overrides)), literal(", ".join(s.covers) or "-"))
    console().print(table)


@schedule.command("show")
@click.argument("name")
@at_option
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@db_option
@json_option
def schedule_show(name: str, at_text: str | None, days: int, db_path: str | None, as_json: bool) -> None:
    """The schedule and who is on call in it from --at for --days days."""
    from rich.table import Table

    operations = desk(db_path).oncall
    found = operations.schedule(name)
    at = parse_instant(at_text, "--at")
    shifts = operations.week(name, at, days)
    if as_json:
        emit_json({"schedule": found, "from": stamp(at), "shifts": [s.as_dict() for s in shifts]})
        return
    click.echo(printable(f"{found.id} ({found.timezone}): {found.description or ''}"))
    table = Table("from (UTC)", "to (UTC)", "on call", "by")
    for s in shifts:
        table.add_row(f"{s.start:%a %Y-%m-%d %H:%M}", f"{s.end:%a %Y-%m-%d %H:%M}", literal(s.member or "nobody"),
                      literal(s.source or "-"))
    console().print(table)


@schedule.command("override")
@click.argument("name")
@click.option("--member", required=True, metavar="ID", help="Who is on call instead.")
@click.option("--start", "start_text", required=True, metavar="ISO-TIME")
@click.option("--end", "end_text", required=True, metavar="ISO-TIME")
@click.option("--replaces", metavar="ID", help="Only where the layers say this person (default: whoever).")
@click.option("--note", default="", help="A note for the audit log.")
@db_option
@actor_option
@json_option
def schedule_override(name: str, member: str, start_text: str, end_text: str, replaces: str | None, note: str,
                      db_path: str | None, actor: str, as_json: bool) -> None:
    """Put --member on call in NAME from --start to --end."""
    from triagedesk.domain.routing.schedules import Override

    override = build(Override, {"member": member, "start": parse_instant(start_text, "--start"),
                                "end": parse_instant(end_text, "--end"), "replaces": replaces, "note": note},
                     "override")
    saved = desk(db_path).oncall.override(name, override, actor)
    if as_json:
        emit_json({"schedule": saved.id, "override": override})
    else:
        click.echo(printable(f"{saved.id}: {member} on call {stamp(override.start)} - {stamp(override.end)} "
                             f"({override.id})"))


@schedule.command("remove")
@click.argument("name")
@click.option("--override", "override_id", metavar="ID", help="Remove only this override.")
@db_option
@actor_option
@json_option
def schedule_remove(name: str, override_id: str | None, db_path: str | None, actor: str, as_json: bool) -> None:
    """Remove schedule NAME (or one of its overrides)."""
    operations = desk(db_path).oncall
    if override_id:
        operations.remove_override(name, override_id, actor)
        what = f"override {override_id} of {name}"
    else:
        operations.remove(name, actor)
        what = name
    emit_json({"removed": what}) if as_json else click.echo(printable(f"removed {what}"))


def _day(text: str | None, option: str, default: datetime) -> datetime:
    return parse_instant(text, option) if text else default


@schedule.command("import")
@click.argument("file", metavar="FILE.ics")
@click.option("--as", "name", required=True, metavar="NAME", help="The schedule's name.")
@click.option("--from", "from_text", metavar="ISO-TIME", help="Shifts from (default: a year ago).")
@click.option("--until", "until_text", metavar="ISO-TIME", help="Shifts until (default: two years ahead).")
@click.option("--timezone", "zone_name", default="UTC", show_default=True,
              help="The zone of floating and all-day times (X-WR-TIMEZONE wins when the file names one).")
@click.option("--covers", "covers", multiple=True, metavar="PROFILE[/CATEGORY]")
@click.option("--replace", is_flag=True, help="Replace a schedule of the same name.")
@db_option
@actor_option
@json_option
def schedule_import(file: str, name: str, from_text: str | None, until_text: str | None, zone_name: str,
                    covers: tuple[str, ...], replace: bool, db_path: str | None, actor: str, as_json: bool) -> None:
    """A schedule from an iCalendar file: each event whose attendee or summary names an expert is their shift."""
    from triagedesk.formats import ics

    text, source = read_text(file)
    ics.parse(text, source)  # the file's own mistakes first, as `calendar import` says them, store or none
    now = datetime.now(UTC)
    start = _day(from_text, "--from", now - timedelta(days=365))
    end = _day(until_text, "--until", now + timedelta(days=730))
    if end <= start:
        raise InputError("--until must be after --from")
    saved, skipped = desk(db_path).oncall.import_shifts(text, source, name, actor, start, end, zone_name, covers,
                                                        replace)
    shifts = saved.layers[0].shifts
    if as_json:
        emit_json({"schedule": saved.id, "shifts": len(shifts), "members": saved.members(), "skipped": len(skipped)})
    else:
        click.echo(printable(f"{saved.id}: {len(shifts)} shifts of {', '.join(saved.members())}; "
                             f"{len(skipped)} events named no expert"))


@schedule.command("export")
@click.argument("name")
@click.option("--from", "from_text", metavar="ISO-TIME", help="Shifts from (default: a week ago).")
@click.option("--until", "until_text", metavar="ISO-TIME", help="Shifts until (default: 90 days ahead).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write the ICS to this file.")
@db_option
def schedule_export(name: str, from_text: str | None, until_text: str | None, out_path: str | None,
                    db_path: str | None) -> None:
    """Schedule NAME as an iCalendar file, so people see their shifts in their own calendar app."""
    now = datetime.now(UTC)
    start = _day(from_text, "--from", now - timedelta(days=7))
    end = _day(until_text, "--until", now + timedelta(days=90))
    if end <= start:
        raise InputError("--until must be after --from")
    text = desk(db_path).oncall.export(name, start, end)
    if out_path:
        from triagedesk.files import write_user_file

        write_user_file(Path(out_path), text.encode("utf-8"), protect=store_path(db_path))
        click.echo(printable(f"wrote {out_path}"))
    else:
        click.echo(text, nl=False)


@click.command()
@at_option
@click.option("--handoffs", type=click.IntRange(1, 20), default=1, show_default=True, help="Next hand-offs to list.")
@db_option
@json_option
def oncall(at_text: str | None, handoffs: int, db_path: str | None, as_json: bool) -> None:
    """Who is on call now (or --at) in every schedule: since, until, and the next hand-off."""
    from rich.table import Table

    at = parse_instant(at_text, "--at")
    found = desk(db_path).oncall.on_call(at, handoffs)
    if as_json:
        emit_json({"at": stamp(at), "schedules": [{**a.as_dict(), "handoffs": [h.as_dict() for h in nxt]}
                                                  for a, nxt in found]})
        return
    if not found:
        raise UserError("no schedules yet: `triagedesk schedule add` or `schedule import FILE.ics --as NAME`")
    table = Table("schedule", "on call", "since (UTC)", "until (UTC)", "next")
    for answer, nxt in found:
        table.add_row(literal(answer.schedule), literal(answer.member or "nobody"),
                      f"{answer.since:%a %m-%d %H:%M}" if answer.since else "-",
                      f"{answer.until:%a %m-%d %H:%M}" if answer.until else "-",
                      literal(", ".join(f"{h.member or 'nobody'} {h.start:%a %H:%M}" for h in nxt) or "-"))
    console().print(table)


COMMANDS = (schedule, oncall)
