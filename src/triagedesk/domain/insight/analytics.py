"""Seed 000's expert network analytics: the report's figures, chart series and optimisation opportunities."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from statistics import mean
from typing import Any

from triagedesk.domain.models import Expert
from triagedesk.domain.records import OPEN_STATUSES, Correction, ExpertRequest, Outcome
from triagedesk.domain.requests import clocks
from triagedesk.domain.scoring.profiles import Profile

URGENCY_ORDER = ("critical", "high", "medium", "low")


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _avg(values: list[float], digits: int = 2) -> float | None:
    return round(mean(values), digits) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def in_period(moment: datetime | None, now: datetime, days: int) -> bool:
    return moment is not None and now - timedelta(days=days) <= moment <= now


def report(requests: list[ExpertRequest], experts: list[Expert], corrections: list[Correction],
           outcomes: list[Outcome], profiles: Mapping[str, Profile], now: datetime, days: int) -> dict[str, Any]:
    """The report over requests submitted in [now - days, now], each profile's rates and gaps its own."""
    rates = {name: p.expert_hourly_rate for name, p in profiles.items()}
    period = [r for r in requests if in_period(r.submitted_at, now, days)]
    completed = [r for r in period if r.completed_at is not None]
    by_request = {o.request_id: o for o in outcomes if o.request_id}
    resolved = [r for r in completed if _resolved(r, by_request.get(r.id))]
    missed = {r.id: clocks.resolve_missed(r, profiles.get(r.profile)) for r in completed}
    on_time = [r for r in completed if missed[r.id] is False]
    late = [r for r in completed if missed[r.id]]
    owed = [r for r in late if r.price > 0]
    assigned = [r for r in period if r.assigned_at is not None]
    window_corrections = [c for c in corrections if in_period(c.created_at, now, days) and _correctable(c, profiles)]
    done_ids = {r.id for r in completed}
    of_completed = [c for c in window_corrections if c.request_id in done_ids]
    minutes = {r.id: _expert_minutes(r, by_request.get(r.id)) for r in completed}
    cost = sum(minutes[r.id] / 60 * rates.get(r.profile, 0.0) for r in completed)
    names = {e.id: e.name for e in experts}
    data: dict[str, Any] = {
        "period_days": days,
        "now": now.isoformat().replace("+00:00", "Z"),
        "total_requests": len(period),
        "completed": len(completed),
        "cancelled": sum(r.status == "cancelled" for r in period),
        "refunded": sum(r.status == "refunded" for r in period),
        "open": sum(r.status in OPEN_STATUSES for r in period),
        "success_rate": _share(len(resolved), len(completed)),
        "avg_resolution_hours": _avg([_hours(r.completed_at - r.submitted_at) for r in completed]),  # type: ignore[operator]
        "mtta_minutes": _avg([(r.assigned_at - r.submitted_at).total_seconds() / 60 for r in assigned], 1),  # type: ignore[operator]
        "sla_compliance": _share(len(on_time), len(on_time) + len(late)),
        "refunds_due": len(owed),
        "refund_exposure": round(sum(r.price for r in owed), 2),
        "revenue": round(sum(r.price for r in completed if r.status != "refunded"), 2),
        "expert_hours": round(sum(minutes.values()) / 60, 2),
        "cost_per_resolution": round(cost / len(resolved), 2) if resolved else None,
        "experts": _experts(period, window_corrections, outcomes, names, now, days, missed),
        "corrections_by_field": dict(sorted(Counter(c.field for c in window_corrections).items())),
        "correction_rate_base": dict(sorted(Counter(r.profile for r in completed).items())),
        "correction_rates": correction_rates(of_completed, completed),
        "corrections_by_category": dict(sorted(Counter(c.category or "-" for c in window_corrections).items())),
        "by_urgency": {u: sum(r.urgency == u for r in period) for u in URGENCY_ORDER},
        "daily": _daily(period, now, days),
        "sla_by_tier": _sla_by_tier(completed, missed),
        "resolution_hours": sorted(round(_hours(r.completed_at - r.submitted_at), 2) for r in completed),  # type: ignore[operator]
    }
    data["resolution_histogram"] = histogram(data["resolution_hours"])
    data["opportunities"] = opportunities(period, completed, of_completed, by_request, data, profiles)
    return data


def _correctable(correction: Correction, profiles: Mapping[str, Profile]) -> bool:
    """A correction of one of its profile's correctable fields (one the rules would accept today)."""
    profile = profiles.get(correction.profile)
    return profile is None or not profile.corrections.fields or correction.field in profile.corrections.fields


