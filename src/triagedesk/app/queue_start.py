"""The queue's full load (`queue.load`): the open issues' rows from the side file (app/queue_file.py) and those
changed since computed again, or, without a usable file, every open issue's computed and the file written."""

from __future__ import annotations

from datetime import datetime
from itertools import compress
from typing import Any

from triagedesk.app import assessments, queue_file
from triagedesk.app.desk import Desk
from triagedesk.app.queue import CLOSED, QueueData, running_clocks
from triagedesk.app.queue_file import Rows
from triagedesk.domain.models import Issue
from triagedesk.domain.requests import clocks as sla
from triagedesk.domain.requests.states import state_name
from triagedesk.store import open_set


def rows(desk: Desk) -> tuple[Rows, dict[str, Issue]]:
    """Every open issue's row as the store is now, and the issue models validated on the way."""
    store = desk.store
    journal = store.journal
    path = queue_file.path_of(desk)
    held = queue_file.read(path)  # (read outside the store's lock; its snapshot is checked under it)
    journal.refresh()  # caught up here: nothing read below changes under the mutex
    with journal.mutex:
        stamp = open_set.stamp(journal)
        if held is not None and held["stamp"] != stamp:
            held = None  # of another snapshot (a compaction since): the whole queue is computed again
        now = {table: open_set.changed_keys(journal, table) for table in open_set.KEY_OF}
        if held is None:
            found = store.open_issues(CLOSED, refresh=False)
            keys: set[str] = set()
        else:
            keys = queue_file.affected(desk, held, now)
            found, _ = open_set.open_among(journal, CLOSED, keys)
    fresh, models, skipped = queue_file.rows_of(desk, found)
    if held is None:
        out = queue_file.merged(queue_file.empty(), set(), fresh)
    else:
        assessments.of(desk).partial = True  # the other rows' assessments were not asked for: keep them
        out = queue_file.merged(held["rows"], keys, fresh)
    if held is None or len(keys) > queue_file.REWRITE_AT:
        queue_file.write(path, stamp, out, now, skipped)
    return out, models


def load(desk: Desk, now: datetime, assignee: str | None = None) -> QueueData:
    """Every open issue (no request yet, or a request still open) with its score and clock; `assignee` keeps only
    issues whose request is assigned to that expert (the expert's view)."""
    found, models = rows(desk)
    if assignee is not None:
        keep = [asked and held == assignee for asked, held in zip(found["asked"], found["held"], strict=True)]
        found = {c: list(compress(values, keep)) for c, values in found.items()}
    return columns(desk, found, models, now.timestamp())


def columns(desk: Desk, found: Rows, models: dict[str, Issue], now_epoch: float) -> QueueData:
    """The queue's columns from its rows: the SLA clocks computed now (the experts' and calendars' as they are)."""
    data = QueueData()
    engine = desk.engine
    default = engine.profile(None).name
    data.ids = found["ids"]
    data.profile = [named or default for named in found["named"]]
    data.urgency, data.score, data.escalate = found["urgency"], found["score"], found["escalate"]
    data.rank_key, data.title, data.route = found["order"], found["title"], found["route"]
    data.status, data.assignee, data.assignee_id = found["status"], found["assignee"], found["assignee_id"]
    data.request_id = found["request_id"]
    data.created = [created or now_epoch for created in found["created"]]
    data.hay = [f"{key} {title} {route} {state_name(status)} {who}".lower() for key, title, route, status, who
                in zip(data.ids, data.title, found["route_text"], data.status, data.assignee, strict=True)]
    data.seq = found["doc"]
    data.issues = {key: models[key] for key in data.ids if key in models}
    data.request_at = {key: at for key, at in zip(data.ids, found["request_doc"], strict=True) if at is not None}
    if any(clock is not None for clock in found["clock"]):
        experts = {e.id: e for e in desk.store.experts.all()}
        calendars = desk.oncall.calendars()  # once, not a store refresh per row
        profiles: dict[str, Any] = {}
        clocks: list[tuple[sla.Target, ...]] = []
        for clock, status, profile in zip(found["clock"], data.status, data.profile, strict=True):
            if clock is None:
                clocks.append(())
                continue
            scorer = profiles.get(profile)
            if scorer is None:
                scorer = profiles[profile] = engine.profile(profile)
            clocks.append(running_clocks(clock, status, scorer, experts, calendars))
        data.clocks = clocks
    else:
        data.clocks = [()] * len(data.ids)
    return data


__all__ = ["columns", "load", "rows"]
