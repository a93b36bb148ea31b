"""The open queue as plain column lists: scored by the domain, sorted and filtered without per-row objects.

`QueueData` holds one list per column and an `order` (a `range` until filtered or re-sorted);
the desk's virtual queue widget renders rows straight from these lists.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from typing import Any

import orjson

from triagedesk.app import assessments, queue_orders
from triagedesk.app.desk import Desk
from triagedesk.display import one_line
from triagedesk.domain import instants
from triagedesk.domain.models import URGENCIES, Expert, Issue
from triagedesk.domain.requests import clocks as sla
from triagedesk.domain.requests.states import (
    CLOSED_STATUSES,
    NEVER_ESCALATED,
    OPEN_STATUSES,
    PENDING_STATUSES,
    state_name,
)
from triagedesk.store import repositories

CLOSED = CLOSED_STATUSES
OPEN = OPEN_STATUSES
SORTS = ("urgency", "id", "score", "sla", "status", "assignee", "route", "title", "newest")
"""Every column the queue sorts by: `urgency` is urgency then score, `newest` the creation time."""
STATUS_FILTERS = ("all", "new", "pending", "assigned", "in_review", "waiting", "to_escalate")
"""The status filter's values (config.toml's `status` of a saved view, `f` cycles them): `new` is an issue
without a request (the one name of that state everywhere), `to_escalate` those of them the decision says to
escalate (last: the cycle kept its earlier order), `pending` a request awaiting payment or assignment, then the
held states by their token."""
STATUS_FILTER_NAMES = {"all": "every state", "new": "new", "pending": "pending", "assigned": "assigned",
                       "in_review": "in review", "waiting": "waiting", "to_escalate": "new, to escalate"}
"""How each filter reads (the queue's subtitle, a saved view's line)."""
OLD_STATUS_FILTERS = {"never_escalated": "new"}
"""Spellings of earlier versions, still read from saved views: `never_escalated` is `new` now. (The `new` of
those versions, a new issue the decision escalates, is `to_escalate`; a saved `new` now shows every new issue.)"""


def status_filter(text: str) -> str | None:
    """The filter value `text` names: a token (`in_review`), a name (`in review`, `new, to escalate`), any case,
    or an earlier version's spelling; None when it names none."""
    wanted = " ".join(text.strip().lower().replace("_", " ").replace(",", " ").split())
    if not wanted:
        return "all"
    for value, name in STATUS_FILTER_NAMES.items():
        if wanted in (value.replace("_", " "), " ".join(name.replace(",", " ").split())):
            return value
    return OLD_STATUS_FILTERS.get(wanted.replace(" ", "_"))
UNASSIGNED = "unassigned"
MINE = "mine"
"""Assignee filter values besides an expert id: nobody holds the request yet, or the desk's own expert."""


