"""The dispatcher's port: all `dispatch/` may hold of the app (what it calls, the change feed, a step's result);
this module imports no store, so neither does the dispatcher (an import-linter contract holds it to that)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from triagedesk.domain.intake.alertmanager import Alert
from triagedesk.domain.intake.flow import Taken
from triagedesk.domain.intake.rules import Intake
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest, OutboxMessage
from triagedesk.domain.requests import policy

AckUrl = Callable[[ExpertRequest], str | None]
Changes = set[tuple[str, str]]
"""A change notice: (table, document id) of every record a write changed."""


@dataclass
class StepResult:
    """What one step did (or, walked without writing, would do), for the log line and `policy explain`."""

    step: policy.Step
    request_id: str
    action: str
    """The table's action it took (assign, reassign, senior), `notify`, or `none` (nobody to assign it to)."""
    expert_id: str | None
    messages: int
    missed: str | None = None
    """The expert who let it lapse."""
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        return {**self.step.as_dict(), "action": self.action, "to": self.expert_id, "lapsed": self.missed,
                "reason": self.reason}


class ChangeFeed(Protocol):
    """Notices of what changed, as this process learns of it (its own writes, another's, a sync)."""

    def subscribe(self, listener: Callable[[Changes], None]) -> Callable[[], None]:
        """Call `listener(changes)` on every change (under the writer's lock: note, never read, there); returns
        the unsubscribe."""
        ...


class DispatchPort(Protocol):
    """What the dispatcher, its delivery and its intake call (app/dispatching.py's `Dispatching` is the one)."""

    @property
    def changes(self) -> ChangeFeed: ...

    # -- the policy's pass
    def refresh(self) -> None: ...
    def open_requests(self, completed_since: datetime | None = None) -> list[ExpertRequest]: ...
    def request(self, request_id: str) -> ExpertRequest | None: ...
    def step_history(self) -> dict[str, list[policy.StepDone]]: ...
    def changed_requests(self, changes: Iterable[tuple[str, str]]) -> set[str]: ...
    def next_due(self, request: ExpertRequest, history: list[policy.StepDone], now: datetime) -> datetime | None: ...
    def walk(self, request_id: str, now: datetime, ack_url: AckUrl, history: list[policy.StepDone],
             write: bool = True) -> list[StepResult]: ...
    def intake_due(self, now: datetime) -> bool: ...
    def intake_tick(self, now: datetime) -> dict[str, Any]: ...

    # -- the outbox
    def outbox(self, request_id: str | None = None) -> list[OutboxMessage]: ...
    def changed_messages(self, changes: Iterable[tuple[str, str]]) -> dict[str, OutboxMessage | None]: ...
    def recover_sending(self, now: datetime, busy: Collection[str] = ()) -> list[str]: ...
    def sending(self, message_id: str, now: datetime) -> OutboxMessage | None: ...
    def delivered(self, message_id: str, now: datetime, attached: bool | None = None) -> None: ...
    def not_delivered(self, message_id: str, error: str, next_at: datetime | None) -> None: ...

    # -- the intake and ack links
    def take_in(self, issues: list[Issue], now: datetime, actor: str = "intake") -> list[dict[str, Any]]: ...
    def take_alerts(self, alerts: list[Alert], now: datetime, actor: str = "alertmanager") -> list[Taken]: ...
    def alert_rules(self) -> Intake: ...
    def ack_state(self, request_id: str, assigned_at: str) -> tuple[ExpertRequest | None, Issue | None,
                                                                    str | None]: ...
    def acknowledge(self, request_id: str, assigned_at: str, now: datetime) -> ExpertRequest: ...
