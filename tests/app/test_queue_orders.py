"""A patched queue's kept sort orders equal a full sort of its rows, for random patch sequences: rows updated,
removed, inserted among the others or appended, many keys tied, every sort and filter; and the SLA order patched
at the instant it was sorted."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.clock import T0
from triagedesk.app import queue_orders
from triagedesk.app.queue import SORTS, UNASSIGNED, QueueData, QueueFilter, order
from triagedesk.app.queue_updates import Patch, apply
from triagedesk.domain.requests.clocks import TWENTY_FOUR_SEVEN, Target

SPECS = [QueueFilter(sort=sort) for sort in SORTS] + [
    QueueFilter(sort=sort, reverse=True) for sort in SORTS] + [
    QueueFilter(text="ab"), QueueFilter(text="bca", sort="sla"), QueueFilter(status="assigned", sort="assignee"),
    QueueFilter(urgency=0, sort="newest"), QueueFilter(profile="p1", sort="score"),
    QueueFilter(assignee=UNASSIGNED, sort="title"), QueueFilter(assignee="e1", reverse=True),
    QueueFilter(status="to_escalate", sort="route"), QueueFilter(text="a", status="new", sort="id"),
]
NOW = T0.timestamp()

# few distinct values: ties in every sort
words = st.sampled_from(["", "-", "ab", "Ab", "bca", "zz"])
row = st.fixed_dictionaries({
    "urgency": st.integers(0, 3), "score": st.sampled_from([0.0, 1.5, 1.5, 7.25]),
    "escalate": st.booleans(), "title": words, "route": words,
    "status": st.sampled_from(["new", "assigned", "in_review", "pending_assignment"]),
    "assignee_id": st.sampled_from(["", "e1", "e2"]), "profile": st.sampled_from(["p1", "p2"]),
    "created": st.sampled_from([1.0, 2.0, 2.0, 3.5]),
    "due": st.none() | st.sampled_from([-30, 0, 45, 45, 600]),
    "waiting": st.booleans(),
})


def target(due: float | None, waiting: bool) -> tuple[Target, ...]:
    if due is None:
        return ()
    return (Target("resolve", T0 - timedelta(hours=1), T0 + timedelta(minutes=due), 60.0, TWENTY_FOUR_SEVEN,
                   frozen_at=T0 - timedelta(minutes=5) if waiting else None),)


def rows_of(items: list[tuple[str, int, dict[str, Any]]]) -> QueueData:
    data = QueueData()
    for issue_id, seq, r in items:
        data.ids.append(issue_id)
        data.seq.append(seq)
        data.profile.append(r["profile"])
        data.urgency.append(r["urgency"])
        data.score.append(r["score"])
        data.escalate.append(r["escalate"])
        data.rank_key.append(r["urgency"] * 100 - r["score"])
        data.title.append(r["title"])
        data.route.append(r["route"])
        data.status.append(r["status"])
        data.assignee.append(r["assignee_id"].upper())
        data.assignee_id.append(r["assignee_id"])
        data.request_id.append(None)
        data.clocks.append(target(r["due"], r["waiting"]))
        data.created.append(r["created"])
        data.hay.append(f"{issue_id} {r['title']} {r['route']}".lower())
    return data


@st.composite
def histories(draw: st.DrawFn) -> tuple[QueueData, list[Patch], list[int]]:
    count = draw(st.integers(0, 25))
    seqs = sorted(draw(st.sets(st.integers(1, 200), min_size=count, max_size=count)))
    data = rows_of([(f"I-{s}", s, draw(row)) for s in seqs])
    patches, minutes = [], []
    known = dict(zip(data.ids, data.seq, strict=True))
    for _ in range(draw(st.integers(1, 5))):
        ids = sorted(known)
        changed = draw(st.lists(st.sampled_from(ids), unique=True, max_size=6)) if ids else []
        gone = set(draw(st.lists(st.sampled_from(ids), unique=True, max_size=3))) - set(changed) if ids else set()
        added = draw(st.lists(st.integers(1, 400), unique=True, max_size=20))  # among the others, or after them
        added = [s for s in added if f"I-{s}" not in known]
        items = [(i, known[i], draw(row)) for i in changed] + [(f"I-{s}", s, draw(row)) for s in added]
        items.sort(key=lambda item: item[0])  # a patch's rows come in id order
        patches.append(Patch(rows_of(items), gone))
        for issue_id in gone:
            del known[issue_id]
        known.update({f"I-{s}": s for s in added})
        minutes.append(draw(st.sampled_from([0, 0, 1])))  # the SLA order of an earlier minute is dropped
    return data, patches, minutes


def resorted(data: QueueData) -> QueueData:
    """The same rows with no kept order: each `order` sorts them in full."""
    return dataclasses.replace(data, sorted_rows={}, sorted_at={}, haystacks={})


@settings(max_examples=200, deadline=None)
@given(histories())
def test_patched_orders_equal_a_full_sort(history: tuple[QueueData, list[Patch], list[int]]) -> None:
    data, patches, minutes = history
    now = NOW
    for spec in SPECS:
        order(data, spec, now, me="e1")  # every order kept, to be patched
    for change, later in zip(patches, minutes, strict=True):
        apply(data, change)
        assert data.seq == sorted(data.seq)  # rows stay in the store's order
        now += later * 60
        full = resorted(data)
        for spec in SPECS:
            got = list(order(data, spec, now, me="e1"))
            assert got == list(order(full, spec, now, me="e1")), spec
        assert len(data.sorted_rows) >= 1


def test_an_order_patched_for_many_rows_is_sorted_again() -> None:
    """A patch changing most rows drops the orders (a sort is cheaper than bisecting each in); asked again, the
    order is right."""
    r = {"urgency": 1, "score": 1.5, "escalate": False, "title": "ab", "route": "", "status": "new",
         "assignee_id": "", "profile": "p1", "created": 1.0, "due": None, "waiting": False}
    data = rows_of([(f"I-{n}", n, r) for n in range(1, 9)])
    order(data, QueueFilter(), NOW)
    assert list(data.sorted_rows) == [("urgency", 0)]
    apply(data, Patch(rows_of([(f"I-{n}", n, dict(r, urgency=n % 4)) for n in range(1, 5)])))
    assert data.sorted_rows == {}
    assert list(order(data, QueueFilter(), NOW)) == queue_orders.full(resorted(data), "urgency", NOW)


def test_an_unknown_sort_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sort 'colour'"):
        queue_orders.row_key(QueueData(), "colour", NOW)


def test_the_sla_order_is_patched_at_the_instant_it_was_sorted() -> None:
    """Rows bisected into the SLA order read their time left at the order's instant, not the patch's: a running
    clock that passes a waiting (frozen) one within the minute goes where the full sort at that instant had it."""
    r = {"urgency": 1, "score": 1.5, "escalate": False, "title": "ab", "route": "", "status": "new",
         "assignee_id": "", "profile": "p1", "created": 1.0, "waiting": False}
    unclocked = [(f"I-{n}", n, dict(r, due=None)) for n in range(4, 10)]  # last in the SLA order
    data = rows_of([("I-1", 1, dict(r, due=30)), ("I-2", 2, dict(r, due=40, waiting=True)), *unclocked])
    sorted_at = NOW  # I-1 has 30 min left, I-2 45 (frozen)
    assert [data.ids[i] for i in order(data, QueueFilter(sort="sla"), sorted_at)][:2] == ["I-1", "I-2"]
    later = sorted_at + 50  # the same minute: the order sorted at `sorted_at` is kept
    assert int(later // 60) == int(sorted_at // 60)
    apply(data, Patch(rows_of([("I-3", 3, dict(r, due=45.5))])))  # 45.5 min left then, 44.7 at `later`
    assert ("sla", int(sorted_at // 60)) in data.sorted_rows  # patched, not dropped
    got = [data.ids[i] for i in order(data, QueueFilter(sort="sla"), later)]
    assert got[:3] == ["I-1", "I-2", "I-3"]
    assert got == [data.ids[i] for i in queue_orders.full(resorted(data), "sla", sorted_at)]
    assert [data.ids[i] for i in queue_orders.full(resorted(data), "sla", later)][:3] == ["I-1", "I-3", "I-2"]
