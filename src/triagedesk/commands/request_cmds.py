"""The workflow's commands: escalate, request ACTION (one request, or a bulk over issues), session, outcome and
correction. Each builds an intent and asks the action table (`Desk.commands`), as the desk's keys do."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from triagedesk.commands.common import db_option, emit_json, json_option, now_option
from triagedesk.commands.desk_cmds import actor_option, desk
from triagedesk.domain.errors import UserError
from triagedesk.domain.requests.actions import ACTIONS, Actor, Refusal

if TYPE_CHECKING:
    from datetime import datetime

    from triagedesk.app.desk import Desk
    from triagedesk.domain.records import ExpertRequest
    from triagedesk.domain.requests.plan import Intent, Plan


def _intent(*args: Any, **kwargs: Any) -> Intent:
    """An intent of the action table (its module, with the models, imported when a command runs, not for --help)."""
    from triagedesk.domain.requests.plan import Intent

    return Intent(*args, **kwargs)


def _printable(text: object) -> str:
    """User text on one line (display's, imported when a command prints)."""
    from triagedesk.display import one_line

    return one_line(text)

REQUEST_ACTIONS = ("pay", "assign", "reassign", "senior", "claim", "unassign", "acknowledge", "start", "wait",
                   "resume", "complete", "cancel", "withdraw", "refund")
"""`request ACTION`: the table's actions on a request a person takes from the command line."""
TAKES_EXPERT = frozenset({"assign", "reassign", "senior"})


def _refusal_line(refusal: Refusal) -> str:
    first = f" (first: {', then '.join(refusal.first)})" if refusal.first else ""
    override = " (--override with a --note takes it anyway)" if refusal.overridable else ""
    return f"{refusal.text}{first}{override}"


def _run(operations: Desk, actor: Actor, intent: Intent) -> Plan:
    from triagedesk.app.commands import Refused

    try:
        return operations.commands.run(actor, intent)
    except Refused as exc:
        line = _refusal_line(exc.refusal)
        if intent.action == "escalate" and "open request" in exc.refusal.reason:
            line += "; --again opens another"
        raise UserError(line) from None


def _line(request: ExpertRequest, resolve_due: datetime | None) -> str:
    """A request in a line: its state, holder and the resolve target's due time (the clock's: pushed by waits)."""
    from triagedesk.domain.requests.states import state_name

    due = f", resolve due {resolve_due:%Y-%m-%d %H:%M} UTC" if resolve_due else ""
    who = f" ({request.assigned_expert_id})" if request.assigned_expert_id else ""
    refund = " - refund due" if request.refund_due else ""
    return f"{request.id}: {state_name(request.status)}{who}{due}{refund}"


@click.command()
@click.argument("issue_id")
@click.option("--tier", "tier_id", help="Tier id (default: the decision's recommended tier).")
@click.option("--notes", help="Notes from the requester.")
@click.option("--again", is_flag=True, help="Open another request although one is still open.")
@db_option
@actor_option
@now_option
@json_option
def escalate(issue_id: str, tier_id: str | None, notes: str | None, again: bool, db_path: str | None, actor: str,
             now_text: str | None, as_json: bool) -> None:
    """Open an expert request for ISSUE_ID (refused while one is open, unless --again)."""
    operations = desk(db_path, now_text)
    done = _run(operations, Actor(actor), _intent("escalate", issue_id, tier_id=tier_id, note=notes or "",
                                                  again=again))
    request = done.request
    assert request is not None
    emit_json(request) if as_json else click.echo(_printable(_line(request, operations.queries.resolve_due(request))))


@click.command()
@click.argument("action", type=click.Choice(REQUEST_ACTIONS))
@click.argument("request_id", required=False)
@click.option("--issues", "issue_list", metavar="A,B,C",
              help="Bulk: these issues instead of one request (each planned as a single key would be).")
@click.option("--expert", "expert_id", metavar="ID",
              help="assign/reassign/senior: who takes it. Other actions: the expert taking it (else a coordinator).")
@click.option("--override", is_flag=True, help="Assign outside the issue's specialisation (needs --note).")
@click.option("--rating", type=click.IntRange(1, 5), help="Rating of the work (complete).")
@click.option("--note", default="", help="A note for the audit log.")
@db_option
@actor_option
@now_option
@json_option
def request(action: str, request_id: str | None, issue_list: str | None, expert_id: str | None, override: bool,
            rating: int | None, note: str, db_path: str | None, actor: str, now_text: str | None,
            as_json: bool) -> None:
    """Move a request through its lifecycle (the action table decides; a refusal says why, exit 2):
    pay, assign, reassign, senior, claim (the --expert takes it herself), unassign, acknowledge, start, wait,
    resume, complete, cancel, withdraw, refund.

    With --issues A,B,C instead of REQUEST_ID it is the bulk action: one plan per issue, all written at once,
    each issue done or skipped with the reason (escalation and payment included, as the desk's bulk does)."""
    if (request_id is None) == (issue_list is None):
        raise click.UsageError("give a REQUEST_ID or --issues A,B,C (one of them)")
    if action == "assign" and not expert_id:
        raise click.UsageError("assign needs --expert ID")
    target = expert_id if action in TAKES_EXPERT else None
    who = Actor(actor) if action in TAKES_EXPERT or not expert_id else Actor(actor, "expert", expert_id)
    values: dict[str, Any] = {"rating": rating} if rating is not None else {}
    operations = desk(db_path, now_text)
    if issue_list is not None:
        _bulk(operations, who, action, issue_list, target, note, override, values, as_json)
        return
    assert request_id is not None
    intent = operations.commands.intent_for_request(request_id, action, expert_id=target, note=note,
                                                    override=override, values=values)
    done = _run(operations, who, intent)
    if any(w.delete for w in done.writes):  # withdrawn: no request left to show
        emit_json({"summary": done.summary, "request": None}) if as_json else click.echo(_printable(done.summary))
        return
    updated = done.request or operations.queries.require_request(request_id)
    emit_json(updated) if as_json else click.echo(_printable(_line(updated, operations.queries.resolve_due(updated))))


def _bulk(operations: Desk, who: Actor, action: str, issue_list: str, expert_id: str | None, note: str,
          override: bool, values: dict[str, Any], as_json: bool) -> None:
    keys = [k.strip() for k in issue_list.split(",") if k.strip()]
    if not keys:
        raise UserError("--issues: no issue id given")
    commands = operations.commands
    intents = [commands.giving(key, expert_id, note, override) if action == "assign" else
               _intent(action, key, expert_id=expert_id, note=note, override=override, values=values) for key in keys]
    result = commands.run_many(who, intents, action)
    rows = [{"issue_id": key, "done": True, "summary": plan.summary,
             "request_id": plan.request.id if plan.request else None}
            for key, plan in zip(result.done, result.plans, strict=True)]
    rows += [{"issue_id": key, "done": False, "reason": why} for key, why in result.skipped]
    order = {key: n for n, key in enumerate(dict.fromkeys(keys))}
    rows.sort(key=lambda r: order.get(str(r["issue_id"]), 0))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            text = row["summary"] if row["done"] else f"{row['issue_id']}: skipped: {row['reason']}"
            click.echo(_printable(text))
    if not result.done:
        sys.exit(2)  # nothing was taken: a refusal alone


@click.group()
def session() -> None:
    """An expert's session on a request they hold: start, pause, resume, end."""


def _session_command(move: str, action: str) -> click.Command:
    @click.command(move, help=f"{ACTIONS[action].help[:1].upper()}{ACTIONS[action].help[1:]} (REQUEST_ID).")
    @click.argument("request_id")
    @click.option("--expert", "expert_id", required=True, metavar="ID", help="The expert whose session it is.")
    @click.option("--channel", help="start: the channel (default: the expert's first that fits the profile).")
    @db_option
    @actor_option
    @now_option
    @json_option
    def command(request_id: str, expert_id: str, channel: str | None, db_path: str | None, actor: str,
                now_text: str | None, as_json: bool) -> None:
        operations = desk(db_path, now_text)
        values = {"channel": channel} if channel else {}
        intent = operations.commands.intent_for_request(request_id, action, values=values)
        done = _run(operations, Actor(actor, "expert", expert_id), intent)
        found = done.of("sessions")
        if as_json:
            emit_json({"summary": done.summary, "session": found[-1] if found else None,
                       "request": done.request})
        else:
            click.echo(_printable(done.summary))
    return command


for _move, _action in (("start", "start"), ("pause", "pause_session"), ("resume", "resume_session"),
                       ("end", "end_session")):
    session.add_command(_session_command(_move, _action))


@click.group()
def outcome() -> None:
    """Session outcomes (seed 000's capture): they become knowledge, and complete a request in review."""


@outcome.command("add")
@click.argument("request_id")
@click.option("--expert", "expert_id", required=True, metavar="ID", help="The expert whose session it is.")
@click.option("--resolved/--not-resolved", "resolution_achieved", default=True, show_default=True)
@click.option("--action", "actions_taken", multiple=True, help="An action taken (repeatable).")
@click.option("--recommendation", "recommendations", multiple=True, help="A recommendation (repeatable).")
@click.option("--learned", "knowledge_gained", default="", help="What was learned (the knowledge entry).")
@click.option("--follow-up", "follow_up_needed", is_flag=True, help="A follow-up is needed.")
@click.option("--rating", type=click.IntRange(1, 5))
@click.option("--final-report", help="Seed 002's final report, when the outcome completes the request.")
@db_option
@actor_option
@now_option
@json_option
def outcome_add(request_id: str, expert_id: str, resolution_achieved: bool, actions_taken: tuple[str, ...],
                recommendations: tuple[str, ...], knowledge_gained: str, follow_up_needed: bool, rating: int | None,
                final_report: str | None, db_path: str | None, actor: str, now_text: str | None,
                as_json: bool) -> None:
    """Record the outcome of the expert's session on REQUEST_ID (running or just ended)."""
    operations = desk(db_path, now_text)
    values = {"resolution_achieved": resolution_achieved, "actions_taken": list(actions_taken),
              "recommendations": list(recommendations), "knowledge_gained": knowledge_gained,
              "follow_up_needed": follow_up_needed, "rating": rating, "final_report": final_report}
    done = _run(operations, Actor(actor, "expert", expert_id),
                operations.commands.intent_for_request(request_id, "outcome", values=values))
    if as_json:
        emit_json({"summary": done.summary, "outcome": done.of("outcomes")[0], "request": done.request})
    else:
        click.echo(_printable(done.summary))


@click.group()
def correction() -> None:
    """Seed 002's expert corrections of the automated assessment (the profile's correctable fields)."""


@correction.command("add")
@click.argument("request_id")
@click.option("--expert", "expert_id", required=True, metavar="ID", help="The expert holding the request.")
@click.option("--field", "field_name", required=True, help="A correctable field of the issue's profile.")
@click.option("--corrected", required=True, help="The corrected value.")
@click.option("--original", help="The assessed value, for a field the profile does not read from the issue.")
@click.option("--explanation", default="", help="Why the assessment was wrong.")
@click.option("--confidence", type=click.FloatRange(0.0, 1.0), default=1.0, show_default=True)
@db_option
@actor_option
@now_option
@json_option
def correction_add(request_id: str, expert_id: str, field_name: str, corrected: str, original: str | None,
                   explanation: str, confidence: float, db_path: str | None, actor: str, now_text: str | None,
                   as_json: bool) -> None:
    """Record a correction on REQUEST_ID (the original value is filled in from the assessment where it can be)."""
    operations = desk(db_path, now_text)
    values = {"field": field_name, "corrected_value": corrected, "original_value": original,
              "explanation": explanation, "confidence": confidence}
    done = _run(operations, Actor(actor, "expert", expert_id),
                operations.commands.intent_for_request(request_id, "correction", values=values))
    if as_json:
        emit_json({"summary": done.summary, "correction": done.of("corrections")[0]})
    else:
        click.echo(_printable(done.summary))




def _replay(verb: str, actor: str, db_path: str | None, now_text: str | None, as_json: bool) -> None:
    operations = desk(db_path, now_text)
    history = operations.history
    done = history.undo(actor) if verb == "undo" else history.redo(actor)
    if as_json:
        emit_json(done.as_dict())
    else:
        click.echo(_printable(done.summary()))
    if not done.done:
        sys.exit(2)  # nothing could be taken back (or again): the reasons are said


@click.command()
@db_option
@actor_option
@now_option
@json_option
def undo(db_path: str | None, actor: str, now_text: str | None, as_json: bool) -> None:
    """Take back the last step --actor took (a bulk action is one step), as new audited actions the table still
    allows; what it no longer allows is named with the reason (exit 2 when nothing could be)."""
    _replay("undo", actor, db_path, now_text, as_json)


@click.command()
@db_option
@actor_option
@now_option
@json_option
def redo(db_path: str | None, actor: str, now_text: str | None, as_json: bool) -> None:
    """Take the last undone step of --actor again."""
    _replay("redo", actor, db_path, now_text, as_json)


COMMANDS: tuple[click.Command, ...] = (escalate, request, session, outcome, correction, undo, redo)
