"""plan(): the table's preconditions (paid path, specialisation, seniority, lapses) and the writes it makes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import product

import pytest

from tests.support.clock import T0
from tests.support.lifecycle import LEGAL
from tests.support.plans import CORA, HARRIET, INES, NOW, OLIVER, PIET, RUTH, expert_of, request_in
from tests.support.world import network, outage, situation, teapot
from triagedesk.domain.records import REQUEST_STATUSES, Session
from triagedesk.domain.requests import moves, sessions
from triagedesk.domain.requests.actions import ACTIONS, Actor, Refusal
from triagedesk.domain.requests.plan import Intent, Plan, plan


def done(result: Refusal | Plan) -> Plan:
    assert isinstance(result, Plan), result
    return result


def refused(result: Refusal | Plan) -> Refusal:
    assert isinstance(result, Refusal), result
    return result


@pytest.mark.parametrize(("source", "action"), list(product(REQUEST_STATUSES, ACTIONS)))
def test_each_state_and_action_leads_where_the_lifecycle_says(source: str, action: str) -> None:
    """Every plan that is not refused moves the request along a documented edge (or keeps its state)."""
    request = request_in(source)
    running = [sessions.initiate("APR-1", OLIVER, T0, "req-1", "item_review")] if source == "in_review" else []
    found = situation(teapot(), request, NOW, sessions=running)
    actor = CORA if "coordinator" in ACTIONS[action].roles else expert_of(request)
    values = {"field": "maker", "original_value": "Unknown", "corrected_value": "Paul Storr"} \
        if action == "correction" else {}
    expert = HARRIET if action in ("assign", "reassign") else None
    result = plan(found, actor, Intent(action, "APR-1", "req-1", expert_id=expert, values=values))
    if isinstance(result, Refusal):
        assert result.reason
        return
    same = [w.record for w in result.writes if w.kind == "requests" and w.record.id == "req-1"]
    if not any(w.kind == "requests" for w in result.writes):
        return  # a session's move: the request stays as it is
    if not same:  # a closed request: escalating (or assigning) opens a new one in its first state
        opened = [w.record for w in result.writes if w.kind == "requests" and w.new]
        assert source in ("completed", "cancelled", "refunded") and opened, (source, action)
        assert opened[0].status in ("pending_payment", "pending_assignment")
        return
    after = same[-1].status
    assert after == source or (source, after) in LEGAL, (source, action, after)


def test_bulk_and_single_refuse_an_unpaid_appraisal_alike() -> None:
    """The issue's reproduction: assigning a never-escalated appraisal opened a free request in bulk."""
    found = situation(teapot(), None, NOW)
    result = refused(plan(found, CORA, Intent("assign", "APR-1", expert_id=HARRIET)))
    assert result.text == "Assign: the issue must be escalated and paid first" and result.first == ("escalate", "pay")
    opened = done(plan(found, CORA, Intent("escalate", "APR-1")))
    request = opened.request
    assert request is not None and request.status == "pending_payment" and request.tier_id == "full-authentication"
    assert request.price == 150 and request.due_at is None  # the tier's guarantee starts at the payment


def test_an_unpaid_infrastructure_issue_is_escalated_then_assigned_in_one_plan() -> None:
    found = situation(outage(), None, NOW)
    ranked = [c for c in found.ranked if c.factors["specialization"].value > 0]
    assert ranked, "the outage has specialists"
    result = done(plan(found, CORA, Intent("assign", "INC-1", expert_id=ranked[0].expert_id)))
    assert [w.audit for w in result.writes] == ["escalate", "assign"]
    assert result.request is not None and result.request.status == "assigned"
    assert any("opens a request" in line for line in result.detail)


def test_an_expert_outside_the_specialisation_needs_an_override_with_a_note() -> None:
    """The issue's reproduction: silver candlesticks went to an art expert in bulk."""
    request = request_in("pending_assignment")
    found = situation(teapot(), request, NOW)
    result = refused(plan(found, CORA, Intent("assign", "APR-1", expert_id=RUTH)))
    assert result.reason == "Ruth Abara does not specialise in silver" and result.overridable
    no_note = refused(plan(found, CORA, Intent("assign", "APR-1", expert_id=RUTH, override=True)))
    assert "needs a note" in no_note.reason
    overridden = done(plan(found, CORA, Intent("assign", "APR-1", expert_id=RUTH, override=True,
                                               note="only one free today")))
    assert overridden.request is not None and overridden.request.assigned_expert_id == RUTH
    assert overridden.writes[0].note == "only one free today" and "override" in overridden.detail[0]
    dispatcher = refused(plan(found, Actor("d", "dispatcher"), Intent("assign", "APR-1", expert_id=RUTH,
                                                                        override=True, note="x")))
    assert not dispatcher.overridable


