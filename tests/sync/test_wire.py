"""The sync wire format: fields at their default are left out and filled back exactly; the defaults are pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.cli import run_cli
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store
from triagedesk.store.repositories import model_fields
from triagedesk.sync.engine import KINDS
from triagedesk.sync.wire import filled, shape_of, sparse, wire_doc

# What a document means when a field is missing. Changing a default changes what every sparse document already
# on a team's server says: that is a format change and needs a migration, not just a new default.
PINNED = {
    "experts": {"name": "", "email": "", "specializations": [], "certifications": [], "rating": None,
                "completed_reviews": 0, "average_turnaround": None, "is_active": True, "joined_at": None,
                "escalation_methods": [], "expertise_level": "senior", "timezone": "UTC", "team": "",
                "current_workload": 0, "contacts": {}},
    "issues": {"id": None, "title": "", "description": "", "profile": None, "created_at": None, "tier": None,
               "restricted": False, "users_affected": 0, "total_users": None, "affected_systems": [],
               "estimated_revenue_impact": 0.0, "compliance_risk_level": None, "data_classification": None,
               "symptoms": [], "error_messages": [], "attempted_solutions": [], "stakeholders": [],
               "constraints": [], "success_criteria": [], "research": None, "category": None,
               "estimated_value": None, "confidence": None, "authentication_risk": None,
               "expert_referral_recommended": False, "dedup_key": None, "count": 1, "last_seen": None,
               "severity": None, "alert_group": None, "feedback": None},
    "requests": {"user_id": "", "profile": "", "tier_id": None, "tier_name": None, "price": 0.0,
                 "status": "pending_assignment", "urgency": "medium", "assigned_expert_id": None,
                 "assigned_expert_name": None, "assigned_at": None, "acknowledged_at": None, "started_at": None,
                 "completed_at": None, "cancelled_at": None, "refunded_at": None, "due_at": None,
                 "waiting_since": None, "paused_minutes": 0.0, "item_name": "", "item_category": None,
                 "estimated_value": None, "user_notes": None, "expert_notes": None, "expert_corrections": [],
                 "final_report": None, "refund_due": False, "escalated_to_senior": False, "rating": None,
                 "paid_at": None, "ack_due_at": None, "lapsed_expert_ids": []},
    "sessions": {"request_id": None, "channel": "video_conference", "status": "active", "phase": "briefing",
                 "paused_at": None, "paused_seconds": 0.0, "ended_at": None},
    "outcomes": {"session_id": None, "request_id": None, "recommendations": [], "actions_taken": [],
                 "knowledge_gained": "", "process_improvements": "", "follow_up_needed": False, "rating": None,
                 "time_to_resolution_minutes": None},
    "corrections": {"original_value": None, "corrected_value": None, "explanation": "", "confidence": 1.0,
                    "category": None, "profile": ""},
    "knowledge": {"outcome_id": None, "profile": "", "category": None, "problem": "", "resolution": "", "tags": []},
    "schedules": {"name": "", "timezone": "UTC", "overrides": [], "covers": [], "description": ""},
    "calendars": {"kind": "business", "timezone": "UTC", "hours": [], "holidays": [], "experts": [], "teams": [],
                  "source": ""},
    "audit": {"before": None, "after": None, "note": ""},
    "outbox": {"request_id": None, "expert_id": None, "method": "", "target": "", "subject": "", "body": "",
               "attachment_name": None, "attachment": None, "status": "pending", "attempts": 0,
               "possible_repeats": 0, "attached": None, "last_error": None, "next_attempt_at": None,
               "sending_since": None, "sent_at": None},
    "alerts": {"source": "alertmanager", "group_key": "", "issue_id": None, "alertname": "", "labels": {},
               "annotations": {}, "status": "firing", "starts_at": None, "ends_at": None, "resolved_at": None,
               "events": 1, "seen_firing": True},
    "maintenance": {"created_by": "", "ended_at": None, "subscribers": []},
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict:
    store = open_store(tmp_path_factory.mktemp("wire") / "x.json")
    found = {kind: store.repository(kind).model for kind in KINDS}
    store.close()
    return found


def test_the_defaults_that_may_be_left_out_are_pinned(models: dict) -> None:
    for kind in KINDS:
        assert shape_of(models[kind]).defaults == PINNED[kind], f"{kind}: a default changed the sync wire format"
    assert shape_of(Expert).nested["availability"].defaults == {
        "business_hours": "24x7", "after_hours": "24x7", "response_sla": "1_hour"}


def test_every_demo_record_round_trips_exactly(tmp_path: Path, models: dict) -> None:
    made = run_cli("demo", "--issues", "80", "--seed", "3", "--now", "2026-01-05T09:00:00Z",
                   "--db", str(tmp_path / "d.json"))
    assert made.returncode == 0, made.stderr
    store = open_store(tmp_path / "d.json")
    from datetime import UTC, datetime

    from triagedesk.domain.records import OutboxMessage

    at = datetime(2026, 1, 5, 9, tzinfo=UTC)  # the demo sends nothing: one message as a dispatcher writes it
    store.outbox.add(OutboxMessage(id="ob-1", event="req-1|auto_assign", kind="assignment", request_id="req-1",
                                   expert_id="ana", method="email", target="ana@example.net", subject="Page",
                                   body="Issue X-1: ...", attachment_name="escalation-package-X-1.md",
                                   attachment="# package", status="sent", attempts=2, possible_repeats=1,
                                   attached=True, created_at=at, next_attempt_at=at, sent_at=at))
    from triagedesk.domain.intake.records import AlertRecord, MaintenanceWindow

    # the demo has no alerts: one as the intake writes it (its issue's group in the issue), and a window
    store.alerts.add(AlertRecord(id="al-1", fingerprint="9266ef3da838ad95", group_key="9266ef3da838ad95",
                                 issue_id="INC-X", alertname="Disk", labels={"alertname": "Disk", "job": "foo"},
                                 annotations={"summary": "disk"}, status="resolved", starts_at=at, ends_at=at,
                                 arrived_at=at, received_at=at, resolved_at=at, events=3))
    store.maintenance.add(MaintenanceWindow(id="W-1", matchers=["job=db"], starts_at=at, ends_at=at.replace(hour=11),
                                            reason="upgrade", created_by="cora", created_at=at,
                                            subscribers=["json://localhost/x"]))
    store.issues.add(Issue.model_validate({"id": "INC-X", "title": "[Disk] disk", "dedup_key": "9266ef3da838ad95",
                                           "feedback": "noise", "alert_group": {
                                               "key": "9266ef3da838ad95", "verdict": "transient", "holds": 1,
                                               "why": "held 5 min, resolved after 2 min: transient",
                                               "label_sets": [{"alertname": "Disk", "job": "foo"}],
                                               "label_set_count": 1, "held_since": "2026-01-05T09:00:00Z"}}))
    shrunk = total = 0
    for kind in KINDS:
        shape = shape_of(models[kind])
        docs = store.repository(kind).raw()
        assert docs, kind
        for stored in docs:
            fields = model_fields(stored)
            travelling = wire_doc(kind, shape, stored)["data"]
            back = filled(shape, travelling)
            assert back == fields and list(back) == list(fields), (kind, stored)
            # the model alone reads the sparse form the same (its defaults are the ones left out)
            assert models[kind].model_validate(travelling) == models[kind].model_validate(fields)
            shrunk, total = shrunk + len(str(travelling)), total + len(str(fields))
    store.close()
    assert shrunk < 0.8 * total


def test_only_the_same_type_and_value_is_left_out() -> None:
    shape = shape_of(Issue)
    data = {"id": "i1", "users_affected": 0, "restricted": False, "confidence": 0.0, "title": "",
            "estimated_revenue_impact": 0, "research": {"overall_confidence": 0.0, "known_bugs": ["B-1"]}}
    out = sparse(shape, data)
    # `confidence` 0.0 is not its default None; the int 0 is not the float default 0.0: both travel
    assert out == {"id": "i1", "confidence": 0.0, "estimated_revenue_impact": 0, "research": {"known_bugs": ["B-1"]}}
    back = filled(shape, {**out, "from_a_newer_desk": 1})
    assert back["research"]["hypotheses"] == [] and back["research"]["overall_confidence"] == 0.0
    assert back["from_a_newer_desk"] == 1 and list(back)[-1] == "from_a_newer_desk"  # unknown fields are kept
    first, second = filled(shape, {"id": "a"}), filled(shape, {"id": "b"})
    first["symptoms"].append("x")
    assert second["symptoms"] == []  # a filled-in list is a new list, never shared


@settings(max_examples=150, deadline=None)
@given(st.builds(
    Issue, id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,7}", fullmatch=True), title=st.text(max_size=10),
    restricted=st.booleans(),
    users_affected=st.integers(0, 5), symptoms=st.lists(st.text(max_size=5), max_size=2),
    confidence=st.none() | st.floats(0, 1), estimated_revenue_impact=st.floats(0, 10),
    expert_referral_recommended=st.booleans()))
def test_any_issue_round_trips(issue: Issue) -> None:
    shape = shape_of(Issue)
    fields = issue.model_dump(mode="json")
    assert filled(shape, sparse(shape, fields)) == fields
