"""Where the output goes wrong: a full disk is an error (never a silent exit 0), and `--out` never replaces a
device or a store's own files, even those a store keeps for itself but has not written yet."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "ransomware.json"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "desk.json"
    assert run_cli("import", str(EXAMPLE), "--db", str(db)).returncode == 0
    return db


def _issue_id(db: Path) -> str:
    out = run_cli("export", "--kind", "issues", "--db", str(db))
    return out.stdout.split('"id":"', 1)[1].split('"', 1)[0]


def test_a_full_output_is_an_error_not_a_silent_success(store: Path) -> None:
    with open("/dev/full", "w") as full:  # Linux's always-full device
        result = subprocess.run([sys.executable, "-m", "triagedesk", "export", "--kind", "issues", "--db", str(store)],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["triagedesk: error: cannot write the output: No space left on device"]


def test_out_never_replaces_a_device(store: Path) -> None:
    before = os.stat("/dev/null")
    result = run_cli("package", _issue_id(store), "--db", str(store), "--out", "/dev/null")
    assert result.returncode == 2 and "not a regular file" in result.stderr and "Traceback" not in result.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_out_never_writes_a_name_another_store_keeps_for_itself(store: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    assert run_cli("import", str(EXAMPLE), "--db", str(other)).returncode == 0
    assert not (tmp_path / "other.json.prev").exists()  # never compacted: no copy yet, but the name is the store's
    result = run_cli("package", _issue_id(store), "--db", str(store), "--out", str(tmp_path / "other.json.prev"))
    assert result.returncode == 2 and "store file" in result.stderr
    assert not (tmp_path / "other.json.prev").exists()
    fine = run_cli("package", _issue_id(store), "--db", str(store), "--out", str(tmp_path / "package.md"))
    assert fine.returncode == 0 and (tmp_path / "package.md").read_text("utf-8").startswith("#")