def test_an_expert_of_another_profile_is_refused_even_with_an_override() -> None:
    found = situation(teapot(), request_in("pending_assignment"), NOW)
    result = refused(plan(found, CORA, Intent("assign", "APR-1", expert_id="net-ana", override=True, note="x")))
    assert result.reason == "Ana Ferreira does not work appraisal issues"


def test_senior_goes_up_within_the_specialisation_and_never_to_who_let_it_lapse() -> None:
    request = request_in("assigned", OLIVER)
    result = done(plan(situation(teapot(), request, NOW), CORA, Intent("senior", "APR-1", lapsed=True)))
    after = result.request
    assert after is not None and after.assigned_expert_id == HARRIET and after.escalated_to_senior
    assert after.lapsed_expert_ids == [OLIVER]
    # Harriet is the top of silver: nobody above her, and Oliver let it lapse
    top = refused(plan(situation(teapot(), after, NOW), CORA, Intent("senior", "APR-1")))
    assert "nobody active more senior than Harriet Lyle (expert) specialises in silver" in top.reason
    assert "expert-505" in top.reason and "coordinator" in top.reason


def test_senior_on_a_jewelry_item_held_by_a_senior_is_refused_not_given_to_art() -> None:
    """The issue's reproduction: `e` on a diamond ring held by Ines offered Ruth (art, also senior)."""
    ring = teapot(category="jewelry")
    request = request_in("assigned", INES)
    result = refused(plan(situation(ring, request, NOW), CORA, Intent("senior", "APR-1")))
    assert "more senior than Ines Castro (senior) specialises in jewelry" in result.reason
    named = refused(plan(situation(ring, request, NOW), CORA, Intent("senior", "APR-1", expert_id=RUTH)))
    assert "does not specialise in jewelry" in named.reason


def test_reassignment_ends_the_previous_experts_session_and_never_moves_the_resolve_target() -> None:
    """The issue's reproductions: Piet's paused session stayed on the request; each reassignment moved due_at."""
    request = request_in("in_review", PIET, item_category="ceramics")
    pauses = sessions.pause(sessions.initiate("APR-1", PIET, T0, "req-1", "item_review"), T0 + timedelta(minutes=5))
    found = situation(teapot(category="ceramics"), request, NOW, sessions=[pauses])
    result = done(plan(found, CORA, Intent("reassign", "APR-1", expert_id=HARRIET)))
    after = result.request
    assert after is not None and after.due_at == request.due_at and after.assigned_expert_id == HARRIET
    assert after.status == "assigned" and after.acknowledged_at is None and after.ack_due_at is not None
    ended = [w.record for w in result.writes if w.kind == "sessions"]
    assert len(ended) == 1 and isinstance(ended[0], Session) and ended[0].status == "ended"
    assert ended[0].ended_at == NOW and "ends Piet de Vries's running session" in result.detail


def test_only_a_sessions_own_expert_drives_it() -> None:
    request = request_in("in_review", HARRIET)
    pietz = sessions.initiate("APR-1", PIET, T0, "req-1", "item_review")
    found = situation(teapot(), request, NOW, sessions=[pietz])
    harriet = Actor("h", "expert", HARRIET)
    assert refused(plan(found, harriet, Intent("pause_session", "APR-1"))).first == ("start",)
    started = done(plan(found, harriet, Intent("start", "APR-1")))
    assert [s.expert_id for s in started.of("sessions")] == [HARRIET]  # type: ignore[attr-defined]


def test_a_wait_pushes_the_resolve_target_by_its_length_and_nothing_else_moves_it() -> None:
    request = request_in("waiting", OLIVER)
    resumed = done(plan(situation(teapot(), request, NOW), CORA, Intent("resume", "APR-1"))).request
    assert resumed is not None and resumed.status == "in_review" or resumed.status == "assigned"
    assert resumed.paused_minutes == pytest.approx(30) and resumed.due_at == request.due_at
    from triagedesk.domain.requests.clocks import resolve_due
    from triagedesk.resources import load_profile
    assert resolve_due(resumed, load_profile("appraisal")) == request.due_at + timedelta(minutes=30)


def test_completing_late_owes_a_refund_on_the_pushed_target() -> None:
    late = request_in("in_review", OLIVER, due_at=T0 + timedelta(minutes=30), paused_minutes=60.0)
    completed = done(plan(situation(teapot(), late, NOW), CORA, Intent("complete", "APR-1"))).request
    assert completed is not None and not completed.refund_due  # 30 min + 60 paused > the 60 minutes it took
    later = done(plan(situation(teapot(), late, T0 + timedelta(hours=2)), CORA,
                      Intent("complete", "APR-1"))).request
    assert later is not None and later.refund_due


