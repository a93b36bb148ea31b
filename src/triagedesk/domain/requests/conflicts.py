"""Resolving two versions of one record the same way on every desk: lifecycles never move backwards,
otherwise the last writer wins, with a stable tie-break."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

LIFECYCLE_RANK = {
    "pending_payment": 0, "pending_assignment": 1, "assigned": 2, "in_review": 3, "waiting": 3,
    "completed": 4, "refunded": 5, "cancelled": 5,
}


def fingerprint(data: dict[str, Any]) -> str:
    """A stable hash of a record's content (key order and whitespace do not matter)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def winner(kind: str, mine: dict[str, Any], mine_updated: str, theirs: dict[str, Any],
           theirs_updated: str) -> str:
    """"mine" or "theirs": which version of a record both desks keep.

    Requests: the further lifecycle state wins (a completed request is not reopened by a
    stale `assigned` edit). Then the later `updated_at` wins. Then the larger content
    hash, so two desks holding the same pair always pick the same one.
    """
    if kind == "requests":
        a = LIFECYCLE_RANK.get(str(mine.get("status")), -1)
        b = LIFECYCLE_RANK.get(str(theirs.get("status")), -1)
        if a != b:
            return "mine" if a > b else "theirs"
    a_time, b_time = _instant(mine_updated), _instant(theirs_updated)
    if a_time != b_time:
        return "mine" if a_time > b_time else "theirs"
    return "mine" if fingerprint(mine) >= fingerprint(theirs) else "theirs"