@dataclass
class QueueData:
    """Open issues as columns. Index `i` is the same issue in every list."""

    ids: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    urgency: list[int] = field(default_factory=list)
    score: list[float] = field(default_factory=list)
    escalate: list[bool] = field(default_factory=list)
    rank_key: list[float] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    route: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    assignee: list[str] = field(default_factory=list)
    assignee_id: list[str] = field(default_factory=list)
    request_id: list[str | None] = field(default_factory=list)
    clocks: list[tuple[sla.Target, ...]] = field(default_factory=list)
    """Each row's running SLA targets (`clocks.targets`): what the SLA column reads, through the one function."""
    created: list[float] = field(default_factory=list)
    hay: list[str] = field(default_factory=list)
    seq: list[int] = field(default_factory=list)
    """Where each issue sits in the store (its doc_id): rows stay in this order, as a full load reads them."""
    issues: dict[str, Issue] = field(default_factory=dict)
    request_at: dict[str, int] = field(default_factory=dict)
    """issue id -> the doc_id of its row's request, where the load knew it (a detail reads it without an index)."""
    sorted_rows: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    sorted_at: dict[tuple[str, int], float] = field(default_factory=dict)
    """When each kept order was sorted (`queue_orders.repatch` bisects changed rows in at that instant)."""
    haystacks: dict[tuple[str, int], tuple[str, list[int], list[str]]] = field(default_factory=dict)
    feed: Any = None
    """The store's changes since this was loaded (`queue_updates.Feed`); None for a queue not kept in step."""

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, issue_id: str) -> int | None:
        try:
            return self.ids.index(issue_id)
        except ValueError:
            return None

    def pressing(self, row: int, now: datetime) -> sla.Target | None:
        """The row's target with the least time left (the one Timers shows first), None without a clock."""
        found = self.clocks[row]
        if not found:
            return None
        return found[0] if len(found) == 1 else min(found, key=lambda t: t.left_minutes(now))

    def sla_state(self, row: int, now_epoch: float) -> str | None:
        """The domain's colour of the row's clock (ok, at_risk, breached, paused); None without a clock."""
        now = datetime.fromtimestamp(now_epoch, UTC)
        target = self.pressing(row, now)
        return None if target is None else target.state(now)

    def sla_left_minutes(self, row: int, now_epoch: float) -> float | None:
        """Working minutes left on the row's pressing target (frozen while waiting); None without a clock."""
        now = datetime.fromtimestamp(now_epoch, UTC)
        target = self.pressing(row, now)
        return None if target is None else target.left_minutes(now)


class Stored:
    """A stored request's clock fields, read without loading the record (the queue's light view of it)."""

    __slots__ = ("status", "urgency", "submitted_at", "paid_at", "due_at", "ack_due_at", "assigned_at",
                 "acknowledged_at", "started_at", "completed_at", "waiting_since", "paused_minutes", "tier_id")
    status: str
    urgency: str
    tier_id: str | None
    submitted_at: datetime
    paid_at: datetime | None
    due_at: datetime | None
    ack_due_at: datetime | None
    assigned_at: datetime | None
    acknowledged_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    waiting_since: datetime | None
    paused_minutes: float

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Stored | None:
        """The view, or None when a field is not what a request holds (such a row shows no clock)."""
        view = cls()
        try:
            for name in cls.__slots__[2:-2]:
                value = doc.get(name)
                setattr(view, name, _instant(value) if value else None)
            view.paused_minutes = float(doc.get("paused_minutes") or 0.0)
        except (TypeError, ValueError):
            return None
        view.status, view.urgency = str(doc.get("status")), str(doc.get("urgency"))
        view.tier_id = str(doc["tier_id"]) if doc.get("tier_id") else None
        return view if view.submitted_at is not None else None


def _instant(text: Any) -> datetime:
    return instants.parse(str(text))


usable_request = repositories.usable_request
"""A request the queue can show: another client's malformed one is left out, not a crash of the queue."""


def load(desk: Desk, now: datetime, assignee: str | None = None) -> QueueData:
    """Every open issue (no request yet, or a request still open) with its score and clock.

    `assignee` keeps only issues whose request is assigned to that expert (the expert's view). The rows come from
    the queue's side file and the records changed since (app/queue_start.py), so a start costs what changed.
    """
    from triagedesk.app import queue_start  # (it builds on this module's columns)

    return queue_start.load(desk, now, assignee)


def load_scanning(desk: Desk, now: datetime, assignee: str | None = None) -> QueueData:
    """`load` as it was: every issue and every request read (the bench's baseline, and the tests' reference)."""
    store = desk.store
    experts = {e.id: e for e in store.experts.all()}
    latest: dict[str, dict[str, Any]] = {}
    for doc in store.requests.raw():
        if not usable_request(doc):
            continue
        key = doc.get("analysis_id") or ""
        held = latest.get(key)
        if held is None or (doc.get("submitted_at") or "") >= (held.get("submitted_at") or ""):  # last on a tie
            latest[key] = doc
    data = QueueData()
    now_epoch = now.timestamp()
    _fill(data, desk, [(d.get("id") or "", orjson.dumps(d)) for d in store.issues.raw()], latest, now_epoch,
          assignee, experts)
    return data


