"""A repeat folded into its open issue: what of the issue it updates (count, last seen, the latest text)."""

from __future__ import annotations

from datetime import datetime

from triagedesk.domain.models import Issue


def latest(known: datetime | None, seen: datetime) -> datetime:
    """A last-seen time that never goes backwards (a late or reordered notification leaves it)."""
    return seen if known is None or seen > known else known


def folded(current: Issue, repeat: Issue, now: datetime) -> Issue:
    """The open issue after a repeat with its dedup key: counted once more, last seen never going back, and the
    repeat's text, symptoms, errors, systems and severity where it gives them (an alert that turns critical reads
    critical, with what it says now); what the repeat leaves empty stays as it was."""
    return current.model_copy(update={
        "count": current.count + 1,
        "last_seen": latest(current.last_seen, repeat.last_seen or repeat.created_at or now),
        **latest_text(current, repeat)})


def latest_text(current: Issue, repeat: Issue) -> dict[str, object]:
    """What a repeat says now, where it says something: its title, text, symptoms, errors, systems, severity."""
    return {"title": repeat.title or current.title, "description": repeat.description or current.description,
            "symptoms": repeat.symptoms or current.symptoms, "error_messages": repeat.error_messages or
            current.error_messages, "affected_systems": repeat.affected_systems or current.affected_systems,
            "severity": repeat.severity or current.severity}
