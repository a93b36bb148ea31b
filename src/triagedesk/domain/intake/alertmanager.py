"""Prometheus Alertmanager's (and Grafana's) webhook alerts read as issues: severity through the profile's table,
the fingerprint Alertmanager computes when one is missing, last seen and resolved times from the alert itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from triagedesk.domain import instants
from triagedesk.domain.errors import InputError
from triagedesk.domain.intake.rules import Intake
from triagedesk.domain.models import Issue

PROFILE = "infrastructure"
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1
_SEPARATOR = 0xFF


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of a label set: FNV-1a (64 bit) over the names in sorted order, each name and
    value followed by the byte 0xff, as 16 hex digits (prometheus/common `LabelsToSignature`). The empty set
    gives FNV's offset basis, `cbf29ce484222325`, as it does there."""
    value = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8"):
                value = ((value ^ byte) * _FNV_PRIME) & _MASK
            value = ((value ^ _SEPARATOR) * _FNV_PRIME) & _MASK
    return f"{value:016x}"


def parse_time(value: Any, where: str = "time") -> datetime | None:
    """An RFC 3339 time of an alert as aware UTC; absent, empty or Go's zero time (`0001-01-01T00:00:00Z`:
    Alertmanager's endsAt of a firing alert) is None. Anything else that is not a time with an offset within the
    years the desk reckons with is an InputError naming `where` (never an overflow deeper in)."""
    if value is None or value == "" or (isinstance(value, str) and value.startswith("0001-")):
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: expected an RFC 3339 time, not {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise InputError(f"{where}: {value[:40]!r} has no offset (Z or +HH:MM)")
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InputError(f"{where}: {value[:40]!r} is not an RFC 3339 time") from None
    problem = instants.outside(moment)
    if problem is not None:
        raise InputError(f"{where}: {value[:40]!r} is {problem}")
    return moment


@dataclass(frozen=True)
class Alert:
    """One alert of a notification: the issue it becomes (or repeats), and whether it has resolved (when)."""

    issue: Issue
    key: str
    """Its fingerprint (the one given, else Alertmanager's own of its labels)."""
    resolved: bool
    ended_at: datetime
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    source: str = "alertmanager"

    @property
    def title(self) -> str:
        return self.issue.title


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected an object of names and values")
    return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}


def read_alert(alert: Any, where: str, intake: Intake, received: datetime) -> Alert:
    """One alert as an issue: `labels.severity` through the profile's `[intake.severity]` (the decision follows
    it), `annotations.summary` the title, `labels.instance` the affected system, the fingerprint (or the one
    Alertmanager would compute from the labels) the dedup key; last seen is the latest of `startsAt` and the
    receive time; a resolved alert ends at its `endsAt` (the receive time when it has none). A time that cannot be
    read is an InputError naming the alert and field."""
    if not isinstance(alert, dict):
        raise InputError(f"{where}: expected an alert object")
    labels = _strings(alert.get("labels"), f"{where}.labels")
    notes = _strings(alert.get("annotations"), f"{where}.annotations")
    given = alert.get("fingerprint")
    key = given if isinstance(given, str) and given.strip() else fingerprint(labels)
    name = labels.get("alertname") or "alert"
    instance = labels.get("instance") or ""
    started = parse_time(alert.get("startsAt"), f"{where}.startsAt")
    seen = started if started is not None and started > received else received
    ended = parse_time(alert.get("endsAt"), f"{where}.endsAt") or received
    try:
        issue = Issue(title=" ".join(f"[{name}] {notes.get('summary') or name}".split())[:300],
                      description=(notes.get("description") or "")[:5000], profile=PROFILE,
                      affected_systems=[instance] if instance else [], dedup_key=key[:200],
                      symptoms=[f"{k}={v}" for k, v in sorted(labels.items())][:20],
                      created_at=started or received, last_seen=seen,
                      severity=intake.urgency_of(labels.get("severity")))
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
    kept = {k: v[:2000] for k, v in list(notes.items())[:20]}
    return Alert(issue, key[:200], alert.get("status") == "resolved", ended, labels, kept, started)
