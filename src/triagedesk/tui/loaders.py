"""What the desk's thread workers compute, each in its own named function (the screen posts the results)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from triagedesk.app import memory, queue_updates
from triagedesk.app.desk import Closing, Desk
from triagedesk.app.queue import QueueData
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.models import Decision, Issue, Match
from triagedesk.domain.records import Session
from triagedesk.domain.requests import clocks as sla
from triagedesk.domain.requests.sessions import elapsed_seconds
from triagedesk.domain.requests.states import OPEN_STATUSES, state_name
from triagedesk.tui.giving_way import KEYS
from triagedesk.tui.widgets.sla_timer import Reading, TimerSpec


@dataclass
class Detail:
    """The highlighted issue: its decision, candidates, knowledge hits, and what its keys need to know."""

    issue: Issue
    decision: Decision
    match: Match | None
    hits: list[Hit]
    session: str | None = None
    """The status of its request's running session (active, paused), None without one."""
    opens_as: str = "pending_assignment"
    acknowledged: bool = False
    """The request's expert has acknowledged it."""
    awaiting_outcome: str | None = None
    """The request's latest ended session without an outcome (`o` records it)."""
    partial: bool = False
    """Found while the desk's warm-up built what candidates and past resolutions need: shown without them (the
    screen loads the detail again once they are ready)."""


def queue(desk: Desk, now: datetime, assignee: str | None = None) -> QueueData:
    """The open queue (one expert's, when given)."""
    memory.settled(False)  # a load in bulk: collections at the loading threshold until warm again (`warm`)
    return queue_updates.load(desk, now, assignee)


PATCH_WAIT = 0.2
"""Seconds at most a patch of the queue waits in all while keys are pending (its rows stay right within 1 s)."""


def patch(desk: Desk, data: QueueData) -> tuple[bool, queue_updates.Patch | None]:
    """Whether the store changed the queue's rows since the last patch, and the patch for it (None: a full load
    is cheaper); its reads wait while a key is pending (`GivingWay.letting_keys_pass`)."""
    changes = data.feed.drain()
    if not changes:
        return False, None
    return True, queue_updates.patch(desk, data, changes, desk.clock(), None, KEYS.letting_keys_pass(PATCH_WAIT))


class Superseded(Exception):
    """The cursor moved on while its detail was being found: the rest is not worth finding."""


WARM_PAUSE = 0.005
"""Seconds the warm-up sleeps after each index it builds: the UI thread has the GIL to itself meanwhile, so a key
pressed while the desk warms up paints as it would after (issue #24: the first repaint of a held key came 0.88 s
after the panes appeared)."""


def warm(desk: Desk, give_way: Callable[[], None] = KEYS.give_way,
         step: Callable[[], None] = KEYS.let_keys_pass) -> None:
    """Build what the side panes' lookups use (a worker, once the queue shows), one index at a time: after each,
    a short sleep and `give_way()` (the desk's: wait while keys come); within one, `step()` between its chunks
    of a few ms (the desk's: wait while a key is not painted yet; at 1M records one index's build is seconds of
    the interpreter, which the UI thread otherwise shared in turns)."""

    def between() -> None:
        time.sleep(WARM_PAUSE)
        give_way()

    desk.warm(between, step)
    memory.keep_loaded()  # the indexes live as long as the store
    memory.settled(True)  # from now on collections small and often


def load(desk: Desk, now: datetime, sort: Callable[[QueueData], object], shown: Callable[[QueueData], object],
         idle: Callable[[], object], wanted: Callable[[], bool] = lambda: True) -> None:
    """The queue's full load (a worker): loaded and sorted (`sort`) once `idle()` says the UI thread is free, handed
    to `shown`, then the warm-up once it is free again (the loaded queue shown first: at 1M, 50-100 ms CPU). A large
    store's details come without candidates from the load on (`Desk.expect_warm`), whatever fails before the warm.
    Not `wanted()` once the UI is idle (a newer load replaced it, the desk quits): it stops there, and the newer one
    loads and warms (a storm of store changes before the first queue shows left as many whole loads at work)."""
    desk.expect_warm(KEYS.let_keys_pass)
    try:
        idle()
        if not wanted():
            return  # (detail_ready is the newer load's to set)
        data = queue(desk, now)
        sort(data)  # sorted here, not on the UI thread
        shown(data)
        idle()
        if not wanted():
            return
    except BaseException:
        desk.detail_ready.set()
        raise
    with suppress(Closing):  # (the desk closing stops it: nothing is put in place half built)
        warm(desk)  # the indexes the panes' lookups use, before the first cursor move needs them


def details(desk: Desk, data: QueueData, issue_id: str, with_match: bool = True, expert_id: str | None = None,
            wanted: Callable[[], bool] | None = None) -> Iterator[Detail | None]:
    """`detail`, and when it came without candidates and past resolutions (the warm-up still building them) the
    same detail again, whole, once they are ready (`Superseded` if the cursor moves on meanwhile)."""
    found = detail(desk, data, issue_id, with_match, expert_id, wanted)
    yield found
    if found is not None and found.partial:
        while not desk.detail_ready.wait(0.05):
            if wanted is not None and not wanted():
                raise Superseded(issue_id)
        yield detail(desk, data, issue_id, with_match, expert_id, wanted)


