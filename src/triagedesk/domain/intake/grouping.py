"""Which group an alert belongs to: Alertmanager's `group_by` over its labels (by default its full label set, so
the group is its fingerprint), or, as a second mode, its title's shape and its service. A pure function of the
alert alone, so grouping never depends on the order alerts arrive in."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from triagedesk.domain.intake.alertmanager import fingerprint
from triagedesk.domain.intake.rules import ALL_LABELS, Grouping, GroupMode

_TOKEN = re.compile(r"\S+")
_VARIABLE = re.compile(r"\d|^[0-9a-f]{8,}$", re.IGNORECASE)
_EDGES = "()[]{}<>\"'`,;:.!?"


@dataclass(frozen=True)
class Group:
    """An alert's group: its key (the issue's dedup key), the rule that chose it, and what it was grouped by."""

    key: str
    rule: str
    """The grouping rule's id; "" for the profile's defaults."""
    by: tuple[str, ...]
    mode: GroupMode
    window_minutes: int
    matched: tuple[str, ...] = ()
    """What the alerts of a content group share (their title's shape, their service), shown on the issue."""

    @property
    def merges_label_sets(self) -> bool:
        """Whether the rule lets different label sets share the group."""
        return self.mode == "content" or self.by != (ALL_LABELS,)

    def explain(self) -> str:
        if self.mode == "content":
            return "grouped by content: " + "; ".join(self.matched)
        if not self.merges_label_sets:
            return "grouped by the full label set"
        return f"grouped by {', '.join(self.by)}" + (f" (rule {self.rule})" if self.rule else "")


def title_shape(title: str) -> str:
    """A title with what varies between instances of one problem put aside: words holding a digit (hosts `web-2`,
    addresses, sizes, percentages) and long hex ids become `<*>`; lower case, punctuation at word edges dropped."""
    words = []
    for word in _TOKEN.findall(title.lower()):
        core = word.strip(_EDGES)
        if not core:
            continue
        words.append("<*>" if _VARIABLE.search(core) else core)
    return " ".join(words)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:16]


def group_of(labels: dict[str, str], title: str, alert_fingerprint: str, grouping: Grouping) -> Group:
    """The group of one alert under a profile's `[intake.grouping]`: the first rule whose matchers select it, else
    the defaults. The full label set keeps the alert's fingerprint as the key (what the intake deduplicated by
    before grouping existed); a subset is Alertmanager's group key over those labels' values."""
    rule = grouping.rule_for(labels)
    by = tuple(rule.by if rule else grouping.by)
    mode = rule.mode if rule else grouping.mode
    window = rule.window_minutes if rule else grouping.window_minutes
    name = rule.id if rule else ""
    if mode == "content":
        service_label = rule.service_label if rule else grouping.service_label
        shape = title_shape(title)
        service = labels.get(service_label, "")
        return Group(f"c-{_digest(name, shape, service)}", name, by, mode, window,
                     (f"title like {shape!r}", f"{service_label}={service!r}"))
    if by == (ALL_LABELS,):
        return Group(alert_fingerprint, name, by, mode, window)
    chosen = {label: labels[label] for label in by if label in labels}
    return Group(f"g-{_digest(name, fingerprint(chosen))}", name, by, mode, window)
