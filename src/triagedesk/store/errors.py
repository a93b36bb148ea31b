"""Store errors: one line naming the file, never a traceback."""

from __future__ import annotations

from triagedesk.domain.errors import Unavailable, UserError


class StoreError(UserError):
    """A store that cannot be opened or written."""


class StoreCorrupt(StoreError):
    """A damaged or foreign file: left untouched; `triagedesk db repair` can restore it."""


class StoreLocked(StoreError, Unavailable):
    """Another process holds the store's lock for too long."""
