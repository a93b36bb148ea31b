"""Seed 000's expert network analytics: the report's figures, chart series and optimisation opportunities."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from triagedesk.domain import instants
from triagedesk.domain.insight.tally import EPOCH, CorrectionFacts, RatingFacts, Tally, micros
from triagedesk.domain.insight.tally_bulk import RequestColumns, tally_columns
from triagedesk.domain.models import Expert
from triagedesk.domain.records import OPEN_STATUSES, Correction, ExpertRequest, Outcome
from triagedesk.domain.scoring.profiles import Profile

URGENCY_ORDER = ("critical", "high", "medium", "low")


US_PER_HOUR = 3_600_000_000
US_PER_MINUTE = 60_000_000


def _mean(total: int, count: int, unit: int, digits: int) -> float | None:
    """The mean of `count` durations summing to `total` microseconds, in `unit`s, rounded once."""
    return round(total / (count * unit), digits) if count else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def in_period(moment: datetime | None, now: datetime, days: int) -> bool:
    return moment is not None and now - timedelta(days=days) <= moment <= now


def period_bounds(now: datetime, days: int) -> tuple[int, int]:
    """The period [now - days, now] in microseconds since the epoch, both ends included."""
    return micros(now - timedelta(days=days)), micros(now)


def report(requests: list[ExpertRequest], experts: list[Expert], corrections: list[Correction],
           outcomes: list[Outcome], profiles: Mapping[str, Profile], now: datetime, days: int) -> dict[str, Any]:
    """The report over requests submitted in [now - days, now], each profile's rates and gaps its own."""
    return figures(tally_records(requests, corrections, outcomes, profiles, now, days),
                   {e.id: e.name for e in experts}, now, days, profiles)


def rates_of(profiles: Mapping[str, Profile]) -> dict[str, float]:
    """Each profile's expert hourly rate (what the report costs the experts' time at)."""
    return {name: p.expert_hourly_rate for name, p in profiles.items()}


def correctable(field: str, profile: str, profiles: Mapping[str, Profile]) -> bool:
    """A correction of one of its profile's correctable fields (one the rules would accept today)."""
    found = profiles.get(profile)
    return found is None or not found.corrections.fields or field in found.corrections.fields


def _at(moment: datetime | None) -> int | None:
    return None if moment is None else micros(moment)


def due_us(request: ExpertRequest, profiles: Mapping[str, Profile]) -> int | None:
    """The request's resolve due time as the clocks read it (waits pushed, computed when not stored), in
    microseconds: what the report holds a completion against, as Timers and refunds do."""
    from triagedesk.domain.requests import clocks  # only for the rows whose due the clocks compute (and imports)

    return _at(clocks.resolve_due(request, profiles.get(request.profile)))


def clock_reads_stored_due(paused_minutes: object, due: object, completed: object) -> bool:
    """A stored row whose stored `due_at` is the clock's resolve due (no wait pushed it; not computed)."""
    return not paused_minutes and (due is not None or completed is None)


def tally_records(requests: list[ExpertRequest], corrections: list[Correction], outcomes: list[Outcome],
                  profiles: Mapping[str, Profile], now: datetime, days: int) -> Tally:
    """What the records of the period add up to (a request's outcome is the last one naming it)."""
    low, high = period_bounds(now, days)
    rates = rates_of(profiles)
    by_request = {o.request_id: o for o in outcomes if o.request_id}
    columns = RequestColumns()
    for r in requests:
        submitted = micros(r.submitted_at)
        if not low <= submitted <= high:
            continue
        outcome = by_request.get(r.id)
        columns.append((
            submitted, _at(r.assigned_at), _at(r.started_at), _at(r.completed_at), due_us(r, profiles), r.status,
            r.urgency, r.item_category, r.assigned_expert_id, r.tier_id, r.price, rates.get(r.profile, 0.0),
            None if outcome is None else outcome.resolution_achieved,
            None if outcome is None else outcome.time_to_resolution_minutes, r.profile, r.id))
    tally = tally_columns(columns)
    for c in corrections:
        at = micros(c.created_at)
        if low <= at <= high and correctable(c.field, c.profile, profiles):
            tally.correction(CorrectionFacts(at, c.field, c.category or "-", c.expert_id, c.profile,
                                             c.request_id or ""))
    for o in outcomes:
        at = micros(o.created_at)
        if o.rating is not None and low <= at <= high:
            tally.rating(RatingFacts(at, o.expert_id, o.rating))
    return tally


