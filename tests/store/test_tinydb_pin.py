"""store/table.py replaces TinyDB's Table write path through private members: this fails on any other
TinyDB, so an upgrade is a decision (re-read tinydb/table.py, then move the pin), never an accident."""

from __future__ import annotations

import inspect
from importlib.metadata import version

from tinydb.table import Table

PINNED = "4.9.0"
OVERRIDDEN = ("_update_table", "_read_table", "_get_next_id")
USED = ("_next_id", "_query_cache", "_storage")


def test_tinydb_is_the_pinned_version() -> None:
    assert version("tinydb") == PINNED, (
        f"tinydb {version('tinydb')} is installed; store/table.py was written against {PINNED}: check "
        f"{', '.join(OVERRIDDEN)} in tinydb/table.py, then move the pin in pyproject.toml and here")


def test_the_private_members_we_override_still_exist() -> None:
    for name in OVERRIDDEN:
        assert callable(getattr(Table, name, None)), name
    source = inspect.getsource(Table)
    for name in USED:
        assert f"self.{name}" in source, name
    assert list(inspect.signature(Table._update_table).parameters) == ["self", "updater"]