def _fill(data: QueueData, desk: Desk, docs: list[tuple[str, bytes]], latest: dict[str, dict[str, Any]],
          now_epoch: float, assignee: str | None, experts: dict[str, Expert]) -> None:
    """Append the rows of `docs` (each issue's id and stored JSON, parsed only when its assessment is not cached)."""
    cache = assessments.of(desk)
    calendars = desk.oncall.calendars()  # once, not a store refresh per row
    for issue_id, raw in docs:
        request = latest.get(issue_id)
        status = request.get("status") if request else None
        if status in CLOSED:
            continue
        if assignee is not None and (request is None or request.get("assigned_expert_id") != assignee):
            continue
        assessed = cache.assess(desk, raw)  # parsed, validated and scored only when not cached
        if assessed is None:
            continue  # one the models cannot load is skipped, with a notice
        key = assessed.key
        if assessed.issue is not None:
            data.issues[key] = assessed.issue
        data.ids.append(key)
        data.profile.append(assessed.profile)
        data.urgency.append(assessed.urgency)
        data.score.append(assessed.score)
        data.escalate.append(assessed.escalate)
        data.rank_key.append(assessed.order)
        data.title.append(assessed.title)
        route = assessed.route_text
        data.route.append(assessed.route)
        profile = desk.engine.profile(assessed.profile)
        shown = status or NEVER_ESCALATED
        data.status.append(shown)
        data.assignee.append(one_line((request or {}).get("assigned_expert_name") or "", 30))
        data.assignee_id.append((request or {}).get("assigned_expert_id") or "")
        data.request_id.append(request.get("id") if request else None)
        data.clocks.append(running_clocks(request, status, profile, experts, calendars))
        data.created.append(assessed.created or now_epoch)
        data.hay.append(f"{key} {data.title[-1]} {route} {state_name(shown)} {data.assignee[-1]}".lower())


def running_clocks(request: dict[str, Any] | None, status: str | None, profile: Any, experts: dict[str, Expert],
                   calendars: Any) -> tuple[sla.Target, ...]:
    """A row's running SLA targets: those of its request while it is open (none for a malformed one)."""
    if request is None or status not in OPEN:
        return ()
    view = Stored.of(request)
    if view is None:
        return ()
    holder = experts.get(request.get("assigned_expert_id") or "")
    return tuple(t for t in sla.targets(view, profile, holder, calendars) if t.running())


@dataclass(frozen=True)
class QueueFilter:
    """What the coordinator narrowed the queue to."""

    text: str = ""
    urgency: int | None = None
    status: str = "all"
    profile: str | None = None
    sort: str = "urgency"
    assignee: str | None = None
    """None: everyone; `unassigned`; `mine` (the expert's own); or an expert id."""
    reverse: bool = False

    def is_plain(self) -> bool:
        return (not self.text and self.urgency is None and self.status == "all" and self.profile is None
                and self.assignee is None)

    def replace(self, **changes: Any) -> QueueFilter:
        return dataclasses.replace(self, **changes)

    def sorted_by(self, column: str) -> QueueFilter:
        """Sorted by `column`; asking for the column already sorted by reverses it."""
        if column == self.sort:
            return self.replace(reverse=not self.reverse)
        return self.replace(sort=column, reverse=False)


def _status_matches(shown: str, escalate: bool, wanted: str) -> bool:
    if wanted == "all":
        return True
    if wanted == "to_escalate":
        return shown == NEVER_ESCALATED and escalate
    if wanted == "pending":
        return shown in PENDING_STATUSES
    return shown == wanted


