"""The doors of the action table driven alike over random histories: the issues, the paths a history takes them
along, a step (an action by a chosen expert), and each door (the desk's command, bulk of one row, the CLI)."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.support.clock import T0, Clock
from tests.support.stores import desk_at
from tests.support.world import outage, teapot
from triagedesk import cli
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Issue
from triagedesk.domain.requests.actions import ACTIONS, Actor
from triagedesk.domain.requests.plan import Intent
from triagedesk.store.database import open_store

ISSUES: list[Issue] = [
    teapot("APR-1"), teapot("APR-2", category="jewelry"), teapot("APR-3", category="watches"),
    outage("INC-1"), outage("INC-2", title="Nightly backup corrupted: database restore failed"),
    Issue(id="INC-3", profile="infrastructure", title="Slow vSphere datastore on esxi-07", users_affected=20,
          total_users=1000, research={"overall_confidence": 0.5}),
]
EXPERTS = ["expert-456", "expert-303", "net-ana", "virt-sofia"]
"""Experts of both profiles (one is always of the other profile than the issue's)."""
MOVES = [a for a in ACTIONS if a != "edit"]
KINDS = ("requests", "sessions", "outcomes", "knowledge", "corrections", "audit")


PATHS: dict[str, list[str]] = {
    "new": [], "pending_payment": ["escalate"], "pending_assignment": ["escalate", "pay"],
    "assigned": ["escalate", "pay", "assign"], "acknowledged": ["escalate", "pay", "assign", "acknowledge"],
    "in_review": ["escalate", "pay", "assign", "start"], "paused": ["escalate", "pay", "assign", "start", "pause"],
    "ended": ["escalate", "pay", "assign", "start", "end"], "waiting": ["escalate", "pay", "assign", "start", "wait"],
    "reassigned": ["escalate", "pay", "assign", "start", "reassign"],
    "completed": ["escalate", "pay", "assign", "start", "outcome"], "cancelled": ["escalate", "pay", "cancel"],
}
"""How to bring an issue to each state with the desk's own moves (the paid path where the profile charges)."""
CHOICES = ("specialist", "second", "outsider", "other_profile", "holder", "none")


def expert_for(desk: Desk, issue_id: str, choice: str) -> str | None:
    """An expert as the final action names one: the best or second specialist, a non-specialist of the profile,
    an expert of the other profile, the holder, or nobody (the matcher picks)."""
    from triagedesk.domain.routing.eligibility import eligible, specialises

    issue = desk.queries.issue(issue_id)
    assert issue is not None
    ranked = desk.queries.candidates(issue).ranked
    fitting = [c.expert_id for c in eligible(ranked, desk.figures.counted())]
    request = desk.queries.request_for(issue_id)
    found = {"specialist": fitting[:1], "second": fitting[1:2],
             "outsider": [c.expert_id for c in ranked if not specialises(c)][:1],
             "other_profile": [e for e in EXPERTS if e not in {c.expert_id for c in ranked}][:1],
             "holder": [request.assigned_expert_id] if request and request.assigned_expert_id else [],
             "none": []}[choice]
    return found[0] if found else None


def drive(desk: Desk, clock: Clock, issue_id: str, state: str, minutes: int) -> None:
    """Take the issue to `state` with legal moves (a step the table refuses, such as pay on a free profile, is
    simply not taken)."""
    for move in PATHS[state]:
        clock.advance(minutes=minutes)
        request = desk.queries.request_for(issue_id)
        holder = request.assigned_expert_id if request else None
        expert = Actor(holder or "x", "expert", holder)
        intent, actor = {
            "escalate": (Intent("escalate", issue_id), Actor("cora")),
            "pay": (Intent("pay", issue_id), Actor("cora")),
            "assign": (Intent("assign", issue_id, expert_id=expert_for(desk, issue_id, "specialist")), Actor("cora")),
            "reassign": (Intent("reassign", issue_id, expert_id=expert_for(desk, issue_id, "second")), Actor("cora")),
            "acknowledge": (Intent("acknowledge", issue_id), expert),
            "start": (Intent("start", issue_id), expert),
            "pause": (Intent("pause_session", issue_id), expert),
            "end": (Intent("end_session", issue_id), expert),
            "wait": (Intent("wait", issue_id), Actor("cora")),
            "cancel": (Intent("cancel", issue_id), Actor("cora")),
            "outcome": (Intent("outcome", issue_id, values={"resolution_achieved": True, "knowledge_gained": "k",
                                                             "final_report": "done"}), expert),
        }[move]
        with contextlib.suppress(Refused):
            desk.commands.run(actor, intent)


@dataclass(frozen=True)
class Step:
    """The action under test: who takes which action on which issue, naming which expert, how much later."""

    issue: int
    action: str
    expert: str
    role_roll: int
    """0: the role the table does not give the action to (a refusal); else one it does."""
    minutes: int

    @property
    def as_expert(self) -> bool:
        roles = ACTIONS[self.action].roles
        fits = "expert" in roles if self.role_roll % 2 else "coordinator" not in roles
        return not fits if self.role_roll == 0 else fits

    def intent(self, desk: Desk) -> tuple[Actor, Intent]:
        issue_id = ISSUES[self.issue].id or ""
        request = desk.queries.request_for(issue_id)
        values: dict[str, Any] = {}
        if self.action == "correction":
            values = {"field": "maker" if issue_id.startswith("APR") else "root_cause", "original_value": "old",
                      "corrected_value": "new", "explanation": "seen"}
        elif self.action == "outcome":
            values = {"resolution_achieved": True, "knowledge_gained": "learned", "final_report": "done"}
        named = expert_for(desk, issue_id, self.expert)
        target = named if self.action in ("assign", "reassign", "senior") else None
        holder = request.assigned_expert_id if request is not None else None
        # an expert's desk always names its expert: the holder, else the one chosen, else one of the network
        actor = Actor("ann", "expert", holder or named or EXPERTS[0]) if self.as_expert else Actor("cora")
        note = "a note" if ACTIONS[self.action].confirm else ""  # the desk asks a note where it confirms
        return actor, Intent(self.action, issue_id, request.id if request else None, target, note, values=values)


steps = st.builds(Step, st.integers(0, len(ISSUES) - 1), st.sampled_from(MOVES), st.sampled_from(CHOICES),
                  st.integers(0, 5), st.integers(0, 3000))
histories = st.lists(st.tuples(st.integers(0, len(ISSUES) - 1), st.sampled_from(sorted(PATHS)),
                               st.integers(0, 120)), min_size=1, max_size=6)


def built(folder: Path, history: list[tuple[int, str, int]]) -> Clock:
    """A store with the networks, the issues, and each named issue driven to its state."""
    clock = Clock(T0)
    desk = desk_at(folder, issues=ISSUES, clock=clock)
    try:
        for issue, state, minutes in history:
            drive(desk, clock, ISSUES[issue].id or "", state, minutes)
    finally:
        desk.close()
    return clock


def copy_store(source: Path, target: Path) -> Path:
    target.mkdir()
    for file in source.glob("desk.json*"):
        shutil.copy2(file, target / file.name)
    return target / "desk.json"


def state_of(path: Path, base: set[str]) -> dict[str, list[str]]:
    """Every record of the workflow's kinds as text, new ids and write times blanked (they differ by design)."""
    store = open_store(path, create=False)
    try:
        out = {}
        for kind in KINDS:
            rows = []
            for doc in store.repository(kind).raw():
                clean = {k: canon(v, base) for k, v in doc.items() if k[:1] != "_" and k != "at"}
                if kind == "audit":
                    clean.pop("id", None)
                rows.append(repr(sorted(clean.items())))
            out[kind] = sorted(rows)
        return out
    finally:
        store.close()


def canon(value: Any, base: set[str]) -> Any:
    """`value` with every id the action made (random by design) written NEW, at any depth."""
    if isinstance(value, str):
        made = value not in base and value.split("-", 1)[0] in ("req", "ses", "out", "cor", "kb", "stp")
        return "NEW" if made else value
    if isinstance(value, dict):
        return {k: canon(v, base) for k, v in value.items() if k != "updated_at"}
    if isinstance(value, list):
        return [canon(v, base) for v in value]
    return value


def ids_of(path: Path) -> set[str]:
    store = open_store(path, create=False)
    try:
        return {str(d.get("id")) for kind in KINDS for d in store.repository(kind).raw()}
    finally:
        store.close()


def through_cli(path: Path, actor: Actor, intent: Intent, when: str) -> tuple[int, str]:
    """The CLI as a user runs it (in this process: the same click command, arguments and exit code)."""
    args: list[str]
    action = intent.action
    who = ["--actor", actor.name, "--db", str(path), "--now", when]
    if action == "escalate":
        if actor.role != "coordinator":
            return -1, ""  # the CLI escalates as a coordinator: it has no way to say "as an expert"
        args = ["escalate", intent.issue_id, "--notes", intent.note]
    elif intent.request_id is None:
        return -1, ""  # no request to name: the CLI cannot say it (the other doors refuse it)
    elif action in ("start", "pause_session", "resume_session", "end_session") and actor.role == "expert":
        move = {"start": "start", "pause_session": "pause", "resume_session": "resume", "end_session": "end"}[action]
        args = ["session", move, intent.request_id, "--expert", actor.expert_id or ""]
    elif action == "outcome":
        if actor.role != "expert":
            return -1, ""
        args = ["outcome", "add", intent.request_id, "--expert", actor.expert_id or "", "--learned", "learned",
                "--final-report", "done"]
    elif action == "correction":
        if actor.role != "expert":
            return -1, ""
        values = intent.values
        args = ["correction", "add", intent.request_id, "--expert", actor.expert_id or "", "--field",
                values["field"], "--corrected", values["corrected_value"], "--original", values["original_value"],
                "--explanation", values["explanation"]]
    elif action in ("pause_session", "resume_session", "end_session"):
        return -1, ""  # a coordinator has no session command
    elif actor.role == "expert" and "expert" not in ACTIONS[action].roles:
        return -1, ""  # `request ACTION --expert` names who takes it there: the CLI cannot act as that expert
    else:
        args = ["request", action, intent.request_id, "--note", intent.note]
        if intent.expert_id:
            args += ["--expert", intent.expert_id]
        elif actor.role == "expert":
            args += ["--expert", actor.expert_id or ""]
        if action == "assign" and not intent.expert_id:
            return -1, ""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            cli.main([*args, *who])
        except SystemExit as exc:
            return int(exc.code or 0), err.getvalue().strip()
    return 0, err.getvalue().strip()


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)
