"""A profile's `[intake]` section: how a source's severity reads, and the noise rules (grouping, thresholds,
auto-pause, flapping) that decide which alerts page a human. Each rule's condition is a list of Alertmanager
matchers over the alert's labels (`when = ["severity=warning", "job=~api|web"]`); no matcher: every alert."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from triagedesk.domain.intake.matchers import Matcher, all_match, parse_all

Urgency = Literal["critical", "high", "medium", "low"]
ALL_LABELS = "..."
"""Alertmanager's `group_by: ['...']`: the full label set (no aggregation at all)."""

DEFAULT_SEVERITIES: dict[str, Urgency] = {
    "critical": "critical", "page": "critical", "error": "high", "major": "high", "high": "high",
    "warning": "medium", "medium": "medium", "info": "low", "low": "low",
}
"""Alertmanager's and Grafana's common `severity` labels, as their users expect them read."""

GroupMode = Literal["labels", "content"]


class RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _matchers(value: list[str]) -> list[str]:
    parse_all(value)  # a bad matcher is the profile's error, naming the key
    return value


class Conditional(RuleModel):
    """A rule that applies to the alerts its `when` matchers select."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    when: list[str] = Field(default_factory=list)

    _when = field_validator("when")(_matchers)

    @cached_property
    def matchers(self) -> tuple[Matcher, ...]:
        return parse_all(self.when)

    def applies(self, labels: dict[str, str]) -> bool:
        return all_match(self.matchers, labels)


class GroupingRule(Conditional):
    """Alerts this rule selects group by its own labels, window and mode."""

    by: list[str] = Field(default_factory=lambda: [ALL_LABELS], min_length=1)
    window_minutes: int = Field(0, ge=0, le=10080)
    mode: GroupMode = "labels"
    service_label: str = "job"


def _by(value: list[str]) -> list[str]:
    if ALL_LABELS in value and len(value) > 1:
        raise ValueError("'...' (the full label set) stands alone in `by`")
    return value


class Grouping(RuleModel):
    """Alertmanager's `group_by` semantics: an alert's group is the values of the `by` labels it carries (`...`,
    the default: its full label set, so two different label sets never share an issue; never the summary).
    Alerts of one group attach to its open issue while that issue saw an alert within `window_minutes` (0: as
    long as it is open). `mode = "content"` groups alerts whose titles are alike up to numbers and ids and whose
    `service_label` is the same: a second, explainable mode (the issue lists what matched). `rules` apply to the
    alerts they select, the first that matches; the rest group by the defaults here."""

    by: list[str] = Field(default_factory=lambda: [ALL_LABELS], min_length=1)
    window_minutes: int = Field(0, ge=0, le=10080)
    mode: GroupMode = "labels"
    service_label: str = "job"
    rules: list[GroupingRule] = Field(default_factory=list)

    _by_ok = field_validator("by")(_by)

    @model_validator(mode="after")
    def _rules_by(self) -> Grouping:
        for index, rule in enumerate(self.rules):
            try:
                _by(rule.by)
            except ValueError as exc:
                raise ValueError(f"rules.{index}.by: {exc}") from None
        return self

    def rule_for(self, labels: dict[str, str]) -> GroupingRule | None:
        return next((r for r in self.rules if r.applies(labels)), None)


class Threshold(Conditional):
    """"Page after `alerts` alerts in `minutes` minutes": below it the issue exists and is counted, but opens no
    request and pages nobody."""

    alerts: int = Field(ge=1, le=100000)
    minutes: int = Field(ge=1, le=10080)


class Pause(Conditional):
    """Auto-pause: an alert is held `minutes`; resolved inside them it never pages (transient), otherwise it goes on
    as if it had just arrived (its clocks start at its arrival, not at its release)."""

    minutes: int = Field(ge=1, le=1440)


class Flapping(RuleModel):
    """An alert (one label set) that fires and resolves more than `cycles` times within `minutes` is flapping: it
    pages once, not every time (0 cycles: off)."""

    cycles: int = Field(0, ge=0, le=1000)
    minutes: int = Field(60, ge=1, le=10080)


class Intake(RuleModel):
    """How the intake reads a source's own urgency (`[intake.severity]`: an alert's `severity` label, lower case,
    to an urgency; one not listed gives none) and which alerts page a human (`grouping`, `thresholds`, `pause`,
    `flapping`). The defaults page exactly as an intake without noise rules: one issue per label set, every
    alert that escalates pages at once."""

    severity: dict[str, Urgency] = Field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    grouping: Grouping = Field(default_factory=Grouping)
    thresholds: list[Threshold] = Field(default_factory=list)
    pause: list[Pause] = Field(default_factory=list)
    flapping: Flapping = Field(default_factory=Flapping)

    @model_validator(mode="after")
    def _unique_ids(self) -> Intake:
        for name, rules in (("grouping.rules", self.grouping.rules), ("thresholds", self.thresholds),
                            ("pause", self.pause)):
            seen: set[str] = set()
            for index, rule in enumerate(rules):
                if rule.id in seen:
                    raise ValueError(f"{name}.{index}.id: {rule.id!r} is used twice")
                seen.add(rule.id)
        return self

    def urgency_of(self, severity: object) -> Urgency | None:
        return self.severity.get(str(severity or "").strip().lower())

    def threshold_for(self, labels: dict[str, str]) -> Threshold | None:
        return next((t for t in self.thresholds if t.applies(labels)), None)

    def pause_for(self, labels: dict[str, str]) -> Pause | None:
        return next((p for p in self.pause if p.applies(labels)), None)

    @property
    def longest_count_minutes(self) -> int:
        """How far back an issue must remember its alerts' arrivals (the longest threshold window)."""
        return max([t.minutes for t in self.thresholds], default=0)
