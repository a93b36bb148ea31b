"""The queue read-model: sort by any column (and reversed), the assignee and status filters (and their words)."""

from __future__ import annotations

import pytest

from triagedesk.app.queue import (
    MINE,
    SORTS,
    STATUS_FILTERS,
    UNASSIGNED,
    QueueData,
    QueueFilter,
    describe,
    order,
    status_filter,
)


def make() -> QueueData:
    data = QueueData()
    rows = [  # id, status, assignee id, assignee name, route, title, score
        ("INC-3", "assigned", "sec-maya", "Maya", "security", "breach", 0.9),
        ("APR-1", "new", "", "", "silver", "teapot", 0.4),  # the decision escalates it
        ("INC-2", "new", "", "", "dns", "dns flaps", 0.1),  # it does not
        ("APR-4", "pending_assignment", "", "", "watch", "rolex", 0.7),
        ("INC-5", "in_review", "net-ola", "Ola", "", "Zebra", 0.5),
    ]
    for n, (key, status, who, name, route, title, score) in enumerate(rows):
        data.ids.append(key)
        data.profile.append("infrastructure" if key.startswith("INC") else "appraisal")
        data.urgency.append(n % 4)
        data.score.append(score)
        data.escalate.append(key != "INC-2")
        data.rank_key.append(float(n))
        data.title.append(title)
        data.route.append(route)
        data.status.append(status)
        data.assignee.append(name)
        data.assignee_id.append(who)
        data.request_id.append(None if status == "new" else f"REQ-{n}")
        data.clocks.append(())
        data.created.append(float(n))
        data.hay.append(f"{key} {title} {route} {status} {name}".lower())
        data.issues[key] = None  # type: ignore[assignment]
    return data


def ids(data: QueueData, rows) -> list[str]:
    return [data.ids[i] for i in rows]


def test_sort_by_id_and_reversed() -> None:
    data = make()
    assert ids(data, order(data, QueueFilter(sort="id"), 0.0)) == ["APR-1", "APR-4", "INC-2", "INC-3", "INC-5"]
    backward = ["INC-5", "INC-3", "INC-2", "APR-4", "APR-1"]
    assert ids(data, order(data, QueueFilter(sort="id", reverse=True), 0.0)) == backward


def test_text_columns_sort_case_blind_with_blanks_last() -> None:
    data = make()
    titles = [data.title[i] for i in order(data, QueueFilter(sort="title"), 0.0)]
    assert titles == ["breach", "dns flaps", "rolex", "teapot", "Zebra"]
    assert [data.route[i] for i in order(data, QueueFilter(sort="route"), 0.0)][-1] == ""
    assert [data.assignee[i] for i in order(data, QueueFilter(sort="assignee"), 0.0)][:2] == ["Maya", "Ola"]
    assert [data.score[i] for i in order(data, QueueFilter(sort="score"), 0.0)] == [0.9, 0.7, 0.5, 0.4, 0.1]


@pytest.mark.parametrize("column", SORTS)
def test_every_column_sorts_and_reverses(column: str) -> None:
    data = make()
    forward = list(order(data, QueueFilter(sort=column), 0.0))
    backward = list(order(data, QueueFilter(sort=column, reverse=True), 0.0))
    assert sorted(forward) == list(range(5))
    assert backward == forward[::-1]


def test_sorting_again_by_the_same_column_reverses() -> None:
    spec = QueueFilter().sorted_by("id")
    assert (spec.sort, spec.reverse) == ("id", False)
    assert spec.sorted_by("id").reverse is True
    assert spec.sorted_by("id").sorted_by("id").reverse is False
    assert spec.sorted_by("id").sorted_by("title") == QueueFilter(sort="title")


def test_text_search_reversed_keeps_every_hit() -> None:
    data = make()
    forward = ids(data, order(data, QueueFilter(text="inc", sort="id"), 0.0))
    assert forward == ["INC-2", "INC-3", "INC-5"]
    assert ids(data, order(data, QueueFilter(text="inc", sort="id", reverse=True), 0.0)) == forward[::-1]


def test_assignee_filters() -> None:
    data = make()
    assert ids(data, order(data, QueueFilter(assignee=UNASSIGNED, sort="id"), 0.0)) == ["APR-1", "APR-4", "INC-2"]
    assert ids(data, order(data, QueueFilter(assignee=MINE), 0.0, me="net-ola")) == ["INC-5"]
    assert ids(data, order(data, QueueFilter(assignee="sec-maya"), 0.0)) == ["INC-3"]
    assert list(order(data, QueueFilter(assignee=MINE), 0.0, me=None)) == []
    assert "assigned to nobody" in describe(QueueFilter(assignee=UNASSIGNED))


def test_new_selects_every_issue_without_a_request_and_to_escalate_those_the_decision_escalates() -> None:
    data = make()
    rows = order(data, QueueFilter(status="new", sort="id"), 0.0)
    assert ids(data, rows) == ["APR-1", "INC-2"]
    assert all(data.request_id[i] is None for i in rows)
    assert ids(data, order(data, QueueFilter(status="to_escalate", sort="id"), 0.0)) == ["APR-1"]
    assert ids(data, order(data, QueueFilter(status="pending", sort="id"), 0.0)) == ["APR-4"]
    assert ids(data, order(data, QueueFilter(status="in_review", sort="id"), 0.0)) == ["INC-5"]


def test_a_status_filter_reads_by_its_one_name() -> None:
    assert describe(QueueFilter(status="in_review")).startswith("in review, ")
    assert describe(QueueFilter(status="to_escalate")).startswith("new, to escalate, ")
    assert describe(QueueFilter(status="new")).startswith("new, ")


@pytest.mark.parametrize("typed, value", [
    ("new", "new"), ("NEW", "new"), ("never_escalated", "new"), ("never escalated", "new"),
    ("in review", "in_review"), ("in_review", "in_review"), ("to escalate", "to_escalate"),
    ("new, to escalate", "to_escalate"), ("", "all"), ("every state", "all"), ("pending", "pending"),
])
def test_a_status_filter_is_named_by_its_token_its_name_or_an_old_spelling(typed: str, value: str) -> None:
    assert status_filter(typed) == value


@pytest.mark.parametrize("typed", ["-", "escalated", "pending_assignment", "completed", "newish"])
def test_a_word_that_names_no_status_filter_is_none(typed: str) -> None:
    assert status_filter(typed) is None


def test_every_filter_value_reads_back_as_itself() -> None:
    assert [status_filter(v) for v in STATUS_FILTERS] == list(STATUS_FILTERS)
