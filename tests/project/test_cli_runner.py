"""`run_cli` forks its processes from one that has imported triagedesk: they answer exactly as fresh ones do, and
what triagedesk reads from the environment at import time is listed where `run_cli` looks for it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.cli import IMPORT_TIME_ENV, run_cli
from triagedesk.demo.data import DEMO_NOW

ROOT = Path(__file__).resolve().parents[2]


def _calls(db: Path, folder: Path) -> list[tuple[tuple[str, ...], str | None]]:
    now = DEMO_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    example = str(ROOT / "data" / "examples" / "ransomware.json")
    return [
        (("--help",), None),
        (("import", example, "--db", str(db)), None),
        (("import", "-", "--db", str(db)), "{not json"),
        (("show", "no-such-issue", "--db", str(db)), None),
        (("report", "--format", "json", "--now", now, "--db", str(db)), None),
        (("export", "--kind", "issues", "--db", str(db)), None),
        (("no-such-command",), None),
        (("import", str(folder / "missing.json"), "--db", str(db)), None),
        (("import", "-", "--format", "jsonl", "--db", str(db)), '{"id": "U-1", "title": "ünïcode\\u0007 teapot"}'),
        (("show", "U-1", "--db", str(db)), None),
    ]


def test_a_forked_cli_answers_as_a_fresh_one(tmp_path: Path) -> None:
    forked, fresh = tmp_path / "forked", tmp_path / "fresh"
    forked.mkdir()
    fresh.mkdir()
    compared = 0
    for (args, stdin), (args2, _) in zip(_calls(forked / "d.json", forked), _calls(fresh / "d.json", fresh),
                                         strict=True):
        one = run_cli(*args, stdin=stdin, cwd=forked)
        other = run_cli(*args2, stdin=stdin, cwd=fresh, fresh=True)
        assert one.returncode == other.returncode, (args, one.stderr, other.stderr)
        assert one.stdout.replace(str(forked), "X") == other.stdout.replace(str(fresh), "X"), args
        assert one.stderr.replace(str(forked), "X") == other.stderr.replace(str(fresh), "X"), args
        compared += 1
    assert compared == 10


def test_a_forked_cli_gets_the_calls_environment_and_folder(tmp_path: Path) -> None:
    db = tmp_path / "from-env.json"
    example = str(ROOT / "data" / "examples" / "ransomware.json")
    done = run_cli("import", example, env={"TRIAGEDESK_DB": "from-env.json"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert db.exists() and "into from-env.json" in done.stdout


def test_a_forked_cli_that_runs_too_long_is_killed_and_reported_as_subprocess_would(tmp_path: Path) -> None:
    import subprocess

    with pytest.raises(subprocess.TimeoutExpired):
        run_cli("dispatch", "--db", str(tmp_path / "d.json"), timeout=1.5)  # runs until stopped


def _read_at_import(source: str) -> set[str]:
    """The environment variables a module's top level (its statements and class bodies, not functions) reads."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            target = ast.unparse(node.func)
            if target in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                found.add(node.args[0].value)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ") \
                and isinstance(node.slice, ast.Constant):
            found.add(str(node.slice.value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_what_triagedesk_reads_at_import_is_listed_for_run_cli() -> None:
    modules = sorted((ROOT / "src" / "triagedesk").rglob("*.py"))
    assert len(modules) > 100
    read = set().union(*(_read_at_import(m.read_text("utf-8")) for m in modules))
    assert read, "the scan found no import-time read at all: it no longer sees them"
    assert read <= set(IMPORT_TIME_ENV), sorted(read - set(IMPORT_TIME_ENV))


def test_the_import_time_scan_sees_each_form_and_skips_functions() -> None:
    source = ('import os\nA = os.environ.get("ONE", 1)\nB = os.environ["TWO"]\nclass C:\n    x = os.getenv("THREE")\n'
              'def f():\n    return os.environ.get("NOT_AT_IMPORT")\n')
    assert _read_at_import(source) == {"ONE", "TWO", "THREE"}
