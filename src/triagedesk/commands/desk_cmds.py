"""Desk commands: timers, knowledge search, packages, the report and the rule backtest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from triagedesk.commands.common import console, db_option, emit_json, json_option, now_option, parse_instant, store_path

if TYPE_CHECKING:
    from triagedesk.app.answers import Answers
    from triagedesk.app.desk import Desk

__all__ = ["actor_option", "answering", "db_option", "desk", "now_option"]


def _actor(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    from triagedesk.app.actor import configured_actor, person

    return person(value or configured_actor())


actor_option = click.option("--actor", default=None, callback=_actor,
                            help="Who is acting, for the audit log (default: config `actor`, else the login name).")


def _clock(now_text: str | None) -> Callable[[], datetime]:
    """The commands' clock: `--now` fixed, else the time."""
    if now_text:
        fixed: datetime = parse_instant(now_text, "--now")
        return lambda: fixed
    return lambda: parse_instant(None, "--now")


@contextmanager
def answering(db_path: str | None, now_text: str | None = None) -> Iterator[Answers]:
    """The desk's queries for a question that writes nothing (app/answers.py: none of the desk's writing world
    imported), opened without waiting for the snapshot's whole-file checksum; the answer is let out only once
    what it read is known good (each span's own checksum, or the whole file's)."""
    from triagedesk.app.answers import open_answers

    operations = open_answers(store_path(db_path), clock=_clock(now_text))
    try:
        yield operations
        operations.answerable()
    finally:
        operations.close()


def desk(db_path: str | None, now_text: str | None = None, create: bool = False) -> Desk:
    """The desk over the store; `--now` fixes its clock so results are reproducible."""
    from triagedesk.app.stores import open_desk

    if now_text:
        fixed: datetime = parse_instant(now_text, "--now")
        return open_desk(store_path(db_path), create=create, clock=lambda: fixed)
    return open_desk(store_path(db_path), create=create)


