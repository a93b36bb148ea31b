"""The interfaces' way to name a store's file without opening it (nothing of the desk imported)."""

from __future__ import annotations

from triagedesk.store.location import default_path, store_path

__all__ = ["default_path", "store_path"]
