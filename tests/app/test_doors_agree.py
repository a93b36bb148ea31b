"""Every door takes an action the same way: the desk's command, a bulk of one row and the CLI give the identical
refusal or the identical records and audit entries, over random histories and random actions (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings

from tests.support.doors import Step, built, copy_store, folder, histories, ids_of, state_of, steps, through_cli
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.domain.requests.actions import ACTIONS
from triagedesk.domain.requests.plan import Plan
from triagedesk.store.database import open_store


@pytest.mark.long
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories, last=steps)
def test_the_desk_the_bulk_and_the_cli_take_an_action_alike(history: list[tuple[int, str, int]], last: Step) -> None:
    with folder() as root:
        clock = built(root / "base", history)
        base_ids = ids_of(root / "base" / "desk.json")
        clock.advance(minutes=last.minutes)
        paths = {door: copy_store(root / "base", root / door) for door in ("desk", "bulk", "cli")}
        outcomes: dict[str, str] = {}
        desk = Desk(open_store(paths["desk"]), clock=clock)
        try:
            actor, intent = last.intent(desk)
            try:
                done: Plan | None = desk.commands.run(actor, intent)
                outcomes["desk"] = "done"
            except Refused as exc:
                done = None
                outcomes["desk"] = exc.refusal.reason
        finally:
            desk.close()
        if actor.role == "coordinator" or "coordinator" not in ACTIONS[intent.action].roles:
            bulk_desk = Desk(open_store(paths["bulk"]), clock=clock)
            try:
                result = bulk_desk.commands.run_many(actor, [intent])
                outcomes["bulk"] = "done" if result.done else result.skipped[0][1]
            finally:
                bulk_desk.close()
        code, said = through_cli(paths["cli"], actor, intent, clock.now.isoformat())
        if code != -1:
            assert "Traceback" not in said
            outcomes["cli"] = "done" if code == 0 else said
            if code == 0 and outcomes["desk"] != "done":
                pytest.fail(f"the CLI took what the desk refused: {outcomes['desk']}")
            if code != 0:
                assert code == 2 and said.startswith("triagedesk: error: "), said
                assert outcomes["desk"] != "done", f"the CLI refused what the desk took: {said}"
                assert outcomes["desk"] in said, (outcomes["desk"], said)  # the table's reason, word for word
                outcomes["cli"] = outcomes["desk"]
        assert len(set(outcomes.values())) == 1, outcomes
        event(f"{intent.action}: {'taken' if done is not None else 'refused'} through {len(outcomes)} doors")
        reference = state_of(paths["desk"], base_ids)
        for door in outcomes:
            assert state_of(paths[door], base_ids) == reference, (door, intent, outcomes)
        if done is not None:
            assert done.writes, "a plan that is taken writes something"
