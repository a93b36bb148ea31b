"""A value the journal cannot encode (an integer beyond 64 bits reached a model) fails the write and leaves
nothing behind in memory: the desk never shows a change that is not stored. The edit form refuses it first."""

from __future__ import annotations

from pathlib import Path

import pytest

from triagedesk.app import editing
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store


def test_an_unencodable_write_leaves_memory_as_the_disk_has_it(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    store.issues.add(Issue(id="a", title="t", users_affected=3))
    issue = store.issues.require("a")
    with pytest.raises(TypeError):
        store.issues.save(issue.model_copy(update={"users_affected": 10**30}))
    assert store.issues.require("a").users_affected == 3  # in memory, as on disk
    store.issues.save(issue.model_copy(update={"title": "still writable"}))
    store.close()
    again = open_store(tmp_path / "desk.json")
    assert again.issues.require("a").title == "still writable" and again.issues.require("a").users_affected == 3


def test_the_edit_form_refuses_an_integer_beyond_64_bits_at_its_field(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    store.issues.add(Issue(id="a", title="t", users_affected=3))
    desk = Desk(store)
    with pytest.raises(editing.FieldErrors) as refused:
        editing.edit(desk.store, "issues", "a", {"users_affected": 10**23}, "ann")
    assert refused.value.errors == {"users_affected": "integer out of range (beyond 64 bits)"}
    assert store.issues.require("a").users_affected == 3
