"""The policy as data and as a pure function: validation of `[policy]`, the plan in every state, the strategies,
and the replay over history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.clock import T0
from triagedesk.domain.errors import ProfileError
from triagedesk.domain.models import Candidate, Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import policy
from triagedesk.domain.requests.policy_replay import replay
from triagedesk.domain.scoring.profiles import Profile, load_profile_file
from triagedesk.resources import data_dir


def _profile_with(tmp_path: Path, extra: str) -> Path:
    text = (data_dir() / "profiles" / "infrastructure.toml").read_text("utf-8")
    head, _, _ = text.partition("[policy]")
    path = tmp_path / "custom.toml"
    path.write_text(head + extra, "utf-8")
    return path


@pytest.mark.parametrize("extra, where", [
    ('[policy.auto_assign]\nstrategy = "random"\n', "policy.auto_assign.strategy"),
    ("[policy.ack_timeout]\nmax_reassignments = 10\n", "policy.ack_timeout.max_reassignments"),
    ("[policy.ack_timeout]\nminutes = 0\n", "policy.ack_timeout.minutes"),
    ('[policy.auto_assign]\nurgencies = ["urgent"]\n', "policy.auto_assign.urgencies[0]"),
    ("[policy.breach]\nnotify_at_rsk = true\n", "policy.breach.notify_at_rsk"),
])
def test_a_bad_policy_names_file_and_key(tmp_path: Path, extra: str, where: str) -> None:
    with pytest.raises(ProfileError) as found:
        load_profile_file(_profile_with(tmp_path, extra))
    assert str(found.value).startswith(f"{tmp_path / 'custom.toml'}: {where}: ")


def test_a_profile_without_a_policy_assigns_nothing_on_its_own(tmp_path: Path, infra: Profile) -> None:
    bare = load_profile_file(_profile_with(tmp_path, ""))
    request = _request(status="pending_assignment", urgency="critical")
    # stored without a due time, the request still has its resolve target (from the profile): the breach step is
    # the default `[policy.breach]`'s, with or without a `[policy]` table
    assert [s.kind for s in policy.plan(request, bare, None)] == ["breach_senior"]
    assert [s.kind for s in policy.plan(request, infra, None)] == ["auto_assign", "breach_senior"]


def _request(**fields) -> ExpertRequest:
    base = {"id": "req-1", "analysis_id": "i-1", "profile": "infrastructure", "submitted_at": T0, "urgency": "high"}
    return ExpertRequest.model_validate({**base, **fields})


def _expert(sla: str = "30_minutes") -> Expert:
    return Expert(id="e-1", name="Ana", availability={"response_sla": sla})  # type: ignore[arg-type]


def test_the_plan_in_every_state(infra: Profile) -> None:
    expert = _expert()
    assigned = _request(status="assigned", urgency="critical", assigned_expert_id="e-1", assigned_at=T0,
                        due_at=T0 + timedelta(hours=2))
    kinds = [s.kind for s in policy.plan(assigned, infra, expert)]
    assert kinds == ["ack_reassign", "at_risk_notice", "breach_senior"]
    assert policy.plan(assigned, infra, expert)[0].due == T0 + timedelta(minutes=30)   # the expert's response SLA
    acked = assigned.model_copy(update={"acknowledged_at": T0})
    assert [s.kind for s in policy.plan(acked, infra, expert)] == ["at_risk_notice", "breach_senior"]
    for status in ("waiting", "cancelled", "refunded", "pending_payment"):
        assert policy.plan(assigned.model_copy(update={"status": status}), infra, expert) == []
    pending = [s.kind for s in policy.plan(_request(status="pending_assignment", urgency="high"), infra, None)]
    assert pending == ["breach_senior"]  # not auto-assigned: only its resolve target's breach
    senior = assigned.model_copy(update={"escalated_to_senior": True})
    assert [s.kind for s in policy.plan(senior, infra, expert)] == ["ack_flag", "at_risk_notice", "breach_flag"]


def test_reassignments_are_counted_from_history_and_end_at_the_senior(infra: Profile) -> None:
    expert = _expert()
    request = _request(status="assigned", urgency="critical", assigned_expert_id="e-3", assigned_at=T0)
    history = [policy.StepDone("ack_reassign", "k1", "e-1"), policy.StepDone("ack_reassign", "k2", "e-2")]
    step = policy.plan(request, infra, expert, history)[0]
    assert step.kind == "ack_senior" and policy.ACTION_OF[step.kind] == "senior"  # who lapsed: on the request
    assert policy.due_step(request, infra, expert, history, T0 + timedelta(minutes=29)) is None
    assert policy.due_step(request, infra, expert, history, T0 + timedelta(minutes=30)) == step
    after = policy.plan(request, infra, expert, [*history, policy.StepDone(step.kind, step.key)])
    assert not [s for s in after if s.kind in policy.MISSED_ACK]  # the resolve target's steps remain


def test_a_breach_makes_a_late_at_risk_notice_moot(infra: Profile) -> None:
    request = _request(status="in_review", assigned_expert_id="e-1", assigned_at=T0, acknowledged_at=T0,
                       due_at=T0 + timedelta(hours=1))
    step = policy.due_step(request, infra, _expert(), [], T0 + timedelta(hours=5))
    assert step is not None and step.kind == "breach_senior"


def _candidate(expert_id: str, load: int, available: bool = True) -> Candidate:
    return Candidate(expert_id=expert_id, expert_name=expert_id, match_score=50, reasons=[], factors={},
                     available_now=available, next_available_at=None, current_workload=load,
                     estimated_turnaround_hours=None, response_sla_minutes=30, expertise_level="senior")


def test_the_strategies() -> None:
    ranked = [_candidate("c", 3), _candidate("a", 1), _candidate("b", 0), _candidate("d", 0), _candidate("z", 0, False)]
    assert policy.choose("best_match", ranked, 3).expert_id == "c"  # type: ignore[union-attr]
    assert policy.choose("least_loaded", ranked, 2).expert_id == "a"  # type: ignore[union-attr]
    assert policy.choose("least_loaded", ranked, 3).expert_id == "b"  # type: ignore[union-attr]
    turns = []
    last = None
    for _ in range(4):
        pick = policy.choose("round_robin", ranked, 3, last=last)
        assert pick is not None
        turns.append(pick.expert_id)
        last = pick.expert_id
    assert turns == ["a", "b", "c", "a"]
    assert policy.choose("best_match", ranked, 3, exclude=["c", "a", "b", "d"]) is None  # z is not available
    assert policy.choose("round_robin", [], 3) is None


def test_the_replay_counts_what_the_policy_would_have_done(infra: Profile) -> None:
    expert = _expert("15_minutes")
    late_ack = _request(id="r1", status="completed", urgency="critical", assigned_expert_id="e-1",
                        assigned_at=T0 + timedelta(minutes=40), acknowledged_at=T0 + timedelta(minutes=70),
                        completed_at=T0 + timedelta(hours=3), due_at=T0 + timedelta(hours=2, minutes=30))
    on_time = _request(id="r2", status="completed", urgency="high", assigned_expert_id="e-1",
                       assigned_at=T0 + timedelta(minutes=5), acknowledged_at=T0 + timedelta(minutes=6),
                       completed_at=T0 + timedelta(hours=1), due_at=T0 + timedelta(hours=4))
    other = _request(id="r3", profile="appraisal", status="completed")
    found = replay(infra, [late_ack, on_time, other], {"e-1": expert}, T0 + timedelta(days=1))
    assert found.requests == 2 and found.auto_assigned == 1 and found.assignment_wait_saved_minutes == 40
    assert found.reassignments == 1 and found.breaches == 1 and found.seniors_on_breach == 1
    assert found.breaches_avoidable == 1   # 30 min late, 40 min of waiting saved