@pytest.mark.parametrize(("values", "reason"), [
    ({"field": "category[/]", "corrected_value": "art"}, "is not a correctable field of appraisal"),
    ({"field": "maker", "corrected_value": "Paul Storr"}, "the original value is empty"),
    ({"field": "maker", "original_value": "Unknown", "corrected_value": " "}, "the corrected value is empty"),
    ({"field": "category", "corrected_value": "silver"}, "the corrected value is the assessed one"),
])
def test_a_correction_is_one_of_the_profiles_fields_and_a_real_change(values: dict[str, str], reason: str) -> None:
    """The issue's reproduction: the form saved `category[/]` with an empty original value."""
    request = request_in("in_review", OLIVER)
    result = refused(plan(situation(teapot(), request, NOW), Actor("o", "expert", OLIVER),
                          Intent("correction", "APR-1", values=values)))
    assert reason in result.reason


def test_a_correction_takes_the_assessed_value_from_the_issue() -> None:
    request = request_in("in_review", OLIVER)
    made = done(plan(situation(teapot(), request, NOW), Actor("o", "expert", OLIVER),
                     Intent("correction", "APR-1", values={"field": "category", "corrected_value": "ceramics",
                                                            "original_value": "typed over"})))
    correction = made.of("corrections")[0]
    assert correction.original_value == "silver" and correction.corrected_value == "ceramics"  # type: ignore
    assert made.request is not None and made.request.expert_corrections[-1].field == "category"


def test_nothing_is_done_before_the_request_was_submitted() -> None:
    result = refused(plan(situation(teapot(), request_in("assigned"), T0 - timedelta(minutes=1)), CORA,
                          Intent("wait", "APR-1")))
    assert result.reason.startswith("the clock reads 2026-01-05 08:59 UTC, before the ")


def test_every_builder_writes_only_its_rows_fields() -> None:
    """moves._moved refuses a field outside the action's row: each builder is held to the table."""
    request = request_in("assigned")
    with pytest.raises(AssertionError, match="outside its row"):
        moves._moved(request, "acknowledge", NOW, price=0.01)
    assert len(network()) > 10


def test_an_expert_claims_an_unassigned_request_of_her_specialisation_acknowledged_at_once() -> None:
    found = situation(teapot(), request_in("pending_assignment"), NOW)
    result = done(plan(found, Actor("harriet", "expert", HARRIET), Intent("claim", "APR-1", "req-1")))
    after = result.request
    assert after is not None and after.status == "assigned" and after.assigned_expert_id == HARRIET
    assert after.acknowledged_at == NOW and after.ack_due_at is not None
    assert [w.audit for w in result.writes] == ["claim"]
    assert result.summary == "APR-1 claimed by Harriet Lyle"


def test_a_claim_is_held_to_the_specialisation_and_the_profiles_policy() -> None:
    found = situation(teapot(), request_in("pending_assignment"), NOW)
    art = refused(plan(found, Actor("ruth", "expert", RUTH), Intent("claim", "APR-1", "req-1")))
    assert art.text == "Claim: Ruth Abara does not specialise in silver" and not art.overridable
    strict = found.profile.model_copy(update={"policy": found.profile.policy.model_copy(update={"claims": False})})
    closed = refused(plan(replace(found, profile=strict), Actor("harriet", "expert", HARRIET),
                          Intent("claim", "APR-1", "req-1")))
    assert "assigned by a coordinator" in closed.reason


def test_only_an_escalated_request_is_claimed_never_an_issue_nor_an_unpaid_one() -> None:
    """A claim writes one request the expert then holds; escalating and payment stay a coordinator's."""
    found = situation(outage(), None, NOW)
    mine = next(c.expert_id for c in found.ranked if c.factors["specialization"].value > 0)
    never = refused(plan(found, Actor("x", "expert", mine), Intent("claim", "INC-1")))
    assert never.text == "Claim: a coordinator escalates it first"
    unpaid = refused(plan(situation(teapot(), request_in("pending_payment"), NOW), Actor("h", "expert", HARRIET),
                          Intent("claim", "APR-1", "req-1")))
    assert unpaid.reason == "a coordinator escalates it first and records the payment"
    held = refused(plan(situation(teapot(), request_in("assigned", OLIVER), NOW), Actor("h", "expert", HARRIET),
                        Intent("claim", "APR-1", "req-1")))
    assert held.first == ("reassign",) and "already assigned" in held.reason
