"""Flapping: an alert (one label set) that fires and resolves more than K times in a window pages once, not K
times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from triagedesk.domain.intake.records import AlertRecord
from triagedesk.domain.intake.rules import Flapping


def cycles(alerts: Sequence[AlertRecord], at: datetime, rule: Flapping) -> int:
    """Fire/resolve cycles of one label set completed in the window up to `at`."""
    since = at - timedelta(minutes=rule.minutes)
    return sum(1 for a in alerts if a.status == "resolved" and a.arrived_at >= since)


def flapping(count: int, rule: Flapping) -> bool:
    return rule.cycles > 0 and count > rule.cycles


def why(count: int, rule: Flapping, paged_in: str | None) -> str:
    head = f"flapping: {count} fire/resolve cycles in {rule.minutes} min"
    return f"{head}; paged once already ({paged_in})" if paged_in else f"{head}: paged once"