@click.command()
@db_option
@now_option
@json_option
def timers(db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """Every open request's SLA clocks (acknowledge and resolve targets), breached first, then least time left,
    with refund exposure."""
    from rich.table import Table

    from triagedesk.display import literal
    from triagedesk.domain.requests.clocks import refund_exposure
    from triagedesk.domain.requests.states import state_name

    rows = desk(db_path, now_text).queries.clocks()
    exposure = refund_exposure([clock for c in rows for clock in c.clocks])
    if as_json:
        emit_json({"refund_exposure": exposure, "clocks": [
            {**c.pressing.as_dict(), "issue_id": c.request.analysis_id, "status": c.request.status,
             "expert_id": c.request.assigned_expert_id, "targets": [t.as_dict() for t in c.clocks],
             "suggestions": [x.text for x in c.suggestions], "suggestion_codes": [x.code for x in c.suggestions]}
            for c in rows if c.pressing is not None]})
        return
    table = Table("request", "issue", "status", "expert", "target", "left (min)", "state", "suggestion",
                  title=f"Refund exposure ${exposure:,.2f}", title_justify="left")
    for c in rows:
        shown = c.pressing
        assert shown is not None
        table.add_row(literal(c.request.id), literal(c.request.analysis_id), state_name(c.request.status),
                      literal(c.request.assigned_expert_id or "-"), shown.target, f"{shown.left_minutes:,.0f}",
                      shown.state, literal(c.suggestions[0].text if c.suggestions else "-"))
    console().print(table)


@click.group()
def kb() -> None:
    """The knowledge base of past resolutions."""


@kb.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
@db_option
@json_option
def kb_search(text: str, limit: int, db_path: str | None, as_json: bool) -> None:
    """Find past resolutions that share words with TEXT."""
    from triagedesk.app.reading import open_reading
    from triagedesk.display import one_line, printable

    reading = open_reading(store_path(db_path))
    try:
        hits = reading.knowledge(text, limit)
    finally:
        reading.close()
    if as_json:
        emit_json([{"score": h.score, "matched": list(h.matched), **h.entry.model_dump(mode="json")} for h in hits])
        return
    if not hits:
        click.echo("no matching resolutions")
    for hit in hits:  # plain lines: each a line of its own however wide (no terminal's wrapping, no Rich imported)
        click.echo(printable(f"{hit.score:.2f}  {one_line(hit.entry.title)}  ({one_line(hit.entry.issue_id)})"))
        click.echo(printable(f"      {one_line(hit.entry.resolution, 110)}"))


@click.command("package")
@click.argument("issue_id")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write the Markdown to this file.")
@db_option
@now_option
def package_cmd(issue_id: str, out_path: str | None, db_path: str | None, now_text: str | None) -> None:
    """The escalation package of ISSUE_ID as Markdown, with the initial-contact and follow-up messages."""
    from triagedesk.display import printable

    with answering(db_path, now_text) as operations:
        text = printable(operations.queries.package(issue_id))
    if out_path:
        from triagedesk.files import write_user_file

        write_user_file(Path(out_path), text.encode("utf-8"), protect=store_path(db_path))
        click.echo(printable(f"wrote {out_path}"))
    else:
        click.echo(text, nl=False)


@click.command()
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@db_option
@now_option
def report(days: int, fmt: str, db_path: str | None, now_text: str | None) -> None:
    """The expert network performance report over the requests submitted in the last DAYS days."""
    from triagedesk.app.reading import open_reading

    reading = open_reading(store_path(db_path), _clock(now_text))
    try:
        data = reading.report(days)
    finally:
        reading.close()
    if fmt == "json":
        emit_json(data)
    else:
        from triagedesk.display import printable
        from triagedesk.domain.insight import analytics, noise

        click.echo(printable(analytics.markdown(data) + noise.markdown(data["noise"])), nl=False)


@click.command()
@click.option("--profile", "profile_path", required=True, metavar="NAME|PATH", help="The changed profile to replay.")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@click.option("--limit", type=int, default=20, show_default=True, help="Changed issues to list.")
@db_option
@now_option
@json_option
def backtest(profile_path: str, days: int, limit: int, db_path: str | None, now_text: str | None,
             as_json: bool) -> None:
    """Replay a changed profile over stored issues (what would escalate, at which urgency and tier) and over
    stored alerts (its intake rules: pages saved, pages delayed or dropped)."""
    from rich.table import Table

    from triagedesk.display import literal, one_line

    queries = desk(db_path, now_text).queries
    result = queries.backtest(profile_path, days)
    alerts = queries.intake_backtest(profile_path, days)
    if as_json:
        emit_json({**result.as_dict(), "alerts": alerts})
        return
    out = console()
    out.print(literal(f"Backtest of {profile_path} over {result.considered:,} {result.profile} issues ({days} days)"))
    table = Table("", "current", "candidate")
    table.add_row("escalated", str(result.before["escalated"]), str(result.after["escalated"]))
    for urgency in ("critical", "high", "medium", "low"):
        table.add_row(f"  {urgency}", str(result.before["by_urgency"].get(urgency, 0)),
                      str(result.after["by_urgency"].get(urgency, 0)))
    for tier in sorted(set(result.before["by_tier"]) | set(result.after["by_tier"])):
        table.add_row(f"  tier {tier}", str(result.before["by_tier"].get(tier, 0)),
                      str(result.after["by_tier"].get(tier, 0)))
    out.print(table)
    changes = Table("issue", "title", "change", "actual request", "corrections",
                    title=f"{len(result.changes):,} issues change")
    for change in result.changes[:limit]:
        changes.add_row(literal(change.issue_id), literal(one_line(change.title, 40)), literal(change.note),
                        literal(change.actual["request"] or "-"), str(change.actual["corrections"]))
    out.print(changes)
    print_alert_backtest(alerts, limit)


def print_alert_backtest(found: dict[str, Any], limit: int) -> None:
    """The intake rules' backtest: events, issues and pages under the current and the changed rules."""
    from rich.table import Table

    from triagedesk.display import literal

    out = console()
    before, after = found["current"], found["changed"]
    if not before["events"]:
        out.print("No stored alerts in the period: the intake rules have nothing to replay.")
        return
    out.print(f"Intake rules replayed over {before['alerts']:,} stored alerts ({before['events']:,} events)")
    table = Table("alerts", "current", "changed")
    for name in ("issues", "pages"):
        table.add_row(name, f"{before[name]:,}", f"{after[name]:,}")
    table.add_row("compression", f"{before['compression']:.1%}", f"{after['compression']:.1%}")
    out.print(table)
    out.print(f"pages saved: {found['pages_saved']:,}; dropped {len(found['dropped'])}, "
              f"delayed {len(found['delayed'])}")
    for change in (found["dropped"] + found["delayed"])[:limit]:
        late = "dropped" if change["changed_at"] is None else f"{change['minutes_later']:g} min later"
        held = ", ".join(change["held_by"]) or "-"
        out.print(literal(f"  {change['issue_id']}: {late} (held by {held})"
                          f"{' - marked useful' if change['marked_useful'] else ''}"))
    for called in found["called_out"]:
        out.print(literal(f"[!] {called['text']}"))


COMMANDS = (timers, kb, package_cmd, report, backtest)
