"""One clock for every test: a fixed Monday morning, and a clock that moves only when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triagedesk.demo.data import DEMO_NOW

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Monday 2026-01-05 09:00 UTC: business hours in Europe, night in Asia's afternoon."""
T0_Z = T0.strftime("%Y-%m-%dT%H:%M:%SZ")
"""T0 as the CLI's `--now` takes it."""
DEMO_Z = DEMO_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
"""The demo store's fixed time (`triagedesk.demo.data.DEMO_NOW`) as the CLI's `--now` takes it."""


class Clock:
    """A settable clock: `clock()` is now; `clock.advance(minutes=5)` moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment
