"""The noise view: alerts received (events) against the issues they made and the pages those opened, per source
and per alert rule, over a period; the compression ratio, the rules with the most noise marks, the transient
share. Pure: it reads plain rows (stored columns or records), so the report's path, whichever it is, calls it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from triagedesk.domain import instants


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return instants.parse_or_none(value)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def figures(alerts: Iterable[Mapping[str, Any]], issues: Iterable[Mapping[str, Any]],
            requested: Mapping[str, Any], since: datetime, until: datetime) -> dict[str, Any]:
    """`alerts`: stored alerts (`arrived_at`, `events`, `source`, `alertname`, `issue_id`); `issues`: issues made
    of alerts (`id`, `alert_group`, `feedback`); `requested`: the issue ids that opened a request. Events are
    the notifications naming an alert that arrived in [since, until]; issues, those alerts' issues; pages, those
    issues that opened a request."""
    events = distinct = 0
    per_source: dict[str, dict[str, Any]] = {}
    per_rule: dict[tuple[str, str], dict[str, Any]] = {}
    touched: dict[str, tuple[str, str]] = {}
    for row in alerts:
        at = _moment(row.get("arrived_at"))
        if at is None or not since <= at <= until:
            continue
        given = row.get("events")
        count = given if isinstance(given, int) and given > 0 else 1
        source, rule = str(row.get("source") or "alertmanager"), str(row.get("alertname") or "-")
        events += count
        distinct += 1
        for bucket in (per_source.setdefault(source, _row(source=source)),
                       per_rule.setdefault((source, rule), _row(source=source, rule=rule))):
            bucket["events"] += count
        if isinstance(row.get("issue_id"), str):
            touched.setdefault(row["issue_id"], (source, rule))
    verdicts: dict[str, int] = {}
    held = transient = pages = 0
    marked = {"useful": 0, "noise": 0}
    for issue in issues:
        key = issue.get("id")
        if key not in touched:
            continue
        group = issue.get("alert_group") or {}
        source, rule = touched[key]
        paged = key in requested
        mark = issue.get("feedback")
        verdict = str(group.get("verdict") or "")
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        held += 1 if (group.get("holds") or 0) > 0 else 0
        transient += 1 if verdict == "transient" else 0
        pages += 1 if paged else 0
        for bucket in (per_source[source], per_rule[(source, rule)]):
            bucket["issues"] += 1
            bucket["pages"] += 1 if paged else 0
            if mark in marked:
                bucket[mark] += 1
        if mark in marked:
            marked[mark] += 1
    rules = sorted(per_rule.values(), key=lambda r: (-r["events"], r["source"], r["rule"]))
    for bucket in [*per_source.values(), *rules]:
        bucket["compression"] = round(1 - _ratio(bucket["pages"], bucket["events"]), 4) if bucket["events"] else 0.0
    noisiest = sorted((r for r in rules if r["noise"]), key=lambda r: (-r["noise"], -r["pages"], r["rule"]))
    return {"since": since, "until": until, "events": events, "alerts": distinct, "issues": len(touched),
            "pages": pages, "compression": round(1 - _ratio(pages, events), 4) if events else 0.0,
            "events_per_issue": round(events / len(touched), 2) if touched else 0.0,
            "by_source": sorted(per_source.values(), key=lambda r: (-r["events"], r["source"])),
            "by_rule": rules, "noisiest_rules": noisiest[:10], "verdicts": dict(sorted(verdicts.items())),
            "held": held, "transient": transient, "transient_share": _ratio(transient, held), "marked": marked}


def _row(**names: str) -> dict[str, Any]:
    return {**names, "events": 0, "issues": 0, "pages": 0, "useful": 0, "noise": 0}


def markdown(found: Mapping[str, Any]) -> str:
    """The noise view as the report's Markdown section."""
    lines = ["", "## Noise: events, issues, pages", "",
             f"{found['events']:,} alert events ({found['alerts']:,} distinct alerts) made {found['issues']:,} issues "
             f"and {found['pages']:,} pages: {found['compression']:.1%} of events paged nobody "
             f"({found['events_per_issue']:g} events an issue).",
             f"Held by a pause: {found['held']:,}; transient (resolved inside it): {found['transient']:,} "
             f"({found['transient_share']:.0%}). Marked useful {found['marked']['useful']}, "
             f"noise {found['marked']['noise']}.", ""]
    if found["by_rule"]:
        lines += ["| source | rule | events | issues | pages | compression | noise | useful |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['source']} | {r['rule']} | {r['events']:,} | {r['issues']:,} | {r['pages']:,} | "
                  f"{r['compression']:.1%} | {r['noise']} | {r['useful']} |" for r in found["by_rule"][:20]]
    if found["noisiest_rules"]:
        lines += ["", "Noisiest rules (most noise marks): " + ", ".join(
            f"{r['rule']} ({r['noise']})" for r in found["noisiest_rules"])]
    return "\n".join(lines) + "\n"
