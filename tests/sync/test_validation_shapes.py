"""The team server's field checks are the domain models' shapes (`sync/shapes.py`): a document the server takes is
one every desk loads, and a hostile one from another client (curl, nano, PouchDB) is refused at the server with
the field named, not only quarantined by each desk after it arrived."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.node_validate import server
from triagedesk.domain.kinds import MODELS
from triagedesk.sync.arrival import Admitted, admit
from triagedesk.sync.shapes import kind_shape

T = "2026-01-05T09:00:00Z"
NOW = datetime(2026, 1, 6, tzinfo=UTC)
CORA = {"name": "cora", "roles": ["coordinator"]}
VALID = {
    "issues": {"title": "Payments down", "users_affected": 40},
    "experts": {"name": "Ann", "rating": 4.5},
    "requests": {"analysis_id": "INC-1", "submitted_at": T},
    "sessions": {"issue_id": "INC-1", "expert_id": "ann", "started_at": T},
    "outcomes": {"issue_id": "INC-1", "expert_id": "ann", "resolution_achieved": True, "created_at": T},
    "corrections": {"field": "urgency", "request_id": "r1", "expert_id": "ann", "created_at": T},
    "knowledge": {"issue_id": "INC-1", "title": "Restart the pool", "created_at": T},
    "audit": {"at": T, "actor": "cora", "action": "assign", "kind": "requests", "target_id": "r1"},
    "outbox": {"event": "assigned", "kind": "assignment", "created_at": T},
    "alerts": {"fingerprint": "f1", "arrived_at": T, "received_at": T},
}
"""A valid document of each kind whose model has no whole-record rule (schedules, calendars and maintenance
windows have one: their own tests hold them)."""
KEYS = {"issues": "INC-1", "experts": "ann", "requests": "r1", "sessions": "s1", "outcomes": "o1",
        "corrections": "c1", "knowledge": "k1", "audit": "a1", "outbox": "m1", "alerts": "al1"}
OWN_RULES = {"issues": {"id", "profile", "created_at", "last_seen"}, "experts": {"email", "contacts", "timezone"},
             "requests": {"profile"}}
"""Fields a model checks by its own code (a profile's name, a known zone, an e-mail): the desks' to refuse."""


def doc(kind: str, data: dict[str, Any], records: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {"_id": f"{kind}:{KEYS[kind]}", "type": kind, "updated_at": T, "data": data}
    if records is not None:
        out["records"] = records
    return out


def judged(docs: list[dict[str, Any]]) -> list[tuple[str | None, bool]]:
    """(the server's refusal or None, whether a desk admits it) for each document, created by a coordinator."""
    said = server([{"doc": d, "old": None, "user": CORA} for d in docs])
    return [(s, isinstance(admit(d, MODELS, NOW), Admitted)) for s, d in zip(said, docs, strict=True)]


def test_every_valid_example_passes_both() -> None:
    docs = [doc(kind, data) for kind, data in VALID.items()]
    assert [j for j in judged(docs)] == [(None, True)] * len(VALID)


HOSTILE = [
    ("requests", {"expert_corrections": "garbage"}, "data.expert_corrections must be a list"),
    ("requests", {"expert_corrections": [{"explanation": "no field"}]}, "data.expert_corrections[0].field is required"),
    ("requests", {"expert_corrections": [{"field": ""}]}, "data.expert_corrections[0].field must have at least 1"),
    ("requests", {"expert_corrections": [{"field": "x", "confidence": 2}]}, "confidence must be at most 1"),
    ("requests", {"rating": 9}, "data.rating must be at most 5"),
    ("requests", {"rating": 4.5}, "data.rating must be an integer or null"),
    ("requests", {"price": -1}, "data.price must be at least 0"),
    ("requests", {"status": "bogus"}, "data.status must be one of"),
    ("requests", {"submitted_at": "yesterday"}, "data.submitted_at must be a date-time"),
    ("requests", {"submitted_at": "2026-02-30T09:00:00Z"}, "data.submitted_at must be a date-time"),
    ("requests", {"submitted_at": "2025-02-29T09:00:00Z"}, "data.submitted_at must be a date-time"),
    ("requests", {"due_at": "2026-01-05T24:00:00Z"}, "data.due_at must be a date-time"),
    ("requests", {"estimated_value": {"min": 5}}, "data.estimated_value.max is required"),
    ("requests", {"lapsed_expert_ids": ["ann", 7]}, "data.lapsed_expert_ids[1] must be a string"),
    ("issues", {"users_affected": "many"}, "data.users_affected must be an integer"),
    ("issues", {"confidence": 1.5}, "data.confidence must be at most 1"),
    ("experts", {"rating": "five"}, "data.rating must be a number"),
    ("outcomes", {"resolution_achieved": "yes"}, "data.resolution_achieved must be true or false"),  # (a desk reads
    # "yes" as true, pydantic's lax mode: the server may be stricter than a desk, never looser)
    ("outbox", {"kind": "page"}, "data.kind must be one of"),
]


def test_hostile_documents_are_refused_by_the_server_naming_the_field_and_by_every_desk() -> None:
    docs = [doc(kind, {**VALID[kind], **change}) for kind, change, _ in HOSTILE]
    for (kind, change, reason), (said, admitted) in zip(HOSTILE, judged(docs), strict=True):
        assert said is not None and reason in said, (kind, change, said)
        assert not admitted or change == {"resolution_achieved": "yes"}, (kind, change)


def test_a_record_a_request_carries_is_checked_by_its_kinds_shape() -> None:
    good = {"updated_at": T, "data": {**VALID["corrections"], "id": "c1"}}
    bad = {"updated_at": T, "data": {**VALID["corrections"], "id": "c2", "created_at": "soon"}}
    said = server([{"doc": doc("requests", VALID["requests"], {"corrections:c1": good}), "old": None, "user": CORA},
                   {"doc": doc("requests", VALID["requests"], {"corrections:c2": bad}), "old": None, "user": CORA}])
    assert said[0] is None
    assert said[1] == "records.corrections:c2.data.created_at must be a date-time (ISO 8601)"


EDGE_TEXTS = ["", "x", "2026-01-05T09:00:00Z", "2026-01-05T09:00:00+01:00", "2026-01-05T09:00:00.123456Z",
              "2026-01-05T09:00:00.1234567Z", "2026-01-05 09:00", "2026-01-05", "2024-02-29T00:00:00Z",
              "2026-13-01T00:00:00Z", "2026-01-05T09:60:00Z", "2026-01-05T09:00:00+2400", "critical", "assignment",
              "pending_assignment", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats(-2, 1e9, allow_nan=False, allow_infinity=False)
    | st.sampled_from(EDGE_TEXTS) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["min", "max", "field", "confidence", "x"]), inner, max_size=3),
    max_leaves=6)
FIELDS = sorted((kind, name) for kind in VALID for name in kind_shape(MODELS[kind])["props"]
                if name not in OWN_RULES.get(kind, set()) | {"id"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FIELDS), json_values), min_size=30, max_size=60))
@example([(("requests", "expert_corrections"), [{"field": "f", "confidence": 0.5}]),
          (("requests", "estimated_value"), {"min": 1, "max": 2}), (("requests", "rating"), 3.0),
          (("issues", "users_affected"), 2.0), (("requests", "submitted_at"), "2026-01-05T09:00:00.1234567Z")])
def test_what_the_server_takes_every_desk_loads(changes: list[tuple[tuple[str, str], Any]]) -> None:
    """Any field of any kind set to any JSON value: if the server lets it through, the desks' models load it."""
    assert FIELDS and len(FIELDS) > 100
    docs = [doc(kind, {**VALID[kind], name: value}) for (kind, name), value in changes]
    for ((kind, name), value), (said, admitted) in zip(changes, judged(docs), strict=True):
        if said is None:
            assert admitted, (kind, name, value)
