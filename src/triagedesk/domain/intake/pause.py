"""Auto-pause: an alert held for a while; one that resolves inside it never pages (transient), one that does not
goes on as if it had just arrived, its clocks starting at its arrival, not at its release."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from triagedesk.domain.intake.records import AlertRecord
from triagedesk.domain.intake.rules import Pause


def span(seconds: float) -> str:
    """A duration as an on-call reads it: `40 s`, `2 min`, `2.5 min`, `3 h`."""
    if seconds < 60:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f}".rstrip("0").rstrip(".") + " min"
    return f"{seconds / 3600:.1f}".rstrip("0").rstrip(".") + " h"


def hold(rule: Pause, at: datetime) -> tuple[datetime, str]:
    until = at + timedelta(minutes=rule.minutes)
    return until, f"held {rule.minutes} min until {until:%H:%M} UTC (pause {rule.id})"


def still_firing(alerts: Sequence[AlertRecord], until: datetime) -> list[AlertRecord]:
    """The alerts not over by `until`: firing, or resolved only after it (by their own `endsAt`)."""
    return [a for a in alerts if a.status == "firing" or (a.ends_at is not None and a.ends_at > until)]


def transient(held_since: datetime, held_until: datetime, alerts: Sequence[AlertRecord]) -> str | None:
    """Why the held issue is transient ("held 5 min, resolved after 2 min: transient"), or None while any of its
    alerts is not over by the end of the hold."""
    if not alerts or still_firing(alerts, held_until):
        return None
    ended = max((a.ends_at or a.resolved_at or held_since) for a in alerts)
    held = (held_until - held_since).total_seconds()
    return f"held {span(held)}, resolved after {span((ended - held_since).total_seconds())}: transient"


def released(held_since: datetime, held_until: datetime) -> str:
    return (f"held {span((held_until - held_since).total_seconds())}, still firing: paged "
            f"(its clocks from its arrival at {held_since:%H:%M} UTC)")
