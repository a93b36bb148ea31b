"""One rule for issue ids (`domain.models.ISSUE_ID`), at every door: the model, `import`, and sync's arrival check
refuse the same ids; the property test draws both kinds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.support.cli import run_cli
from triagedesk.domain.models import ISSUE_ID, Issue
from triagedesk.store.validity import MODELS
from triagedesk.sync.arrival import Admitted, Refused, admit

BAD = ["../../etc/passwd", "a/b", "CRIT 1", "CRIT-1\nINC-2", "\tx", "", "-x", ".hidden", "x" * 129, "café", "a\u200bb"]
GOOD = ["INC-000001", "CRIT-1", "alert:fp.1_2", "9", "A" * 128]


def _door_refuses(issue_id: str, tmp: Path) -> tuple[bool, bool, bool]:
    try:
        Issue(id=issue_id)
        model = False
    except ValidationError:
        model = True
    doc = {"_id": f"issues:{issue_id}", "type": "issues", "data": {"id": issue_id, "title": "t"}}
    synced = isinstance(admit(doc, MODELS, datetime(2026, 1, 5, tzinfo=UTC)), Refused) if issue_id else True
    return model, synced, not ISSUE_ID.fullmatch(issue_id)


@pytest.mark.parametrize("issue_id", BAD)
def test_every_door_refuses_a_bad_id(issue_id: str, tmp_path: Path) -> None:
    assert _door_refuses(issue_id, tmp_path) == (True, True, True)


@pytest.mark.parametrize("issue_id", GOOD)
def test_every_door_takes_a_good_id(issue_id: str, tmp_path: Path) -> None:
    assert _door_refuses(issue_id, tmp_path) == (False, False, False)
    doc = {"_id": f"issues:{issue_id}", "type": "issues", "data": {"id": issue_id}}
    assert isinstance(admit(doc, MODELS, datetime(2026, 1, 5, tzinfo=UTC)), Admitted)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12) | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,11}", fullmatch=True))
def test_the_model_and_sync_agree_with_the_pattern_on_any_text(issue_id: str) -> None:
    expected = bool(ISSUE_ID.fullmatch(issue_id))
    try:
        Issue(id=issue_id)
        taken = True
    except ValidationError:
        taken = False
    assert taken is expected
    if issue_id and ":" not in issue_id.split(":", 1)[0]:
        doc = {"_id": f"issues:{issue_id}", "type": "issues", "data": {"id": issue_id}}
        assert isinstance(admit(doc, MODELS, datetime(2026, 1, 5, tzinfo=UTC)), Admitted) is expected


def test_import_refuses_a_path_as_an_id_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "issues.json"
    source.write_text(json.dumps([{"id": "OK-1", "title": "fine"}, {"id": "../../etc/passwd", "title": "x"}]))
    done = run_cli("import", str(source), "--db", str(tmp_path / "d.json"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"{source}: [1]: id: an issue id is letters, digits" in done.stderr
    exported = run_cli("export", "--db", str(tmp_path / "d.json"))
    assert "OK-1" not in exported.stdout  # all or nothing


def test_import_refuses_a_field_named_twice(tmp_path: Path) -> None:
    source = tmp_path / "issues.json"
    source.write_text('[{"id": "OK-1", "title": "a", "title": "b"}]')
    done = run_cli("import", str(source), "--db", str(tmp_path / "d.json"))
    assert done.returncode == 2 and "duplicate field 'title'" in done.stderr and "Traceback" not in done.stderr