def correction_rates(corrections: list[Correction], completed: list[ExpertRequest]) -> dict[str, dict[str, float]]:
    """Per profile, corrections per field as a share of that profile's completed requests in the period: the one
    figure the chart and the training-gap text both use (a field corrected twice on one request counts twice).
    Only the corrections of those completed requests count (an open request's are not over that base)."""
    done = {r.id for r in completed}
    corrections = [c for c in corrections if c.request_id in done]
    bases = Counter(r.profile for r in completed)
    counts = Counter((c.profile, c.field) for c in corrections)
    out: dict[str, dict[str, float]] = {}
    for (profile, field), count in sorted(counts.items()):
        base = bases.get(profile, 0)
        out.setdefault(profile, {})[field] = round(count / base, 4) if base else 0.0
    return out


def histogram(values: list[float], bins: int = 12) -> list[dict[str, float]]:
    """How many `values` fall in each bin from 0 up, about `bins` of them, each a round width (1, 2 or 5 x 10^k)."""
    if not values:
        return []
    top = max(max(values), 0.0)
    if top == 0.0:
        return [{"from": 0.0, "to": 1.0, "count": len(values)}]
    rough = max(top / bins, 1e-6)
    scale = 10 ** math.floor(math.log10(rough))
    width = next(m * scale for m in (1, 2, 5, 10) if m * scale >= rough)
    counts = [0] * (int(top // width) + 1)
    for value in values:
        counts[min(int(max(value, 0.0) // width), len(counts) - 1)] += 1
    return [{"from": float(round(i * width, 6)), "to": float(round((i + 1) * width, 6)), "count": n}
            for i, n in enumerate(counts)]


def _resolved(request: ExpertRequest, outcome: Outcome | None) -> bool:
    """A completed request counts as a success when its outcome says resolved, or, with no outcome, unless refunded."""
    if outcome is not None:
        return outcome.resolution_achieved
    return request.status != "refunded"


def _expert_minutes(request: ExpertRequest, outcome: Outcome | None) -> float:
    if outcome is not None and outcome.time_to_resolution_minutes is not None:
        return outcome.time_to_resolution_minutes
    if request.completed_at and request.started_at:
        return max((request.completed_at - request.started_at).total_seconds() / 60, 0.0)
    return 0.0


def _experts(period: list[ExpertRequest], corrections: list[Correction], outcomes: list[Outcome],
             names: dict[str, str], now: datetime, days: int,
             missed: Mapping[str, bool | None]) -> list[dict[str, Any]]:
    rows = []
    by_expert: dict[str, list[ExpertRequest]] = defaultdict(list)
    for r in period:
        if r.assigned_expert_id:
            by_expert[r.assigned_expert_id].append(r)
    ratings: dict[str, list[int]] = defaultdict(list)
    for o in outcomes:
        if o.rating is not None and in_period(o.created_at, now, days):
            ratings[o.expert_id].append(o.rating)
    fixes = Counter(c.expert_id for c in corrections)
    for expert_id in sorted(set(by_expert) | set(fixes)):
        done = [r for r in by_expert[expert_id] if r.completed_at is not None]
        timed = [missed[r.id] for r in done if missed.get(r.id) is not None]
        rows.append({
            "expert_id": expert_id,
            "name": names.get(expert_id, ""),
            "assigned": len(by_expert[expert_id]),
            "completed": len(done),
            "avg_turnaround_hours": _avg([_hours(r.completed_at - r.assigned_at) for r in done if r.assigned_at]),  # type: ignore[operator]
            "sla_compliance": _share(sum(not late for late in timed), len(timed)),
            "corrections": fixes[expert_id],
            "rating": _avg([float(x) for x in ratings[expert_id]]),
        })
    return rows


def _daily(period: list[ExpertRequest], now: datetime, days: int) -> list[dict[str, Any]]:
    start = (now - timedelta(days=days)).date()
    counts: dict[Any, Counter[str]] = defaultdict(Counter)
    for r in period:
        counts[r.submitted_at.date()][r.urgency] += 1
    out = []
    for offset in range((now.date() - start).days + 1):
        day = start + timedelta(days=offset)
        out.append({"date": day.isoformat(), **{u: counts[day][u] for u in URGENCY_ORDER}})
    return out


def _sla_by_tier(completed: list[ExpertRequest], missed: Mapping[str, bool | None]) -> dict[str, float | None]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for r in completed:
        late = missed.get(r.id)
        if late is not None:
            groups[r.tier_id or f"{r.urgency} (no tier)"].append(not late)
    return {k: _share(sum(v), len(v)) for k, v in sorted(groups.items())}


def opportunities(period: list[ExpertRequest], completed: list[ExpertRequest], corrections: list[Correction],
                  outcomes: dict[str, Outcome], data: dict[str, Any], profiles: Mapping[str, Profile]) -> list[str]:
    """Seed 000's identify_optimization_opportunities: automation candidates, training and expertise gaps."""
    out: list[str] = []
    by_category: dict[str, list[ExpertRequest]] = defaultdict(list)
    for r in completed:
        by_category[r.item_category or "uncategorised"].append(r)
    typical = data["avg_resolution_hours"]
    for category, group in sorted(by_category.items()):
        if len(group) < 5 or typical is None:
            continue
        success = sum(_resolved(r, outcomes.get(r.id)) for r in group) / len(group)
        hours = mean(_hours(r.completed_at - r.submitted_at) for r in group)  # type: ignore[operator]
        if success >= 0.9 and hours <= typical:
            out.append(f"Automation candidate: {category} escalations were resolved {success:.0%} of the time "
                       f"in {hours:.1f} h on average ({len(group)} cases); write a runbook.")
    counts = Counter((c.profile, c.field) for c in corrections)
    gaps = [(profile, field, rate) for profile, rates in data["correction_rates"].items()
            for field, rate in rates.items()]
    for profile, field, rate in sorted(gaps, key=lambda g: (-g[2], g[0], g[1])):
        share = profiles[profile].corrections.gap_share if profile in profiles else 0.1
        if counts[profile, field] >= 3 and rate >= share:
            out.append(f"Training gap: experts corrected the automated {field} in {rate:.0%} of the "
                       f"{data['correction_rate_base'].get(profile, 0)} completed {profile or 'unnamed'} requests "
                       f"({counts[profile, field]} corrections); retrain that assessment.")
    waits: dict[str, list[float]] = defaultdict(list)
    for r in period:
        if r.assigned_at is not None:
            waits[r.item_category or "uncategorised"].append(_hours(r.assigned_at - r.submitted_at))
    unassigned = Counter(r.item_category or "uncategorised" for r in period if r.status == "pending_assignment")
    overall = [w for values in waits.values() for w in values]
    if overall:
        baseline = mean(overall)
        for category, values in sorted(waits.items()):
            if len(values) >= 3 and mean(values) > 2 * baseline and mean(values) > 0.5:
                out.append(f"Expertise gap: {category} requests wait {mean(values):.1f} h for an expert, "
                           f"{mean(values) / baseline:.1f}x the average; recruit or train.")
    for category, count in sorted(unassigned.items()):
        if count >= 5:
            out.append(f"Expertise gap: {count} {category} requests are waiting for assignment.")
    for row in data["experts"]:
        if row["completed"] >= 5 and row["sla_compliance"] is not None and row["sla_compliance"] < 0.8:
            out.append(f"Process: {row['name'] or row['expert_id']} met the SLA on {row['sla_compliance']:.0%} "
                       "of reviews; rebalance their load.")
    if not out:
        out.append("No optimisation opportunity stands out in this period.")
    return out


def _fmt(value: float | None, pattern: str, empty: str = "n/a") -> str:
    return empty if value is None else pattern.format(value)


def markdown(data: dict[str, Any]) -> str:
    """Seed 000's Expert Network Performance Report."""
    lines = [
        "# Expert Network Performance Report",
        "",
        f"Period: the {data['period_days']} days up to {data['now']}",
        "",
        "## Executive Summary",
        f"- Total Escalations: {data['total_requests']}",
        f"- Average Resolution Time: {_fmt(data['avg_resolution_hours'], '{:.1f} hours')}",
        f"- Success Rate: {_fmt(None if data['success_rate'] is None else data['success_rate'] * 100, '{:.1f}%')}",
        f"- Cost per Resolution: {_fmt(data['cost_per_resolution'], '${:,.2f}')}",
        "",
        "## Key Insights",
        f"- Completed {data['completed']}, cancelled {data['cancelled']}, refunded {data['refunded']}, "
        f"open {data['open']}",
        f"- Mean time to assign: {_fmt(data['mtta_minutes'], '{:.0f} minutes')}",
        f"- SLA compliance: "
        f"{_fmt(None if data['sla_compliance'] is None else data['sla_compliance'] * 100, '{:.1f}%')}",
        f"- Refunds due: {data['refunds_due']} (${data['refund_exposure']:,.2f}); revenue ${data['revenue']:,.2f}",
        "",
        "## Expert Performance",
        "",
        "| expert | completed | avg turnaround (h) | SLA | corrections | rating |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in data["experts"]:
        lines.append(
            f"| {row['name'] or row['expert_id']} | {row['completed']} "
            f"| {_fmt(row['avg_turnaround_hours'], '{:.1f}', '-')} "
            f"| {_fmt(None if row['sla_compliance'] is None else row['sla_compliance'] * 100, '{:.0f}%', '-')} "
            f"| {row['corrections']} | {_fmt(row['rating'], '{:.1f}', '-')} |")
    lines += ["", "## Corrections by Field", ""]
    lines += [f"- {field}: {count}" for field, count in data["corrections_by_field"].items()] or ["- none"]
    lines += ["", "## Optimization Opportunities", ""]
    lines += [f"- {item}" for item in data["opportunities"]]
    lines += ["", "## Recommendations", ""]
    recommendations = [o.split(": ", 1)[1] for o in data["opportunities"] if ": " in o]
    lines += [f"{n}. {text}" for n, text in enumerate(recommendations, start=1)] or ["1. Keep the current routing."]
    return "\n".join(lines) + "\n"
