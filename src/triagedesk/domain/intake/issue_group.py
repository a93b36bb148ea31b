"""What an issue made of alerts holds about them: its group, the distinct label sets, how many alerts and
notifications, and whether it paged a human, and if not, why (every suppression explains itself)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

Verdict = Literal["paged", "not_escalated", "below_threshold", "held", "transient", "maintenance", "flapping"]
VERDICTS: tuple[str, ...] = ("paged", "not_escalated", "below_threshold", "held", "transient", "maintenance",
                             "flapping")
SUPPRESSED: frozenset[str] = frozenset({"below_threshold", "held", "transient", "maintenance", "flapping"})
"""Verdicts that held a page back (an issue that does not escalate was never going to page)."""
LABEL_SETS_KEPT = 20
"""Distinct label sets an issue lists (it counts them all)."""


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AlertGroup(BaseModel):
    """An issue's alerts: stored on the issue (`alert_group`), shown by the desk, `show` and `show --json`."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", allow_inf_nan=False,
                              defer_build=True)

    key: str = Field(max_length=200)
    source: str = "alertmanager"
    rule: str = ""
    """The grouping rule that formed the group ("" the profile's defaults)."""
    by: list[str] = Field(default_factory=lambda: ["..."])
    mode: Literal["labels", "content"] = "labels"
    grouped: str = ""
    """How it was grouped, in words ("grouped by the full label set", "grouped by content: title like ...")."""
    alertname: str = ""
    label_sets: list[dict[str, str]] = Field(default_factory=list)
    """The distinct label sets it holds (the first 20)."""
    label_set_count: int = Field(0, ge=0)
    events: int = Field(0, ge=0)
    """Alerts received for it, every notification's repeat included (`count` on the issue counts distinct alerts:
    a fingerprint and a start)."""
    verdict: Verdict = "paged"
    why: str = ""
    """Why it paged or did not, in one line ("held 5 min, resolved after 2 min: transient")."""
    acted: list[str] = Field(default_factory=list)
    """The rules (and maintenance windows) that held its page back, by id."""
    arrivals: list[datetime] = Field(default_factory=list)
    """Recent alerts' arrival times (within the longest threshold window): what a threshold counts."""
    holds: int = Field(0, ge=0)
    """Times a pause held it (what the transient share is a share of)."""
    held_since: datetime | None = None
    held_until: datetime | None = None
    paged_at: datetime | None = None
    """When it opened its request (a held alert's clocks start at its arrival: this is that arrival)."""
    flapping: bool = False
    window_id: str | None = None
    """The maintenance window that suppressed it."""

    _times = field_validator("held_since", "held_until", "paged_at")(_utc)

    @field_validator("arrivals")
    @classmethod
    def _arrivals(cls, value: list[datetime]) -> list[datetime]:
        return [_utc(v) for v in value]  # type: ignore[misc]
