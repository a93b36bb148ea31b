"""The team server's validation against the action table's `fields` and `roles` (from the review of issue #20,
finding 20: still hand-written, so an expert's revision may change fields no action of theirs writes; generating
it from the table is issue #22's, on its own branch, which removes the xfail below).

The validation function is run as CouchDB runs it: JavaScript, here under Node (the sync tests' PouchDB needs it)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from triagedesk.domain.requests.actions import writable_fields
from triagedesk.sync.security import VALIDATE

HELD = {"id": "req-1", "analysis_id": "INC-1", "profile": "infrastructure", "status": "in_review",
        "urgency": "critical", "assigned_expert_id": "ann", "assigned_expert_name": "Ann",
        "submitted_at": "2026-01-05T09:00:00Z", "assigned_at": "2026-01-05T09:05:00Z",
        "acknowledged_at": "2026-01-05T09:06:00Z", "started_at": "2026-01-05T09:06:00Z",
        "due_at": "2026-01-05T11:21:00Z", "price": 150.0, "tier_id": "full-authentication",
        "lapsed_expert_ids": ["bob"], "paused_minutes": 0.0, "refund_due": False}


def _validate(new: dict, old: dict) -> str | None:
    """The server's answer to an expert user `ann` pushing `new` over `old`: None (accepted) or the refusal."""
    node = shutil.which("node")
    assert node is not None, "node runs the CouchDB validation function"
    script = f"""
    var validate = {VALIDATE};
    try {{
      validate({json.dumps({"_id": "requests:req-1", "type": "requests", "data": new})},
               {json.dumps({"_id": "requests:req-1", "type": "requests", "data": old})},
               {{"name": "ann", "roles": ["expert", "expert:ann"]}}, {{}});
      console.log("ACCEPTED");
    }} catch (e) {{ console.log("DENIED " + (e.forbidden || e)); }}
    """
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    return None if line == "ACCEPTED" else line


def test_the_validation_runs_and_refuses_a_reassignment_by_an_expert() -> None:
    """The harness works: the server refuses what it does check (this holds today)."""
    assert _validate({**HELD, "assigned_expert_id": "bob"}, HELD) is not None
    assert _validate({**HELD, "status": "waiting", "waiting_since": "2026-01-05T10:00:00Z"}, HELD) is None


@pytest.mark.xfail(strict=True, reason="FINDING 20: the server's validation is hand-written, not generated from the "
                                       "table (actions.writable_fields is never used): an expert's revision may move "
                                       "the resolve due time, the price, the lapses and the acknowledge target of "
                                       "their request")
@pytest.mark.parametrize("field, value", [("due_at", "2026-02-05T11:21:00Z"), ("price", 0.0),
                                          ("lapsed_expert_ids", []), ("ack_due_at", "2026-02-05T09:35:00Z"),
                                          ("escalated_to_senior", True)])
def test_finding20_an_experts_revision_writes_only_what_their_actions_write(field: str, value: object) -> None:
    expert_writes = set().union(*writable_fields("expert").values())
    assert field not in expert_writes  # no action of an expert's writes it
    assert _validate({**HELD, field: value}, HELD) is not None, f"an expert changed {field} on the server"
