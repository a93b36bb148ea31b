"""Who may change which request field, moving a request from one state to another: derived from the action table.

The team's server enforces it (its `validate_doc_update` is generated from `moves_table`) and every desk checks
each arriving revision with `refusal`, so the two cannot drift: a test runs both over every role, pair of states
and field. A revision carries the end of several moves (an expert's assigned -> completed is a start, perhaps a
wait and a resume, and a completion): it may change the fields of every move of its writer's role on some path
between the two states, and nothing else. No path: it moves the request backwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from triagedesk.domain.requests.actions import ACTIONS
from triagedesk.domain.requests.states import REQUEST_STATUSES, STATE_NAMES

SERVER_ROLES: dict[str, tuple[str, ...]] = {"coordinator": ("coordinator", "dispatcher"), "expert": ("expert",)}
"""A server role and the table's roles its users act in (the dispatcher syncs as a coordinator)."""
ADMIN = "admin"
"""A server admin: any field, but still only forward (the role every table role's moves are open to)."""
UNNAMED = "unnamed"
"""A revision that says nothing fresh about its writer (another client, an older desk): held to what some move of
the table writes between its two states, by any role (never price, tier, submission...), and only forward."""
OPENING_STATUS = "pending_assignment"
"""A request document without `status` (left out at its default on the wire)."""


def _steps(roles: Iterable[str]) -> list[tuple[str, str, frozenset[str]]]:
    """(from, to, fields) for every request move the roles may make; opening a request (`*`) is not a move."""
    wanted = set(roles)
    out = []
    for action in ACTIONS.values():
        if not wanted & set(action.roles) or "*" in action.fields:
            continue
        moves = action.moves_from if action.moves_from is not None else action.states
        for state in action.states:
            if state is None:
                continue
            if action.to is None or state not in moves:
                targets = {state}
            elif action.to == "resume":
                targets = {"in_review", "assigned"}
            else:
                targets = {action.to}
            out += [(state, target, action.fields) for target in targets]
    return out


def _closure(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen, frontier = {start}, [start]
    while frontier:
        for nxt in edges.get(frontier.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


@cache
def allowed(role: str, old: str, new: str) -> frozenset[str] | None:
    """The fields a revision by `role` may change moving a request from `old` to `new`; None: it may not make
    that move at all (backwards, or not by this role's moves)."""
    roles = tuple(r for rs in SERVER_ROLES.values() for r in rs) if role == ADMIN else SERVER_ROLES.get(role, ())
    steps = _steps(roles)
    ahead: dict[str, set[str]] = {}
    behind: dict[str, set[str]] = {}
    for start, end, _ in steps:
        ahead.setdefault(start, set()).add(end)
        behind.setdefault(end, set()).add(start)
    reach = _closure(old, ahead)
    if new not in reach:
        return None
    between = reach & _closure(new, behind)
    return frozenset(f for start, end, fields in steps if start in between and end in between for f in fields)


def moves_table() -> dict[str, dict[str, dict[str, list[str]]]]:
    """role -> from -> to -> the fields that revision may change (a missing `to`: the move is refused)."""
    out: dict[str, dict[str, dict[str, list[str]]]] = {}
    for role in (*SERVER_ROLES, ADMIN):
        for old in REQUEST_STATUSES:
            for new in REQUEST_STATUSES:
                found = allowed(role, old, new)
                if found is not None:
                    out.setdefault(role, {}).setdefault(old, {})[new] = sorted(found)
    return out


def changed(old: Mapping[str, Any], new: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[str]:
    """The fields whose values differ, a missing field read as its default (the wire leaves defaults out)."""
    missing = object()
    out = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name, defaults.get(name, missing)), new.get(name, defaults.get(name, missing))
        a, b = (None if a is missing else a), (None if b is missing else b)
        if not _same(a, b):
            out.append(name)
    return out


def _same(a: Any, b: Any) -> bool:
    """JSON equality as JavaScript sees it: 1 and 1.0 are one number; true is not 1."""
    number = (int, float)
    if isinstance(a, number) and isinstance(b, number) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def refusal(role: str, expert_id: str | None, old: Mapping[str, Any], new: Mapping[str, Any],
            defaults: Mapping[str, Any]) -> str | None:
    """Why a revision of a request by a user of `role` (coordinator, expert, lead, admin) may not replace `old`
    with `new`; None when it may. The same words as the server's refusals."""
    if role not in (*SERVER_ROLES, ADMIN, UNNAMED):
        return "a lead reads only" if role == "lead" else f"{role!r} is not a role that writes requests"
    before = str(old.get("status") or OPENING_STATUS)
    after = str(new.get("status") or OPENING_STATUS)
    if role == "expert" and old.get("assigned_expert_id") != expert_id:
        return f"this request is not assigned to {expert_id}"
    fields = allowed(ADMIN if role == UNNAMED else role, before, after)
    moving = f"{STATE_NAMES[before]} to {STATE_NAMES[after]}"
    who = ("an " if role == "expert" else "a ") + role
    if fields is None:
        if role in (ADMIN, UNNAMED):
            return f"a request never moves back from {moving}"
        return f"{who}'s revision may not move a request from {moving}"
    if role == ADMIN:
        return None
    for name in changed(old, new, defaults):
        if name not in fields:
            if role == UNNAMED:
                return f"no move changes {name} of a request ({moving})"
            return f"{who} may not change {name} of a request ({moving})"
    return None


WITHDRAWABLE: frozenset[str] = frozenset(s for s in ACTIONS["withdraw"].states if s is not None)
"""The states a request may be deleted in (withdrawn): nothing has happened to it yet."""


def deletion_refusal(status: str | None) -> str | None:
    """Why a request in `status` may not be deleted (by any writer: the server refuses it too); None when it may.
    The same words as the server's refusal."""
    state = status or OPENING_STATUS
    if state in WITHDRAWABLE:
        return None
    return f"only a request nothing has happened to is deleted (withdraw), not one {STATE_NAMES.get(state, state)}"
