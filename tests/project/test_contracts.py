"""The import contracts hold on the tree, and the leaks they exist to catch break them (indirect chains too)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        capture_output=True, text=True, cwd=tree, env=env, timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src" / "triagedesk", tree / "src" / "triagedesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _broken(output: str) -> list[str]:
    """The names of the contracts the run reports broken (a name may wrap over lines in the summary)."""
    summary = " ".join(output.split("dependencies.")[-1].split("Contracts:")[0].split()).strip("- ")
    verdicts = re.findall(r"(.+?) (KEPT(?: \(\d+ ignored imports\))?|BROKEN)(?: |$)", summary)
    assert verdicts, output
    return [name for name, verdict in verdicts if verdict == "BROKEN"]


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_interface_reaching_the_store_through_a_helper_breaks_the_door(tmp_path: Path) -> None:
    """tui → a helper outside the app → store: an indirect road in, which the door contract refuses."""
    tree = _copy(tmp_path)
    pkg = tree / "src" / "triagedesk"
    (pkg / "leaky_helper.py").write_text('"""A helper that opens the store itself."""\nimport triagedesk.store.table\n')
    (pkg / "tui" / "leak.py").write_text('"""A widget that uses the helper."""\nimport triagedesk.leaky_helper\n')
    result = _lint(tree)
    assert result.returncode != 0
    assert "triagedesk.tui.leak -> triagedesk.leaky_helper" in result.stdout
    assert any("The Desk is the only door" in name for name in _broken(result.stdout)), result.stdout


def test_sync_reaching_the_store_through_the_app_breaks_its_port(tmp_path: Path) -> None:
    """Sync may use the app's replica port; a chain through the app to the store is still refused."""
    tree = _copy(tmp_path)
    pkg = tree / "src" / "triagedesk"
    (pkg / "app" / "leak.py").write_text('"""An app module sync leans on."""\nimport triagedesk.store.table\n')
    (pkg / "sync" / "leak.py").write_text('"""Sync reaching past its port."""\nimport triagedesk.app.leak\n')
    result = _lint(tree)
    assert result.returncode != 0
    assert any(name.startswith("Sync reaches the store only") for name in _broken(result.stdout)), result.stdout
