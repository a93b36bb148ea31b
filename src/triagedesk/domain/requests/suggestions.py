"""What the desk offers (never forces) for a request's clocks, as codes the UI acts on and text a person reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from triagedesk.domain.durations import spoken
from triagedesk.domain.requests.clocks import SlaClock
from triagedesk.domain.requests.states import OPEN_STATUSES

SuggestionCode = Literal["breached", "at_risk", "unacknowledged"]

HINTS: dict[str, str] = {
    "breached": "escalate to senior",
    "at_risk": "at risk: senior?",
    "unacknowledged": "unacknowledged: next candidate?",
}
"""The short tag of each suggestion, for a timer line."""


@dataclass(frozen=True)
class Suggestion:
    code: SuggestionCode
    text: str

    @property
    def hint(self) -> str:
        return HINTS[self.code]


def suggestions(status: str, found: Iterable[SlaClock]) -> list[Suggestion]:
    """A senior expert near or past the resolve target; the next candidate once the acknowledge target is missed."""
    if status not in OPEN_STATUSES:
        return []
    by_target = {c.target: c for c in found}
    out: list[Suggestion] = []
    resolve = by_target.get("resolve")
    if resolve is not None and resolve.state == "breached":
        out.append(Suggestion("breached", "SLA breached: escalate to a senior expert"))
    elif resolve is not None and resolve.state == "at_risk":
        out.append(Suggestion("at_risk", "Under 25% of the SLA left: consider a senior expert"))
    ack = by_target.get("acknowledge")
    if ack is not None and ack.state == "breached" and status == "assigned":
        late = spoken(-ack.left_minutes // 1)
        out.append(Suggestion("unacknowledged", f"Not acknowledged {late} past the {spoken(ack.budget_minutes)} "
                                                "response SLA: offer the next candidate"))
    return out