def detail(desk: Desk, data: QueueData, issue_id: str, with_match: bool = True,
           expert_id: str | None = None, wanted: Callable[[], bool] | None = None) -> Detail | None:
    """Everything the side panes show for one issue (a cursor move loads this); the session facts are the desk's
    expert's own (an expert drives only their own session). `wanted()` is asked between the lookups: once it says
    no (a held key moved the cursor on), `Superseded` is raised, so moves made faster than their details are found
    leave one detail worker at work, not one per key, all competing with the UI thread for the GIL."""

    def still() -> None:
        if wanted is not None and not wanted():
            raise Superseded(issue_id)

    row = data.position(issue_id)
    at = data.seq[row] if row is not None and row < len(data.seq) else None
    issue = data.issues.get(issue_id) or desk.queries.issue_at(issue_id, at)
    if issue is None:
        return None
    still()
    decision = desk.engine.decide(issue)
    still()
    whole = desk.detail_ready.is_set()  # a cursor move during a large store's warm-up waits for none of it (a wait
    # of 20 ms here was a third of each of the first moves at 1M: the warm-up takes seconds there)
    match = desk.queries.candidates(issue) if with_match and whole else None
    still()
    hits = desk.queries.knowledge_for(f"{issue.title} {issue.description}", 3) if whole else []
    still()
    row = data.position(issue_id)
    request_id = data.request_id[row] if row is not None else None
    running = desk.queries.running_session(request_id, expert_id) if request_id and expert_id else None
    request = desk.queries.request_at(request_id, data.request_at.get(issue_id)) if request_id else None
    awaiting = desk.queries.awaiting_outcome(request_id, expert_id) if request_id and expert_id and running is None \
        else None
    acknowledged = request is not None and (request.acknowledged_at is not None or request.started_at is not None)
    return Detail(issue, decision, match, hits, running.status if running else None, desk.engine.opens_as(issue),
                  acknowledged=acknowledged, awaiting_outcome=awaiting.id if awaiting else None, partial=not whole)


def timers(desk: Desk, limit: int, expert_id: str | None = None,
           between: Callable[[], None] = lambda: None) -> tuple[list[TimerSpec], str]:
    """The most pressing clocks (and running sessions), as specs for the Timers pane: each reads its target
    through the domain's clock function at every tick. Read a state at a time, `between()` called after each
    and every 64 requests within one (the desk's: wait while a key is pending; each state read at its own
    instant), then ordered as one read orders them (`queries.clocks`)."""
    clocks, between = [], desk.stepping(between)  # (it stops once the desk closes: `Desk.closing`)
    for status in sorted(OPEN_STATUSES):
        clocks += desk.queries.clocks((status,), expert_id=expert_id, between=between)
        between()
    clocks.sort(key=lambda c: sla.order_key(c.pressing))  # type: ignore[arg-type]
    exposure = sla.refund_exposure([clock for c in clocks for clock in c.clocks])
    breached = sum(c.pressing is not None and c.pressing.state == "breached" for c in clocks)
    specs: list[TimerSpec] = []
    for found in clocks[:limit]:
        request = found.request
        who = request.assigned_expert_name or request.assigned_expert_id
        hint = found.suggestions[0].hint if found.suggestions else None
        shown = found.pressing
        what = "ack · " if shown is not None and shown.target == "acknowledge" else ""
        target = next((t for t in found.targets if shown is not None and t.name == shown.target), None)
        label = " · ".join(filter(None, (f"{what}{state_name(request.status)}", who, hint)))
        specs.append(TimerSpec(request.id, request.analysis_id, label, _reading(target)))
    for session in desk.queries.running_sessions(expert_id)[:limit]:
        label = " · ".join(filter(None, ("session", session.expert_id, session.channel)))
        specs.append(TimerSpec(session.id, session.issue_id, label, _session_reading(session), counts_up=True))
    summary = f"{len(clocks)} clocks · {breached} breached · refund exposure ${exposure:,.0f}"
    return specs, summary


def _reading(target: sla.Target | None) -> Reading:
    """How a timer reads its request's target at any instant: the one clock function."""

    def read(now: datetime) -> tuple[float, str]:
        if target is None:
            return 0.0, "stopped"
        return target.left_minutes(now) * 60, target.state(now)

    return read


def _session_reading(session: Session) -> Reading:
    def read(now: datetime) -> tuple[float, str]:
        return elapsed_seconds(session, now), "session" if session.status == "active" else "paused"

    return read


def on_call(desk: Desk, expert_id: str | None = None, limit: int = 4) -> list[str]:
    """The on-call pane's lines: each schedule's person now, until when, and who is next; on an expert's desk,
    their own next shifts first."""
    now = desk.clock()
    lines: list[str] = []
    if expert_id:
        shifts = desk.oncall.shifts_of(expert_id, now, 14)[:limit]
        lines += [f"you · {s.source} {s.start:%a %d %H:%M}-{s.end:%a %H:%M} UTC" for s in shifts] or \
            ["you · no shift in the next 14 days"]
    for answer, handoffs in desk.oncall.on_call(now, 1)[:limit]:
        until = f" until {answer.until:%a %H:%M}" if answer.until else ""
        following = f" → {handoffs[0].member or 'nobody'}" if handoffs else ""
        lines.append(f"{answer.schedule} · {answer.member or 'nobody'}{until}{following}")
    return lines
