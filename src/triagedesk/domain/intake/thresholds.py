"""Thresholds: "page after N alerts in M minutes". Below it an issue is counted and shown, but pages nobody."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from triagedesk.domain.intake.rules import Threshold


def counted(arrivals: Sequence[datetime], at: datetime, minutes: int) -> int:
    """Alerts that arrived in the `minutes` up to `at` (both ends included)."""
    since = at - timedelta(minutes=minutes)
    return sum(1 for moment in arrivals if since <= moment <= at)


def short_of(rule: Threshold, arrivals: Sequence[datetime], at: datetime) -> str | None:
    """Why the issue does not page yet ("3 of 5 alerts needed in 10 min"), or None once the threshold is met."""
    found = counted(arrivals, at, rule.minutes)
    if found >= rule.alerts:
        return None
    return f"{found} of {rule.alerts} alerts needed in {rule.minutes} min (threshold {rule.id})"


def met(rule: Threshold, arrivals: Sequence[datetime], at: datetime) -> str:
    """How a met threshold reads: "3 of 3 alerts in 10 min (threshold t)"."""
    return f"{counted(arrivals, at, rule.minutes)} of {rule.alerts} alerts in {rule.minutes} min (threshold {rule.id})"


def remembered(arrivals: Sequence[datetime], at: datetime, minutes: int) -> list[datetime]:
    """The arrivals an issue keeps: those a threshold may still count."""
    if minutes <= 0:
        return []
    since = at - timedelta(minutes=minutes)
    return sorted(moment for moment in arrivals if moment >= since)
