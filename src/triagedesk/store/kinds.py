"""The one list of the kinds of record the store keeps: table name, model, id prefix, and the fields indexed."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(frozen=True)
class Kind:
    """One kind of record: its table, its model, the prefix of its new ids and its secondary indexes."""

    name: str
    model_name: str
    """Where its model lives, `module:Class` under triagedesk.domain: imported on first use, so a reader of
    columns and records imports no model."""
    prefix: str
    audited: bool = True
    indexed: tuple[str, ...] = ()
    """Top-level fields with a secondary index (value -> records), kept in step with every write."""
    listed: bool = True
    """Among the kinds commands list, count and export (the outbox is the dispatcher's own)."""
    stored: tuple[str, ...] = ()
    """Further top-level fields kept as columns beside the records in the snapshot, read without parsing one
    (what a pass over every record needs: the experts' figures counted from the requests, the report's figures
    (app/report_columns.py) and the issue search (app/issue_search.py)). A `$us:FIELD` column is computed: the
    time in FIELD in microseconds since the epoch (store/columns.py)."""

    @cached_property
    def model(self) -> type[BaseModel]:
        """The kind's model (pydantic)."""
        module, _, name = self.model_name.partition(":")
        found: type[BaseModel] = getattr(importlib.import_module(f"triagedesk.domain.{module}"), name)
        return found


KINDS: tuple[Kind, ...] = (
    Kind("issues", "models:Issue", "iss", stored=("title", "description", "profile", "created_at")),
    Kind("experts", "models:Expert", "exp"),
    Kind("requests", "records:ExpertRequest", "req", indexed=("analysis_id", "assigned_expert_id", "status"),
         stored=("completed_at", "assigned_at", "rating", "price", "profile", "urgency", "tier_id", "item_category",
                 "user_id", "assigned_expert_name", "submitted_at", "paused_minutes", "$us:submitted_at",
                 "$us:assigned_at", "$us:started_at", "$us:completed_at", "$us:due_at")),
    Kind("sessions", "records:Session", "ses", indexed=("issue_id", "request_id", "status")),
    Kind("outcomes", "records:Outcome", "out", indexed=("issue_id", "request_id"),
         stored=("resolution_achieved", "time_to_resolution_minutes", "rating", "$us:created_at", "expert_id")),
    Kind("corrections", "records:Correction", "cor", indexed=("request_id",),
         stored=("$us:created_at", "field", "category", "expert_id", "profile")),
    Kind("knowledge", "records:KnowledgeEntry", "kb"),
    Kind("schedules", "routing.schedules:Schedule", "sch"),
    Kind("calendars", "routing.calendars:Calendar", "cal"),
    Kind("audit", "records:AuditEntry", "aud", audited=False, indexed=("target_id", "action", "actor")),
    Kind("outbox", "records:OutboxMessage", "ob", audited=False, indexed=("request_id",), listed=False),
    Kind("alerts", "intake.records:AlertRecord", "al", audited=False, indexed=("fingerprint", "issue_id"),
         stored=("arrived_at", "events", "source", "alertname", "seen_firing")),
    Kind("maintenance", "intake.records:MaintenanceWindow", "W"),
)
BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
NAMES: tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.listed)
"""Every data table, in the order commands list them."""

INDEXED: dict[str, tuple[str, ...]] = {kind.name: kind.indexed for kind in KINDS if kind.indexed}
STORED: dict[str, tuple[str, ...]] = {kind.name: kind.indexed + kind.stored for kind in KINDS}
"""Every kind's fields kept as snapshot columns: the indexed ones and the further `stored` ones."""

__all__ = ["Kind", "KINDS", "BY_NAME", "NAMES", "INDEXED", "STORED"]
