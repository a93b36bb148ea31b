"""Review of issue #26: claims of docs/dispatcher.md's noise section checked against the CLI, each false one an
xfail(strict) test until the docs or the command agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli


@pytest.mark.xfail(strict=True, reason="FINDING 4: docs/dispatcher.md says the report's noise view is `noise` in "
                   "`--json`, but `triagedesk report` has no --json option (exit 2, 'No such option'); it is "
                   "`--format json`")
def test_finding_4_report_json_carries_noise_as_the_docs_say(tmp_path: Path) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "dispatcher.md").read_text("utf-8")
    assert "`report` (`noise` in `--json`)" in docs  # the claim under test
    db = tmp_path / "desk.json"
    made = run_cli("maintenance", "add", "--match", "job=db", "--start", "2026-01-05T02:00Z", "--end",
                   "2026-01-05T03:00Z", "--reason", "db upgrade", "--now", "2026-01-05T01:00Z", "--db", str(db))
    assert made.returncode == 0, made.stderr
    found = run_cli("report", "--json", "--now", "2026-01-05T12:00:00Z", "--db", str(db))
    assert found.returncode == 0, found.stderr
    assert "noise" in json.loads(found.stdout)
