"""Resolving versions of one record the same way on every desk: a request's lifecycle never moves backwards,
a deletion beats a concurrent edit, and otherwise the revision tree decides (never a clock)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Side = Literal["mine", "theirs"]

ENDS_PREFERRED = ("refunded", "completed", "cancelled")
"""Between two ends no move joins (completed on one desk, cancelled on another): the work done is kept."""


def _reachable(start: str, goal: str) -> bool:
    """Whether some sequence of legal moves of the action table leads from `start` to `goal`."""
    from triagedesk.domain.requests.actions import next_states

    seen, frontier = {start}, [start]
    while frontier:
        for state in next_states(frontier.pop()):
            if state == goal:
                return True
            if state not in seen:
                seen.add(state)
                frontier.append(state)
    return False


def reachable(start: str, goal: str) -> bool:
    """`goal` is `start` or lies ahead of it: a revision moving a request from `start` to `goal` moves forward."""
    return start == goal or _reachable(start, goal)


LIFECYCLE_RANK = {
    "pending_payment": 0, "pending_assignment": 1, "assigned": 2, "in_review": 3, "waiting": 3,
    "cancelled": 4, "completed": 5, "refunded": 6,
}
"""The order `lifecycle_winner` keeps, as numbers (a test checks they agree on every pair): being a total order, a
choice among any number of versions is the same whichever pairs a desk happens to compare first."""


OUTBOX_RANK = {"pending": 0, "sending": 1, "failed": 2, "sent": 3}
"""Of two copies of one message, the further along wins: sent over failed over sending over pending."""


def _rank(kind: str, fields: dict[str, Any]) -> int:
    """Where a version stands in its kind's own order (a request's lifecycle, a message's delivery); -1: none."""
    if kind == "requests":
        return LIFECYCLE_RANK.get(str(fields.get("status")), -1)
    if kind == "outbox":
        return OUTBOX_RANK.get(str(fields.get("status")), -1)
    return -1


def lifecycle_winner(mine: str, theirs: str) -> Side | None:
    """"mine" or "theirs" by the lifecycle alone, or None when it does not decide (the same state, or states
    each of which can follow the other, like in review and waiting)."""
    if mine == theirs:
        return None
    forward, back = _reachable(mine, theirs), _reachable(theirs, mine)
    if forward != back:
        return "theirs" if forward else "mine"
    if not forward and mine in ENDS_PREFERRED and theirs in ENDS_PREFERRED:
        return "mine" if ENDS_PREFERRED.index(mine) < ENDS_PREFERRED.index(theirs) else "theirs"
    a, b = LIFECYCLE_RANK.get(mine, -1), LIFECYCLE_RANK.get(theirs, -1)
    return None if a == b else ("mine" if a > b else "theirs")


def winner(kind: str, mine: dict[str, Any], theirs: dict[str, Any]) -> Side:
    """A desk's unsent edit ("mine") against a revision the server holds that the edit was not based on
    ("theirs"): the lifecycle decides a request, delivery a message; otherwise the server's revision stands, since
    the team acknowledged it first. No `updated_at` is looked at: another client's clock decides nothing."""
    if kind == "requests":
        decided = lifecycle_winner(str(mine.get("status")), str(theirs.get("status")))
        if decided is not None:
            return decided
    if kind == "outbox":  # a message that went out stays sent, whichever dispatcher's copy says so
        a_rank, b_rank = _rank(kind, mine), _rank(kind, theirs)
        if a_rank != b_rank:
            return "mine" if a_rank > b_rank else "theirs"
    return "theirs"


def revision_order(rev: str) -> tuple[int, str]:
    """CouchDB's own order of leaf revisions: the longer history, then the larger revision id."""
    number, _, digest = rev.partition("-")
    return (int(number) if number.isdigit() else 0), digest


@dataclass(frozen=True)
class Branch:
    """One leaf revision of a document on the server: its fields, or None where a client deleted it."""

    rev: str
    fields: dict[str, Any] | None


def pick(kind: str, branches: Sequence[Branch]) -> Branch | None:
    """The branch every desk keeps among a document's leaves; None: a deletion wins and every live branch goes.

    A deletion beats a concurrent edit (the edit is audited, never resurrected), except of an audit entry,
    which is never deleted. Among live branches, a request's further lifecycle state (a message's further
    delivery) wins; then the revision
    tree (`revision_order`), as CouchDB itself picks, so every desk and server agrees without any clock."""
    live = [b for b in branches if b.fields is not None]
    if not live or (kind != "audit" and len(live) < len(branches)):
        return None

    def key(branch: Branch) -> tuple[int, tuple[int, str]]:
        return _rank(kind, branch.fields or {}), revision_order(branch.rev)

    return max(live, key=key)
