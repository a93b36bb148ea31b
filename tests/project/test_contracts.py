"""The import contracts hold on the tree, and the leaks they exist to catch break them (indirect chains too)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
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


DOOR = "The Desk is the only door"
BEHIND_THE_DOOR = {"app", "store", "domain"}


def _door_contract() -> dict[str, object]:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    found = [contract for contract in contracts if contract["name"].startswith(DOOR)]
    assert len(found) == 1, [contract["name"] for contract in contracts]
    return found[0]


def test_every_module_outside_the_app_the_store_and_the_domain_is_held_by_the_door() -> None:
    """A new top-level package (another interface) or `python -m triagedesk` opening the store directly is an
    entry point of its own: no other contract sees it, so the door contract lists every one of them."""
    tops = {path.stem if path.is_file() else path.name for path in (ROOT / "src" / "triagedesk").iterdir()
            if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()}
    assert {"tui", "cli", "__main__", "formats"} <= tops, tops
    sources = set(_door_contract()["source_modules"])  # type: ignore[arg-type]
    assert {f"triagedesk.{name}" for name in tops - BEHIND_THE_DOOR} == sources


def test_an_entry_point_opening_the_store_itself_breaks_the_door(tmp_path: Path) -> None:
    """`python -m triagedesk` and the demo filler are doors of their own if they import the store directly."""
    tree = _copy(tmp_path)
    pkg = tree / "src" / "triagedesk"
    with (pkg / "__main__.py").open("a") as main:
        main.write("import triagedesk.store.table  # noqa\n")
    (pkg / "demo" / "leak.py").write_text('"""A demo filler."""\nimport triagedesk.store.table\n')
    result = _lint(tree)
    assert result.returncode != 0
    assert "triagedesk.__main__ -> triagedesk.store.table" in result.stdout, result.stdout
    assert "triagedesk.demo.leak -> triagedesk.store.table" in result.stdout, result.stdout
    assert any(name.startswith(DOOR) for name in _broken(result.stdout)), result.stdout


PASSED_THROUGH = {("triagedesk.app.location", "store_path"), ("triagedesk.app.location", "default_path")}
"""Store names the app hands on as they are: where a store's files lie (a path; nothing opened)."""


def _store_names_handed_on(src: Path) -> set[tuple[str, str, str]]:
    """(importer, app module, name) for each name an interface imports from an app module that only re-exports it
    from the store: the one road past the door import-linter cannot see (it follows modules, not names)."""
    def module(path: Path) -> str:
        parts = path.relative_to(src).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    trees = {module(path): ast.parse(path.read_text("utf-8")) for path in src.rglob("*.py")}
    from_store = {name: {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                         and (node.module or "").startswith("triagedesk.store") for alias in node.names}
                  for name, tree in trees.items() if name.startswith("triagedesk.app")}
    found = set()
    for importer, tree in trees.items():
        if importer.split(".")[1:2] and importer.split(".")[1] in BEHIND_THE_DOOR:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in from_store:
                found |= {(importer, node.module, alias.name) for alias in node.names
                          if alias.name in from_store[node.module]}
    return found


def test_no_interface_takes_a_store_name_the_app_hands_on() -> None:
    found = _store_names_handed_on(ROOT / "src")
    assert found, "the scan sees no name handed on at all (app.location's store_path is one): it no longer looks"
    assert {(module, name) for _, module, name in found} <= PASSED_THROUGH, sorted(found)


def test_the_scan_sees_a_store_class_handed_on_by_the_app(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    pkg = tree / "src" / "triagedesk"
    (pkg / "app" / "handy.py").write_text('"""Handy."""\nfrom triagedesk.store.repositories import Store\n')
    (pkg / "tui" / "leak.py").write_text('"""A leak."""\nfrom triagedesk.app.handy import Store\n')
    assert ("triagedesk.tui.leak", "triagedesk.app.handy", "Store") in _store_names_handed_on(tree / "src")
    assert _lint(tree).returncode == 0  # what import-linter alone lets through
