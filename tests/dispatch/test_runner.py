"""The dispatcher's loop on its unhappy paths: nobody to assign, a step taken by someone else, a hostile log line."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.support.clock import T0
from tests.support.dispatch import Receiver, make_dispatcher, network
from tests.support.flows import act, record_outcome, specialist, start_session
from triagedesk.app.dispatching import Dispatching, open_dispatching
from triagedesk.dispatch.runner import ActionLog
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.models import Issue


def test_a_critical_request_with_nobody_to_assign_waits_and_is_assigned_once_someone_is(tmp_path) -> None:
    d = open_dispatching(str(tmp_path / "desk.json"))
    [made] = d.take_in([Issue(id="C-1", title="Production outage", users_affected=900)], T0)
    lines: list[str] = []
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, lines)
    try:
        assert dispatcher.run_pass(T0) == 0                    # returns: no expert at all
        assert dispatcher.run_pass(T0 + timedelta(seconds=5)) == 0
        assert [json.loads(line)["event"] for line in lines] == ["no_candidate"]   # said once, not every pass
        d.store.experts.put_many(network({}))
        assert dispatcher.run_pass(T0 + timedelta(seconds=10)) >= 1
        request = d.request(made["request_id"])
        assert request is not None and request.status == "assigned"
    finally:
        dispatcher.close()
        d.close()


def test_a_step_another_dispatcher_took_is_learned_not_repeated(tmp_path, dispatching: Dispatching) -> None:
    [made] = dispatching.take_in([Issue(id="C-2", title="Production outage", users_affected=900)], T0)
    path = str(dispatching.store.path)
    late = open_dispatching(path)
    slow = make_dispatcher(late, DispatchSettings(), b"k" * 32, None, lines_slow := [])
    slow.run_pass(T0 - timedelta(seconds=1))                  # built its index before the other acted
    quick = make_dispatcher(dispatching, DispatchSettings(), b"k" * 32, None, [])
    quick.run_pass(T0)
    assigned = dispatching.request(made["request_id"])
    assert assigned is not None and assigned.status == "assigned"
    slow.run_pass(T0)
    assert not any(json.loads(line)["event"] == "auto_assign" for line in lines_slow)
    assert late.request(made["request_id"]) == assigned
    quick.close(), slow.close(), late.close()


def test_a_text_log_line_never_carries_a_control_character() -> None:
    lines: list[str] = []
    ActionLog("text", lines.append)("sent", request="req-1\n\x1b[2Jfake=1", note="a b", empty="")
    assert len(lines) == 1 and "\n" not in lines[0] and "\x1b" not in lines[0]
    assert 'empty=""' in lines[0] and 'note="a b"' in lines[0]


def test_an_outcome_sends_seed_000s_follow_up_to_the_coordinators_once(tmp_path, receiver: Receiver) -> None:
    d = open_dispatching(str(tmp_path / "desk.json"), coordinator_contact=f"json://127.0.0.1:{receiver.port}/c")
    d.store.experts.put_many(network({}))
    [made] = d.take_in([Issue(id="C-3", title="Production outage", users_affected=900)], T0)
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, lines := [])
    try:
        dispatcher.run_pass(T0)
        request_id = made["request_id"]
        d.desk.clock = lambda: T0 + timedelta(minutes=5)
        start_session(d.desk, request_id)
        d.desk.clock = lambda: T0 + timedelta(minutes=50)
        record_outcome(d.desk, request_id, recommendations=["Fail over to the standby"], actions_taken=["Failed over"],
                       knowledge_gained="Standby promotion runbook", rating=5)
        assert d.request(request_id).status == "completed"  # type: ignore[union-attr]
        dispatcher.run_pass(T0 + timedelta(minutes=51))
        dispatcher.run_pass(T0 + timedelta(minutes=52))
    finally:
        dispatcher.close()
        d.close()
    follow = [b for b in receiver.bodies if b["title"].startswith("Follow-up")]
    assert len(follow) == 1
    assert follow[0]["title"] == "Follow-up on Infrastructure Issue - Actions and Outcomes"
    for part in ("CONSULTATION SUMMARY:", "EXPERT RECOMMENDATIONS:", "- Fail over to the standby", "ACTIONS TAKEN:",
                 "LESSONS LEARNED:", "Standby promotion runbook"):
        assert part in follow[0]["message"]
    assert [json.loads(line)["event"] for line in lines].count("follow_up") == 1


def test_history_completed_long_ago_gets_no_follow_up(tmp_path) -> None:
    d = open_dispatching(str(tmp_path / "desk.json"), coordinator_contact="json://127.0.0.1:9/c")
    d.store.experts.put_many(network({}))
    [made] = d.take_in([Issue(id="C-4", title="Production outage", users_affected=900)], T0)
    expert_id = specialist(d.desk, "C-4")
    for action, minutes in (("assign", 1), ("start", 2), ("complete", 3)):
        d.desk.clock = lambda m=minutes: T0 + timedelta(minutes=m)
        if action == "start":
            start_session(d.desk, made["request_id"])
        else:
            act(d.desk, made["request_id"], action, "desk", expert_id if action == "assign" else None)
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, lines := [])
    try:
        dispatcher.run_pass(T0 + timedelta(days=3))
    finally:
        dispatcher.close()
        d.close()
    assert not any(json.loads(line)["event"] == "follow_up" for line in lines)


def test_a_refused_step_is_logged_once_and_the_pass_goes_on(tmp_path, monkeypatch) -> None:
    from triagedesk.domain.errors import UserError

    d = open_dispatching(str(tmp_path / "desk.json"))
    d.store.experts.put_many(network({}))
    made = d.take_in([Issue(id=f"C-{n}", title="Production outage", users_affected=900) for n in (1, 2)], T0)
    real = d.desk.commands.situation

    def refuse_first(intent, *args, **kwargs):  # type: ignore[no-untyped-def]
        if intent.request_id == made[0]["request_id"]:
            raise UserError("the request's issue went missing meanwhile")
        return real(intent, *args, **kwargs)

    monkeypatch.setattr(d.desk.commands, "situation", refuse_first)
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, lines := [])
    try:
        dispatcher.run_pass(T0)
        dispatcher.run_pass(T0 + timedelta(seconds=5))
    finally:
        dispatcher.close()
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events if e["event"] == "step_failed"] == ["step_failed"]
    assert d.request(made[0]["request_id"]).status == "pending_assignment"  # type: ignore[union-attr]
    assert d.request(made[1]["request_id"]).status == "assigned"  # type: ignore[union-attr]
    assert not [a for a in d.store.history(made[0]["request_id"]) if a.action.startswith("policy:")]
    d.close()