def figures(tally: Tally, names: dict[str, str], now: datetime, days: int,
            profiles: Mapping[str, Profile]) -> dict[str, Any]:
    """The report's figures from what its period's records add up to: the one home of its formulas."""
    tally = tally.grouped()
    n = tally.n
    completed = n[("completed",)]
    resolved = n[("resolved",)]
    statuses = tally.groups("status")
    timed = n[("timed",)]
    on_time = n[("met",)]
    cost = math.fsum(tally.values["cost"])
    field_counts = tally.groups("field")
    data: dict[str, Any] = {
        "period_days": days,
        "now": instants.stamp(now),
        "total_requests": n[("requests",)],
        "completed": completed,
        "cancelled": statuses.get("cancelled", 0),
        "refunded": statuses.get("refunded", 0),
        "open": sum(count for status, count in statuses.items() if status in OPEN_STATUSES),
        "success_rate": _share(resolved, completed),
        "avg_resolution_hours": _mean(n[("took",)], completed, US_PER_HOUR, 2),
        "mtta_minutes": _mean(n[("wait",)], n[("assigned",)], US_PER_MINUTE, 1),
        "sla_compliance": _share(on_time, timed),
        "refunds_due": sum(1 for price in tally.values["late_prices"] if price > 0),
        "refund_exposure": round(math.fsum(tally.values["late_prices"]), 2),
        "revenue": round(math.fsum(tally.values["revenue"]), 2),
        "expert_hours": round(math.fsum(tally.values["minutes"]) / 60, 2),
        "cost_per_resolution": round(cost / resolved, 2) if resolved else None,
        "experts": _experts(tally, names),
        "corrections_by_field": dict(sorted(field_counts.items())),
        "correction_rate_base": dict(sorted(tally.groups("completed_profile").items())),
        "correction_rates": correction_rates(tally),
        "corrections_by_category": dict(sorted(tally.groups("correction_category").items())),
        "by_urgency": {u: n[("urgency", u)] for u in URGENCY_ORDER},
        "daily": _daily(tally, now, days),
        "sla_by_tier": _sla_by_tier(tally),
        "resolution_hours": sorted(tally.values["hours"]),
    }
    data["resolution_histogram"] = histogram(data["resolution_hours"], ordered=True)
    data["opportunities"] = opportunities(tally, data, profiles)
    return data


def completed_fixes(tally: Tally) -> Counter[tuple[str, str]]:
    """Corrections per (profile, field) of the period's completed requests only (an open request's are not over
    the completed requests' base)."""
    if "completed_fixes" in tally.memo:
        return Counter(tally.memo["completed_fixes"])
    done = tally.groups("done_request")
    out: Counter[tuple[str, str]] = Counter()
    found = tally.fixes if tally.fixes is not None else [(key, count) for key, count in tally.n.items()
                                                         if key[0] == "fix" and count]
    for key, count in found:
        if key[1] in done:
            out[(key[2], key[3])] += count
    if tally.found is not None:  # a read-only tally (`Tally.grouped`): the report asks twice
        tally.memo["completed_fixes"] = out
    return out


def correction_rates(tally: Tally) -> dict[str, dict[str, float]]:
    """Per profile, corrections per field as a share of that profile's completed requests in the period: the one
    figure the chart and the training-gap text both use (a field corrected twice on one request counts twice)."""
    bases = tally.groups("completed_profile")
    out: dict[str, dict[str, float]] = {}
    for (profile, field), count in sorted(completed_fixes(tally).items()):
        base = bases.get(profile, 0)
        out.setdefault(profile, {})[field] = round(count / base, 4) if base else 0.0
    return out


