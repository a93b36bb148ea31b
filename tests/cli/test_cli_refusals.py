"""The CLI's refusals: an old request id never opens a second open request, and a refusal is one line whatever the
data it names. (From the review of issue #20: findings 2 and 13.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_door import run
from tests.support.clock import T0_Z as NOW
from tests.support.clock import Clock
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.plan import Intent
from triagedesk.domain.requests.states import OPEN_STATUSES
from triagedesk.store.database import open_store

COORDINATOR = Actor("coord")


def _open_requests(desk: Desk, issue_id: str) -> list[str]:
    return [r.id for r in desk.store.requests.by("analysis_id", issue_id) if r.status in OPEN_STATUSES]


def test_assign_on_a_closed_request_id_never_opens_a_second_open_request(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    first = desk.commands.escalate("INC-1", COORDINATOR)
    desk.commands.act(first.id, "cancel", COORDINATOR)
    second = desk.commands.escalate("INC-1", COORDINATOR)  # the issue's open request now (at the same instant)
    desk.close()
    db = str(tmp_path / "desk.json")
    code, out, err = run(capsys, "request", "assign", first.id, "--expert", "net-ana", "--db", db, "--now", NOW)
    assert code == 2 and out == "", (code, out, err)
    assert err == (f"triagedesk: error: Assign: request {first.id} is cancelled; the issue's open request is "
                   f"{second.id} (pending assignment)\n")
    after = Desk(open_store(db), clock=Clock())
    try:
        assert _open_requests(after, "INC-1") == [second.id]
        assert after.queries.require_request(second.id).assigned_expert_id is None  # nothing written
    finally:
        after.close()
    code, out, err = run(capsys, "request", "assign", second.id, "--expert", "net-ana", "--db", db, "--now", NOW)
    assert code == 0 and out.startswith(f"{second.id}: assigned (net-ana)"), err  # the open one: as usual


def test_a_desk_row_out_of_date_cannot_open_a_request_beside_the_open_one(tmp_path: Path) -> None:
    """The desk's intent carries the request its row showed: planned under the lock against the issue's latest."""
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        first = desk.commands.escalate("INC-1", COORDINATOR)
        desk.commands.act(first.id, "cancel", COORDINATOR)
        shown = Intent("assign", "INC-1", first.id, "net-ana")  # the row still shows the cancelled request
        second = desk.commands.escalate("INC-1", COORDINATOR)  # another coordinator escalates meanwhile
        for intent in (shown, Intent("escalate", "INC-1", first.id)):
            with pytest.raises(Refused, match=f"the issue's open request is {second.id}"):
                desk.commands.run(COORDINATOR, intent)
        assert _open_requests(desk, "INC-1") == [second.id]
        refund = desk.commands.preview(COORDINATOR, Intent("refund", "INC-1", first.id))  # the old one is still
        assert "only a completed request is refunded" in getattr(refund, "reason", "")  # itself, for the rest
    finally:
        desk.close()


def test_cli_refusal_is_one_line_whatever_the_experts_name(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    evil = Expert(id="evil", name="Evil\nName \x1b[31mred", specializations=["silver"], expertise_level="senior")
    desk = desk_at(tmp_path, [evil], [outage("INC-1")], Clock())
    request = desk.commands.escalate("INC-1", COORDINATOR)
    desk.close()
    code, out, err = run(capsys, "request", "assign", request.id, "--expert", "evil", "--db",
                         str(tmp_path / "desk.json"), "--now", NOW)
    assert code == 2 and "does not work infrastructure issues" in err, (code, err)
    assert "\x1b" not in err and "\\x1b" in err  # shown literally, never run
    assert len(err.strip().splitlines()) == 1, err