def sorted_rows(data: QueueData, sort: str, now_epoch: float) -> list[int]:
    """Every row in one of the sort orders, computed once (SLA order once a minute)."""
    key = (sort, int(now_epoch // 60) if sort == "sla" else 0)
    found = data.sorted_rows.get(key)
    if found is not None:
        return found
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    rows = queue_orders.full(data, sort, now_epoch)
    if sort == "sla":  # only the current minute's SLA order is kept
        data.sorted_rows = {k: v for k, v in data.sorted_rows.items() if k[0] != "sla"}
    data.sorted_rows[key] = rows
    data.sorted_at[key] = now_epoch  # the instant its keys were read (a patch reads the changed rows' at it)
    haystack(data, key, rows)  # ready before the first keystroke
    return rows


def order(data: QueueData, spec: QueueFilter, now_epoch: float, within: Sequence[int] | None = None,
          me: str | None = None) -> Sequence[int]:
    """Row indices to show, sorted. `within` narrows an earlier result (a longer filter text);
    `me` is the expert the `mine` assignee filter means."""
    needle = spec.text.lower()
    if within is None:
        everything = sorted_rows(data, spec.sort, now_epoch)
        rows: Sequence[int] = _search(data, spec.sort, now_epoch, everything, needle) if needle else everything
        if spec.reverse:
            rows = rows[::-1]
    else:
        hay = data.hay
        rows = [i for i in within if needle in hay[i]] if needle else within
    if spec.urgency is not None:
        rows = [i for i in rows if data.urgency[i] == spec.urgency]
    if spec.status != "all":
        rows = [i for i in rows if _status_matches(data.status[i], data.escalate[i], spec.status)]
    if spec.profile is not None:
        rows = [i for i in rows if data.profile[i] == spec.profile]
    if spec.assignee is not None:
        wanted = me if spec.assignee == MINE else spec.assignee
        held = data.assignee_id
        if spec.assignee == UNASSIGNED:
            rows = [i for i in rows if not held[i]]
        else:
            rows = [i for i in rows if held[i] == wanted]
    return rows


def haystack(data: QueueData, key: tuple[str, int], rows: list[int]) -> tuple[str, list[int], list[str]]:
    """Every row's search text in `rows` order, joined, with where each starts (built once per order)."""
    found = data.haystacks.get(key)
    if found is None:
        texts = [data.hay[i] for i in rows]
        starts, position = [], 0
        for text in texts:
            starts.append(position)
            position += len(text) + 1
        found = ("\n".join(texts), starts, texts)
        data.haystacks = {key: found}
    return found


def _search(data: QueueData, sort: str, now_epoch: float, rows: list[int], needle: str) -> list[int]:
    """Rows (in `rows` order) whose text holds `needle`: one C-level scan of every row's text joined,
    each hit mapped back to its row, so a keystroke over 100k rows stays a few milliseconds."""
    text, starts, texts = haystack(data, (sort, int(now_epoch // 60) if sort == "sla" else 0), rows)
    if "\n" in needle or len(needle) < 3:
        return list(compress(rows, [needle in t for t in texts]))  # short needles hit almost every row
    hits: list[int] = []
    find = text.find
    at = find(needle)
    while at >= 0:
        slot = bisect_right(starts, at) - 1
        hits.append(rows[slot])
        at = find(needle, starts[slot + 1] if slot + 1 < len(starts) else len(text))
    return hits


def describe(spec: QueueFilter, names: dict[str, str] | None = None) -> str:
    """The filters in words; `names` shows an expert's name for their id."""
    parts = []
    if spec.text:
        parts.append(f"text “{spec.text}”")
    if spec.urgency is not None:
        parts.append(URGENCIES[spec.urgency])
    if spec.status != "all":
        parts.append(STATUS_FILTER_NAMES.get(spec.status, spec.status))
    if spec.profile:
        parts.append(spec.profile)
    if spec.assignee is not None:
        holder = (names or {}).get(spec.assignee, spec.assignee)
        parts.append("assigned to nobody" if spec.assignee == UNASSIGNED else
                     "mine" if spec.assignee == MINE else f"assigned to {holder}")
    parts.append(f"sorted by {spec.sort}{' (reversed)' if spec.reverse else ''}")
    return ", ".join(parts)


__all__ = ["QueueData", "QueueFilter", "load", "order", "describe", "status_filter", "SORTS", "STATUS_FILTERS",
           "UNASSIGNED", "MINE"]
