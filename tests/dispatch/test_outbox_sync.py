"""Issue #23 item 8: the outbox replicates like every other record, through a real CouchDB-protocol server, so a
coordinator's desk on another machine shows what was sent, failed or is pending, whoever's dispatcher sent it;
of two copies of one message the one that went out wins."""

from __future__ import annotations

from pathlib import Path

from tests.dispatch.receivers import Hook
from tests.support.clock import T0
from tests.support.dispatch import make_dispatcher, network
from triagedesk.app.dispatching import open_dispatching
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.models import Issue
from triagedesk.domain.requests.conflicts import winner
from triagedesk.sync.client import CouchClient, parse_remote
from triagedesk.sync.engine import Replicator


def test_another_desk_sees_the_dispatchers_outbox_and_its_states(tmp_path: Path, db_url: str) -> None:
    hook = Hook().start()
    down = Hook()                         # a port nobody listens on: that page fails and waits to be retried
    d = open_dispatching(str(tmp_path / "dispatcher.json"))
    d.store.experts.put_many(network({}))
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, [])
    try:
        for issue_id, contact in (("CRIT-9", hook.url()), ("CRIT-10", down.url()), ("CRIT-11", "syslog://x")):
            for expert in d.store.experts.all():
                d.store.experts.save(expert.model_copy(update={"contacts": {"webhook": contact}}))
            d.take_in([Issue(id=issue_id, title="Production outage", users_affected=900)], T0)
            dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
        hook.stop()
    sent = {m.id: m.status for m in d.outbox()}
    assert sorted(sent.values()) == ["failed", "pending", "sent"]
    Replicator(d.desk.replica, CouchClient(parse_remote(db_url)), actor="dispatcher").sync()
    d.close()

    desk = open_dispatching(str(tmp_path / "coordinator.json"))
    Replicator(desk.desk.replica, CouchClient(parse_remote(db_url)), actor="coordinator").sync()
    seen = {m.id: m.status for m in desk.outbox()}
    assert seen == sent                                        # what was sent, what is pending: the same here
    queries = desk.desk.queries
    shown = {issue_id: [m.status for view in queries.issue_record(issue_id).requests for m in view.notifications]
             for issue_id in ("CRIT-9", "CRIT-10", "CRIT-11")}
    assert shown == {"CRIT-9": ["sent"], "CRIT-10": ["pending"], "CRIT-11": ["failed"]}
    desk.close()


def test_of_two_copies_of_a_message_the_sent_one_wins() -> None:
    pending = {"id": "ob-1", "status": "pending", "attempts": 2}
    sent = {"id": "ob-1", "status": "sent", "attempts": 1}
    assert winner("outbox", pending, sent) == "theirs"
    assert winner("outbox", sent, pending) == "mine"
    assert winner("outbox", {"status": "sending"}, {"status": "failed"}) == "theirs"
    # two sent copies: no clock decides, the server's revision stands (issue #22)
    assert winner("outbox", {"status": "sent", "n": 1}, {"status": "sent", "n": 2}) == "theirs"


def test_the_successor_sends_what_a_dead_dispatcher_left_marking_a_maybe_sent_one(tmp_path: Path, db_url: str) -> None:
    """Machine A's dispatcher wrote two messages and died: one still pending, one mid-send (`sending`), both pushed.
    Machine B's dispatcher pulls them and sends both; the one that may have gone out is a marked possible repeat."""
    from triagedesk.domain.records import OutboxMessage

    hook = Hook().start()
    a = open_dispatching(str(tmp_path / "a.json"))
    a.store.outbox.put_many([
        OutboxMessage(id="ob-pending", event="e1", kind="assignment", target=hook.url(), subject="one", body="b",
                      created_at=T0, next_attempt_at=T0),
        OutboxMessage(id="ob-midsend", event="e2", kind="assignment", target=hook.url("other"), subject="two",
                      body="b", status="sending", attempts=1, created_at=T0, sending_since=T0)])
    Replicator(a.desk.replica, CouchClient(parse_remote(db_url)), actor="dispatcher").sync()
    a.close()
    b = open_dispatching(str(tmp_path / "b.json"))
    dispatcher = make_dispatcher(b, DispatchSettings(), b"k" * 32, None, [])
    try:
        dispatcher.run_pass(T0)                                   # B's dispatcher starts before the pull
        Replicator(b.desk.replica, CouchClient(parse_remote(db_url)), actor="dispatcher").sync()
        dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
        hook.stop()
    got = {arrival.body["title"]: arrival.headers for arrival in hook.arrivals}
    assert set(got) == {"one", "two"}
    assert got["two"]["idempotency-key"] == "ob-midsend" and got["two"]["x-triagedesk-possible-repeat"] == "1"
    assert "x-triagedesk-possible-repeat" not in got["one"]
    rows = {m.id: m for m in b.outbox()}
    assert rows["ob-midsend"].status == "sent" and rows["ob-midsend"].possible_repeats == 1
    assert rows["ob-pending"].status == "sent" and rows["ob-pending"].possible_repeats == 0
    b.close()
