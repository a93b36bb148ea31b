"""Engine commands: `evaluate`, `match`, `profiles` and the demo queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from triagedesk.commands.common import (
    console,
    emit_json,
    json_option,
    parse_instant,
    profile_option,
    read_text,
)
from triagedesk.domain.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from triagedesk.domain.models import Candidate, Decision, Expert, Issue
    from triagedesk.domain.scoring.escalation import Scorer

TABLE_ROWS = 1000
"""A table longer than this is cut (a terminal cannot show more usefully); --json has every decision."""


class ScorerCache:
    """One compiled scorer per profile name, shared by every issue of a run."""

    def __init__(self, forced: str | None) -> None:
        self.forced = forced
        self._scorers: dict[str, Scorer] = {}

    def for_issue(self, issue: Issue, where: str) -> Scorer:
        name = self.forced or issue.profile
        if not name:
            raise InputError(f"{where}: profile: no --profile given and the issue names none")
        if name not in self._scorers:
            from triagedesk.domain.scoring.escalation import Scorer
            from triagedesk.resources import load_profile

            self._scorers[name] = Scorer(load_profile(name))
        return self._scorers[name]


def decide_all(issues: list[Issue], wheres: list[str], profile_name: str | None) -> list[Decision]:
    cache = ScorerCache(profile_name)
    return [cache.for_issue(issue, where).decide(issue) for issue, where in zip(issues, wheres, strict=True)]


def _why(decision: Decision) -> str:
    if not decision.reasons:
        return "-"
    more = len(decision.reasons) - 1
    return decision.reasons[0] + (f" (+{more} more)" if more else "")


def decisions_table(issues: list[Issue], decisions: list[Decision], title: str) -> Table:
    from rich.table import Table

    from triagedesk.display import URGENCY_STYLE, literal, one_line

    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("id", no_wrap=True, min_width=8)
    table.add_column("urgency", no_wrap=True, min_width=8)
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    table.add_column("esc", no_wrap=True, min_width=3)
    table.add_column("route", no_wrap=True, overflow="ellipsis", min_width=10, max_width=18)
    table.add_column("title", no_wrap=True, overflow="ellipsis", min_width=12, ratio=1)
    table.add_column("why", no_wrap=True, overflow="ellipsis", min_width=12, ratio=2)
    for issue, decision in zip(issues, decisions, strict=True):
        table.add_row(
            literal(decision.issue_id or "-"),
            literal(decision.urgency, URGENCY_STYLE[decision.urgency]),
            f"{decision.score:.2f}",
            "yes" if decision.should_escalate else "no",
            literal(decision.recommended_tier or decision.recommended_expert_type or "-"),
            literal(one_line(issue.title)),
            literal(one_line(_why(decision))),
        )
    return table


@click.command()
@click.argument("file", metavar="FILE")
@profile_option
@json_option
def evaluate(file: str, profile_name: str | None, as_json: bool) -> None:
    """Score issues from FILE (a JSON object, a JSON array or JSONL; `-` for stdin).

    Each issue uses --profile, or its own `profile` field when --profile is not given.
    """
    from triagedesk.domain.inputs import parse_records, validate_records
    from triagedesk.domain.models import Issue

    text, source = read_text(file)
    records = parse_records(text, source)
    issues = validate_records(records, Issue)
    decisions = decide_all(issues, [r.where for r in records], profile_name)
    if as_json:
        emit_json(decisions)
        return
    shown = min(len(decisions), TABLE_ROWS)
    cut = f" (the first {shown:,}; --json gives all)" if shown < len(decisions) else ""
    title = f"{len(decisions):,} decisions{cut}"
    console().print(decisions_table(issues[:shown], decisions[:shown], title))


def read_experts(path: str) -> list[Expert]:
    from triagedesk.domain.inputs import parse_models
    from triagedesk.domain.models import Expert

    text, source = read_text(path)
    experts = parse_models(text, source, Expert)
    if not experts:
        raise InputError(f"{source}: no experts")
    return experts


def _candidate_rows(candidates: list[Candidate]) -> Table:
    from rich.table import Table

    from triagedesk.display import literal

    table = Table(expand=False)
    for column in ("role", "expert", "score", "now", "load", "reasons"):
        table.add_column(column, justify="right" if column in ("score", "load") else "left")
    for c in candidates:
        table.add_row(
            c.role,
            literal(f"{c.expert_name or c.expert_id} ({c.expert_id})"),
            f"{c.match_score:.1f}",
            "yes" if c.available_now else f"{c.next_available_at:%a %H:%M}" if c.next_available_at else "no",
            str(c.current_workload),
            literal("; ".join(c.reasons) or "-"),
        )
    return table


@click.command()
@click.argument("file", metavar="FILE")
@click.option("--experts", "experts_file", required=True, metavar="EXPERTS",
              help="Experts as a JSON array or JSONL.")
@profile_option
@click.option("--at", "at_text", metavar="ISO-TIME", help="Match as of this instant (default: now).")
@click.option("--all", "show_all", is_flag=True, help="List every active expert, not only the top three.")
@json_option
def match(file: str, experts_file: str, profile_name: str | None, at_text: str | None,
          show_all: bool, as_json: bool) -> None:
    """Rank experts for the one issue in FILE (optionally with a `tier` id)."""
    from triagedesk.display import literal
    from triagedesk.domain.inputs import parse_records, validate_records
    from triagedesk.domain.models import Issue
    from triagedesk.domain.routing.matching import Matcher

    at = parse_instant(at_text, "--at")
    text, source = read_text(file)
    records = parse_records(text, source)
    if len(records) != 1:
        raise InputError(f"{source}: expected one issue, found {len(records)}")
    issue = validate_records(records, Issue)[0]
    experts = read_experts(experts_file)
    scorer = ScorerCache(profile_name).for_issue(issue, records[0].where)
    if issue.tier is not None and issue.tier not in scorer.profile.tiers:
        known = ", ".join(scorer.profile.tiers) or "none in this profile"
        raise InputError(f"{source}: tier: unknown tier {issue.tier!r} (known: {known})")
    result = Matcher(scorer.profile, scorer).match(issue, experts, at)
    shown = result.ranked if show_all else result.shortlist()
    if as_json:
        emit_json({"candidates": shown, "nobody_fits": result.primary is None, "note": result.note})
        return
    out = console()
    out.print(literal(f"Candidates for {issue.id or issue.title or 'the issue'} at {at:%Y-%m-%d %H:%M} UTC"))
    out.print(_candidate_rows(shown))
    if result.note:
        out.print(literal(result.note))


@click.command()
@json_option
def profiles(as_json: bool) -> None:
    """List the profiles that --profile accepts."""
    from rich.table import Table

    from triagedesk.display import literal
    from triagedesk.resources import available_profiles, load_profile

    rows: list[dict[str, Any]] = []
    for name, path in available_profiles().items():
        profile = load_profile(str(path))
        rows.append({"name": name, "title": profile.title, "path": str(path),
                     "tiers": list(profile.tiers), "matching": profile.matching.model})
    if as_json:
        emit_json(rows)
        return
    table = Table("name", "title", "matching", "tiers", "file")
    for row in rows:
        table.add_row(row["name"], literal(row["title"]), row["matching"],
                      ", ".join(row["tiers"]) or "-", literal(row["path"]))
    console().print(table)


@click.command("demo-queue")
@json_option
def demo_queue(as_json: bool) -> None:
    """Evaluate the shipped demo queue and print it sorted by urgency, then score."""
    from triagedesk.domain.inputs import parse_models
    from triagedesk.domain.models import URGENCY_RANK, Issue
    from triagedesk.resources import data_dir

    path = data_dir() / "demo" / "queue.jsonl"
    issues = parse_models(path.read_text("utf-8"), str(path), Issue)
    decisions = decide_all(issues, [str(path)] * len(issues), None)
    order = sorted(range(len(issues)), key=lambda i: (URGENCY_RANK[decisions[i].urgency], -decisions[i].score))
    if as_json:
        emit_json([decisions[i] for i in order])
        return
    console().print(decisions_table([issues[i] for i in order], [decisions[i] for i in order],
                                    "Demo queue: most urgent first"))


COMMANDS = (evaluate, match, profiles, demo_queue)
