"""Instants as every record holds them: aware UTC datetimes, written `2026-01-05T14:00:00Z`; one module for all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(8000, 1, 1, tzinfo=UTC)
"""The instants a person may ask about (`--at`, `--now`): far inside the schedules' own bounds (1900 and 9000,
`routing/rotation.py`) and the calendar's (years 1 and 9999), so a year's horizon, a week's view or the
hand-offs around one never reach either."""


def outside(moment: datetime) -> str | None:
    """Why an instant is beyond the ones the desk reckons with (None: it is within them)."""
    if EARLIEST <= moment < LATEST:
        return None
    return f"outside the years {EARLIEST.year} to {LATEST.year - 1} the desk reckons with"


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """`2026-01-05T14:00:00Z` (a naive time is taken to be UTC already)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


def parse(text: str) -> datetime:
    """An ISO 8601 time (Python 3.11 reads `Z`) as aware UTC; one without an offset is taken to be UTC. Raises
    ValueError for anything else."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_or_none(text: Any) -> datetime | None:
    """`parse` for data from elsewhere: anything that is not a time is None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse(text)
    except ValueError:
        return None
