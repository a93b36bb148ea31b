"""The team server's validation against the action table's `fields` and `roles` (from the review of issue #20,
finding 20): the validation is generated from the table (`sync/validation.py`, issue #22), so an expert's revision
changes only fields some action of theirs writes.

The validation function is run as CouchDB runs it: JavaScript, here under Node (the sync tests' PouchDB needs it)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from triagedesk.domain.requests.actions import ACTIONS, writable_fields
from triagedesk.sync.validation import validate_function

VALIDATE = validate_function()

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


@pytest.mark.parametrize("field, value", [("due_at", "2026-02-05T11:21:00Z"), ("price", 0.0),
                                          ("lapsed_expert_ids", []), ("ack_due_at", "2026-02-05T09:35:00Z"),
                                          ("escalated_to_senior", True)])
def test_finding20_an_experts_revision_writes_only_what_their_actions_write(field: str, value: object) -> None:
    writes = writable_fields("expert")
    here = {name: fields for name, fields in writes.items() if HELD["status"] in ACTIONS[name].states}
    assert here and field not in set().union(*here.values())  # no action an expert may take from in review writes
    # it (`claim` writes the lapses and the acknowledge target, from pending assignment only: refused here too)
    assert _validate({**HELD, field: value}, HELD) is not None, f"an expert changed {field} on the server"
