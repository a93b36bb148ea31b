"""The server's generated `validate_doc_update` (run by Node, as CouchDB's JavaScript would) and the desks' check
on arrival (`rights.refusal`) agree on every role, pair of states and request field, and both let every move of
the action table write its own fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.node_validate import server
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.actions import ACTIONS
from triagedesk.domain.requests.conflicts import LIFECYCLE_RANK, lifecycle_winner
from triagedesk.domain.requests.rights import SERVER_ROLES, deletion_refusal, refusal
from triagedesk.domain.requests.states import REQUEST_STATUSES
from triagedesk.sync.shapes import kind_shape
from triagedesk.sync.wire import shape_of

DEFAULTS = shape_of(ExpertRequest).defaults
REQUEST_SHAPE = kind_shape(ExpertRequest)
FIELDS = [name for name in ExpertRequest.model_fields if name not in ("id", "status")]
USERS = {"coordinator": {"name": "cora", "roles": ["coordinator"]},
         "expert": {"name": "ann", "roles": ["expert", "expert:ann"]},
         "admin": {"name": "root", "roles": ["_admin"]}}



def base(status: str, holder: str = "ann") -> dict[str, Any]:
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    return ExpertRequest(id="r1", analysis_id="i1", submitted_at=at, status=status, assigned_expert_id=holder,
                         price=25.0, tier_id="basic").model_dump(mode="json")


def fitting(shape: dict[str, Any]) -> Any:
    """A value of a field's shape (the server's type checks pass it)."""
    kinds = [t for t in shape.get("t", ["string"]) if t != "null"]
    if "enum" in shape:
        return shape["enum"][-1]
    if shape.get("f") == "date-time":
        return "2026-02-01T00:00:00Z"
    if "props" in shape:
        return {name: fitting(shape["props"][name]) for name in shape["req"]}
    return {"string": "x", "number": 1.0, "integer": 1, "boolean": True, "array": [], "object": {}}[kinds[0]]


def other(value: Any, name: str) -> Any:
    """A different JSON value of the same shape (one the server's type checks, from the models, still pass)."""
    shape = REQUEST_SHAPE["props"][name]
    if value is None:
        return fitting(shape)
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, list):
        return [*value, fitting(shape["items"])]
    if isinstance(value, dict):
        return {**value, "x": 1}
    if "enum" in shape:
        return next(v for v in shape["enum"] if v != value)
    if shape.get("f") == "date-time":
        return "2026-03-01T00:00:00Z" if value != "2026-03-01T00:00:00Z" else "2026-03-02T00:00:00Z"
    return f"{value or ''}-changed"


def case(role: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {"role": role, "old": {"_id": "requests:r1", "type": "requests", "data": old},
            "doc": {"_id": "requests:r1", "type": "requests", "data": new}, "user": USERS[role]}


def desk(c: dict[str, Any]) -> str | None:
    return refusal(c["role"], "ann", c["old"]["data"], c["doc"]["data"], DEFAULTS)


def test_every_role_state_pair_and_field_is_judged_alike() -> None:
    cases = []
    for role in USERS:
        for before in REQUEST_STATUSES:
            for after in REQUEST_STATUSES:
                for name in FIELDS:
                    old = base(before)
                    cases.append(case(role, old, {**old, "status": after, name: other(old[name], name)}))
                old = base(before, holder="bob")
                cases.append(case(role, old, {**old, "status": after}))
    answers = server(cases)
    assert len(answers) == len(cases) > 3000
    mismatched = [(c["role"], c["old"]["data"]["status"], c["doc"]["data"]["status"], server_said, desk(c))
                  for c, server_said in zip(cases, answers, strict=True) if server_said != desk(c)]
    assert mismatched == []
    refused = [a for a in answers if a]
    assert refused and any("may not change price" in a for a in refused)
    assert any("never moves back from completed to pending assignment" in a for a in refused)


def test_every_move_of_the_table_may_write_its_own_fields_and_no_others() -> None:
    cases, expected = [], []
    for action in ACTIONS.values():
        if "*" in action.fields or not action.fields:
            continue
        for role, acting in SERVER_ROLES.items():
            if not set(acting) & set(action.roles):
                continue
            moves = action.moves_from if action.moves_from is not None else action.states
            for before in sorted(s for s in action.states if s is not None):
                after = before if action.to is None or before not in moves else \
                    "in_review" if action.to == "resume" else action.to
                for name in sorted(action.fields - {"status"}):
                    old = base(before)
                    cases.append(case(role, old, {**old, "status": after, name: other(old[name], name)}))
                    expected.append(None)
                old = base(before)
                cases.append(case(role, old, {**old, "status": after, "price": 0.01}))
                expected.append("may not change price of a request")
    assert len(cases) > 50
    for c, said, wanted in zip(cases, server(cases), expected, strict=True):
        if wanted is None:
            assert said is None and desk(c) is None, (c["role"], c["old"]["data"]["status"], said)
        else:
            assert said and wanted in said and desk(c) == said


@settings(max_examples=5, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(USERS)), st.sampled_from(REQUEST_STATUSES),
                          st.sampled_from(REQUEST_STATUSES), st.sets(st.sampled_from(FIELDS), max_size=4),
                          st.sampled_from(["ann", "bob", None])), min_size=50, max_size=120))
def test_random_revisions_are_judged_alike(drawn: list[tuple[str, str, str, set[str], str | None]]) -> None:
    cases = []
    for role, before, after, names, holder in drawn:
        old = base(before, holder or "ann")
        if holder is None:
            old.pop("assigned_expert_id")  # left out, as the wire does for a null
        cases.append(case(role, old, {**old, "status": after, **{n: other(old.get(n), n) for n in names}}))
    for c, said in zip(cases, server(cases), strict=True):
        assert said == desk(c)


def test_the_lifecycle_order_is_total() -> None:
    """`pick` sorts by LIFECYCLE_RANK: it must agree with the pairwise rule, or two servers could disagree."""
    pairs = [(a, b) for a in REQUEST_STATUSES for b in REQUEST_STATUSES if a != b]
    assert pairs
    for a, b in pairs:
        by_rank = None if LIFECYCLE_RANK[a] == LIFECYCLE_RANK[b] else \
            ("mine" if LIFECYCLE_RANK[a] > LIFECYCLE_RANK[b] else "theirs")
        assert lifecycle_winner(a, b) == by_rank, (a, b)


def test_a_deletion_is_judged_alike_in_every_state() -> None:
    """The server's refusal of deleting a request and the desks' on arrival (`deletion_refusal`): the same words."""
    cases = [{"doc": {"_id": "requests:r1", "_deleted": True}, "old": {"_id": "requests:r1", "type": "requests",
                                                                      "data": base(status)},
              "user": USERS["coordinator"]} for status in REQUEST_STATUSES]
    said = server(cases)
    assert len(said) == len(REQUEST_STATUSES) > 5
    assert said == [deletion_refusal(status) for status in REQUEST_STATUSES]
    assert said.count(None) == 2 and said[-1] is not None
