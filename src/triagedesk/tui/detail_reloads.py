"""The cursor's detail found again after a change, never in place of one a key asked for and not yet shown."""

from __future__ import annotations

from collections.abc import Callable


class DetailReloads:
    """Every change (another process's, this desk's own write) finds the cursor's detail again, as it may show
    what changed (an expert's load in Candidates, the request's state). While the detail a key asked for is still
    being found, starting another in its place cancelled it and began again from the start (the detail worker is
    exclusive): a key that landed with a change (4 a second while following a writer) waited for two. So the
    change is noted instead, and the detail found once more after the pending one is shown (it may have read
    before the change)."""

    def __init__(self, load: Callable[[str], None]) -> None:
        self.load = load
        self.pending: str | None = None
        self.again = False

    def asked(self, issue_id: str) -> None:
        """A detail worker started for `issue_id` (it reads the store as it is now)."""
        self.pending, self.again = issue_id, False

    def changed(self, current: str | None) -> None:
        """The store changed: the cursor's detail again, now or after the pending one."""
        if current is None:
            return
        if self.pending == current:
            self.again = True
        else:
            self.load(current)

    def shown(self, issue_id: str, whole: bool) -> None:
        """`issue_id`'s detail arrived (`whole`: not a partial one with more to follow)."""
        if not whole or issue_id != self.pending:
            return
        self.pending = None
        if self.again:
            self.load(issue_id)

    def failed(self) -> None:
        """The detail worker failed: nothing pending (the next change tries again)."""
        self.pending, self.again = None, False


__all__ = ["DetailReloads"]
