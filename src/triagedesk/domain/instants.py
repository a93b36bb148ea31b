"""Instants as every record holds them: aware UTC datetimes, written `2026-01-05T14:00:00Z`; one module for all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


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
