"""Resolving two versions of one record the same way on every desk: lifecycles never move backwards,
otherwise the last writer wins, with a stable tie-break."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from triagedesk.domain import instants

LIFECYCLE_RANK = {
    "pending_payment": 0, "pending_assignment": 1, "assigned": 2, "in_review": 3, "waiting": 3,
    "completed": 4, "refunded": 5, "cancelled": 5,
}


def fingerprint(data: dict[str, Any]) -> str:
    """A stable hash of a record's content (key order and whitespace do not matter)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _instant(text: str) -> datetime:
    return instants.parse_or_none(text) or datetime.min.replace(tzinfo=UTC)


def _reachable(start: str, goal: str) -> bool:
    """Whether some sequence of legal moves leads from `start` to `goal`."""
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


OUTBOX_RANK = {"pending": 0, "sending": 1, "failed": 2, "sent": 3}
"""Of two copies of one message, the further along wins: sent over failed over sending over pending."""

ENDS_PREFERRED = ("refunded", "completed", "cancelled")
"""Between two ends no move joins (completed on one desk, cancelled on another): the work done is kept."""


def lifecycle_winner(mine: str, theirs: str) -> str | None:
    """"mine" or "theirs" by the lifecycle's order alone, or None when it does not decide."""
    if mine == theirs:
        return None
    forward, back = _reachable(mine, theirs), _reachable(theirs, mine)
    if forward != back:
        return "theirs" if forward else "mine"
    if not forward and mine in ENDS_PREFERRED and theirs in ENDS_PREFERRED:
        return "mine" if ENDS_PREFERRED.index(mine) < ENDS_PREFERRED.index(theirs) else "theirs"
    a, b = LIFECYCLE_RANK.get(mine, -1), LIFECYCLE_RANK.get(theirs, -1)
    return None if a == b else ("mine" if a > b else "theirs")


def winner(kind: str, mine: dict[str, Any], mine_updated: str, theirs: dict[str, Any],
           theirs_updated: str) -> str:
    """"mine" or "theirs": which version of a record both desks keep.

    Requests: the further lifecycle state wins (a completed request is not reopened by a
    stale `assigned` edit); of two ends no move joins, completed beats cancelled. Then the later `updated_at` wins.
    Then the larger content hash, so two desks holding the same pair always pick the same one.
    """
    if kind == "requests":
        decided = lifecycle_winner(str(mine.get("status")), str(theirs.get("status")))
        if decided is not None:
            return decided
    if kind == "outbox":  # a message that went out stays sent, whichever dispatcher's copy says so
        a_rank, b_rank = OUTBOX_RANK.get(str(mine.get("status")), -1), OUTBOX_RANK.get(str(theirs.get("status")), -1)
        if a_rank != b_rank:
            return "mine" if a_rank > b_rank else "theirs"
    a_time, b_time = _instant(mine_updated), _instant(theirs_updated)
    if a_time != b_time:
        return "mine" if a_time > b_time else "theirs"
    return "mine" if fingerprint(mine) >= fingerprint(theirs) else "theirs"
