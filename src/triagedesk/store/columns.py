"""Columns computed from a record rather than copied from one of its fields: `$us:FIELD` is the time in FIELD as
whole microseconds since the epoch (what the report counts with; a naive time is UTC, as the models take it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from triagedesk.domain.insight.tally import micros

MICROS = "$us:"
UNUSABLE: dict[str, Any] = {}
"""A computed cell whose field the column cannot hold as it is (not an ISO time): the reader parses the record."""


def micros_of(field: str) -> Callable[[dict[str, Any]], Any]:
    """The `$us:FIELD` column's value of a document: an int, None when the field is unset, else `UNUSABLE`."""

    def value(doc: dict[str, Any]) -> Any:
        found = doc.get(field)
        if found is None:
            return None
        if not isinstance(found, str):
            return UNUSABLE
        try:
            moment = datetime.fromisoformat(found)
        except ValueError:
            return UNUSABLE
        return micros(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))

    return value


TIMES = ("submitted_at", "assigned_at", "started_at", "completed_at", "due_at", "created_at")
COMPUTED_TIMES: dict[str, Callable[[dict[str, Any]], Any]] = {MICROS + name: micros_of(name) for name in TIMES}


def us(field: str) -> str:
    """The name of the column holding `field` in microseconds."""
    assert field in TIMES, field
    return MICROS + field


__all__ = ["COMPUTED_TIMES", "MICROS", "TIMES", "UNUSABLE", "micros_of", "us"]