def histogram(values: list[float], bins: int = 12, ordered: bool = False) -> list[dict[str, float]]:
    """How many `values` fall in each bin from 0 up, about `bins` of them, each a round width (1, 2 or 5 x 10^k);
    `ordered`: the values are sorted (their bins are found by bisection)."""
    if not values:
        return []
    top = max(max(values), 0.0)
    if top == 0.0:
        return [{"from": 0.0, "to": 1.0, "count": len(values)}]
    rough = max(top / bins, 1e-6)
    scale = 10 ** math.floor(math.log10(rough))
    width = next(m * scale for m in (1, 2, 5, 10) if m * scale >= rough)
    counts = [0] * (int(top // width) + 1)
    last = len(counts) - 1

    def bin_of(value: float) -> int:
        return min(int(max(value, 0.0) // width), last)

    if ordered:  # each bin's first value found by bisection: a bin is a run of the sorted values
        edges = [bisect_left(values, i, key=bin_of) for i in range(len(counts))] + [len(values)]
        counts = [edges[i + 1] - edges[i] for i in range(len(counts))]
    else:
        for value in values:
            counts[bin_of(value)] += 1
    return [{"from": float(round(i * width, 6)), "to": float(round((i + 1) * width, 6)), "count": n}
            for i, n in enumerate(counts)]


def _experts(tally: Tally, names: dict[str, str]) -> list[dict[str, Any]]:
    n = tally.n
    fixes = tally.groups("expert_fixes")
    rows = []
    for expert_id in sorted(set(tally.groups("expert_assigned")) | set(fixes)):
        rated = n[("expert_rated", expert_id)]
        rows.append({
            "expert_id": expert_id,
            "name": names.get(expert_id, ""),
            "assigned": n[("expert_assigned", expert_id)],
            "completed": n[("expert_completed", expert_id)],
            "avg_turnaround_hours": _mean(n[("expert_turnaround", expert_id)], n[("expert_turned", expert_id)],
                                          US_PER_HOUR, 2),
            "sla_compliance": _share(n[("expert_met", expert_id)], n[("expert_timed", expert_id)]),
            "corrections": fixes.get(expert_id, 0),
            "rating": round(n[("expert_rating", expert_id)] / rated, 2) if rated else None,
        })
    return rows


def _daily(tally: Tally, now: datetime, days: int) -> list[dict[str, Any]]:
    start = (now - timedelta(days=days)).date()
    first = (start - EPOCH.date()).days
    n = tally.n
    return [{"date": (start + timedelta(days=offset)).isoformat(),
             **{u: n[("daily", str(first + offset), u)] for u in URGENCY_ORDER}}
            for offset in range((now.date() - start).days + 1)]


def _sla_by_tier(tally: Tally) -> dict[str, float | None]:
    met = tally.groups("tier_met")
    return {tier: _share(met.get(tier, 0), count) for tier, count in sorted(tally.groups("tier_timed").items())}


def opportunities(tally: Tally, data: dict[str, Any], profiles: Mapping[str, Profile]) -> list[str]:
    """Seed 000's identify_optimization_opportunities: automation candidates, training and expertise gaps."""
    out: list[str] = []
    n = tally.n
    typical = data["avg_resolution_hours"]
    for category, done in sorted(tally.groups("category_done").items()):
        if done < 5 or typical is None:
            continue
        success = n[("category_resolved", category)] / done
        hours = n[("category_took", category)] / (done * US_PER_HOUR)
        if success >= 0.9 and hours <= typical:
            out.append(f"Automation candidate: {category} escalations were resolved {success:.0%} of the time "
                       f"in {hours:.1f} h on average ({done} cases); write a runbook.")
    fixes = completed_fixes(tally)
    gaps = [(profile, field, rate) for profile, rates in data["correction_rates"].items()
            for field, rate in rates.items()]
    for profile, field, rate in sorted(gaps, key=lambda g: (-g[2], g[0], g[1])):
        share = profiles[profile].corrections.gap_share if profile in profiles else 0.1
        count = fixes[(profile, field)]
        if count >= 3 and rate >= share:
            out.append(f"Training gap: experts corrected the automated {field} in {rate:.0%} of the "
                       f"{data['correction_rate_base'].get(profile, 0)} completed {profile or 'unnamed'} requests "
                       f"({count} corrections); retrain that assessment.")
    assigned = n[("assigned",)]
    if assigned:
        baseline = n[("wait",)] / (assigned * US_PER_HOUR)
        for category, count in sorted(tally.groups("waits").items()):
            wait = n[("wait_of", category)] / (count * US_PER_HOUR)
            if count >= 3 and wait > 2 * baseline and wait > 0.5 and baseline > 0:
                out.append(f"Expertise gap: {category} requests wait {wait:.1f} h for an expert, "
                           f"{wait / baseline:.1f}x the average; recruit or train.")
    for category, count in sorted(tally.groups("unassigned").items()):
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
