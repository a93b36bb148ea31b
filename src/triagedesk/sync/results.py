"""What one sync round reports (`SyncResult`), and what one push sends (`Outgoing`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triagedesk.sync.incoming import Rejection, Tally


@dataclass
class SyncResult(Tally):
    pushed: int = 0
    server_reset: bool = False  # the server had lost this desk's history: everything went again
    checkpoint: Any = None
    refused: list[Rejection] = field(default_factory=list)  # what the server answered 403 to, with its reason
    reverified: int = 0  # revisions found still on the server when its checkpoint was missing or did not match
    server_conflicts: int = 0  # documents with branches on the server that this desk resolved there

    def as_dict(self) -> dict[str, Any]:
        return {"pushed": self.pushed, "pulled": self.pulled, "conflicts": self.conflicts,
                "server_conflicts": self.server_conflicts,
                "rejected": [r.as_dict() for r in self.rejected], "refused": [r.as_dict() for r in self.refused],
                "server_reset": self.server_reset, "reverified": self.reverified,
                "checkpoint": self.checkpoint}


@dataclass(frozen=True)
class Outgoing:
    """One document to push: a record (`doc`), or a tombstone for one deleted here (`doc` None)."""

    key: str
    kind: str
    doc: dict[str, Any] | None
    rev: str | None
    top: dict[str, Any] = field(default_factory=dict)
    """What other clients keep beside the record's data on the server (attachments, their fields): sent back."""
    carried: tuple[tuple[str, dict[str, Any]], ...] = ()
    """A request's outcomes and corrections, sent inside its document (`embedded`)."""


def remaining(page: dict[str, Any], last: Any, latest: Any) -> int:
    """About how many changes are left after this page: CouchDB says (`pending`); otherwise the distance
    from this page's sequence to the database's latest, whose number comes first (`123-g1AAA...` in CouchDB 3)."""
    if isinstance(page.get("pending"), int):
        return page["pending"]
    try:
        return max(int(str(latest).split("-")[0]) - int(str(last).split("-")[0]), 0)
    except ValueError:
        return 0
