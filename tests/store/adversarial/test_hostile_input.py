"""Hostile input never reaches the store or the terminal: one-line errors, escaped text, neutralised formulas."""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
from pathlib import Path

import pytest

from tests.store.adversarial.hostile import CASES, Hostile
from tests.support.cli import run_cli


def _cli(capsys: pytest.CaptureFixture[str], *argv: str, tty: bool = False,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    from triagedesk.cli import main

    if tty:
        assert monkeypatch is not None
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_one_line_and_writes_nothing(tmp_path: Path, capsys, case: Hostile) -> None:
    source = tmp_path / case.filename
    source.write_text(case.text, "utf-8")
    db = tmp_path / "desk.json"
    code, out, err = _cli(capsys, "import", str(source), "--db", str(db))
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err[:300]
    assert case.expected in err, err
    assert not db.exists(), "the store was touched"
    if not case.filename.endswith(".csv"):
        code, _, err = _cli(capsys, "evaluate", str(source))
        assert code == 2 and err.count("\n") == 1 and case.expected in err, err[:300]


def _demo(tmp_path: Path) -> Path:
    db = tmp_path / "desk.json"
    made = run_cli("demo", "--db", str(db), "--issues", "40", "--now", "2026-01-20T12:00:00Z")
    assert made.returncode == 0, made.stderr
    return db


NASTY = "\x1b]0;pwned\x07Eve\x1b[2J\x9b31m"


def test_report_and_errors_never_send_escapes_to_the_terminal(tmp_path: Path, capsys) -> None:
    db = _demo(tmp_path)
    export = run_cli("export", "--kind", "experts", "--db", str(db))
    lines = export.stdout.splitlines()
    assert lines
    import json

    experts = [json.loads(line) for line in lines]
    for expert in experts:
        expert["name"] = NASTY + expert["name"]
    changed = tmp_path / "experts.jsonl"
    changed.write_text("\n".join(json.dumps(e) for e in experts), "utf-8")
    assert _cli(capsys, "import", str(changed), "--kind", "experts", "--db", str(db))[0] == 0
    code, out, _ = _cli(capsys, "report", "--db", str(db), "--now", "2026-01-20T12:00:00Z", "--days", "90")
    assert code == 0
    assert "\\x1b]0;pwned\\x07Eve" in out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    (tmp_path / "issues.json").write_text('{"id": "a"}', "utf-8")
    code, _, err = _cli(capsys, "evaluate", str(tmp_path / "issues.json"), "--profile", f"/tmp/{NASTY}.toml")
    assert code == 2 and "\x1b" not in err and "\\x1b]0;pwned" in err


def test_export_to_a_terminal_escapes_but_to_a_file_is_exact(tmp_path: Path, capsys,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "issues.jsonl"
    source.write_text('{"id": "a", "title": "' + NASTY.replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
                      .replace("\x9b", "\\u009b") + '"}\n', "utf-8")
    db = tmp_path / "desk.json"
    assert _cli(capsys, "import", str(source), "--db", str(db))[0] == 0
    code, out, _ = _cli(capsys, "export", "--format", "csv", "--db", str(db))
    assert code == 0 and NASTY in out                       # a file or a pipe gets the exact text
    code, out, _ = _cli(capsys, "export", "--format", "csv", "--db", str(db), tty=True, monkeypatch=monkeypatch)
    assert code == 0 and "\x1b" not in out and "\x9b" not in out and "\\x1b]0;pwned" in out


FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tTAB", "\rCR",
            "'=already quoted", "'plain", "''", "'"]


def test_csv_export_neutralises_formulas_and_import_reads_them_back(tmp_path: Path, capsys) -> None:
    import json

    source = tmp_path / "issues.jsonl"
    db = tmp_path / "desk.json"
    source.write_text(json.dumps({"id": "=HYPERLINK(1)", "title": "x"}), "utf-8")
    assert _cli(capsys, "import", str(source), "--db", str(db))[0] == 2  # an id is never a formula (models.ISSUE_ID)
    rows = [{"id": f"id{n}", "title": text, "description": text, "symptoms": [text]}
            for n, text in enumerate(FORMULAS)]
    source.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    assert _cli(capsys, "import", str(source), "--db", str(db))[0] == 0
    code, out, _ = _cli(capsys, "export", "--format", "csv", "--db", str(db))
    assert code == 0
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert len(cells) > len(FORMULAS) * 3
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    exported = tmp_path / "back.csv"
    exported.write_text(out, "utf-8")
    other = tmp_path / "other.json"
    assert _cli(capsys, "import", str(exported), "--db", str(other))[0] == 0
    first = _cli(capsys, "export", "--db", str(db))[1]
    second = _cli(capsys, "export", "--db", str(other))[1]
    strip = lambda text: [{k: v for k, v in json.loads(line).items()} for line in text.splitlines()]  # noqa: E731
    assert strip(first) == strip(second)
    assert {r["title"] for r in strip(second)} == set(FORMULAS)


def test_a_code_fence_in_a_description_stays_inside_the_package_block(tmp_path: Path, capsys) -> None:
    from triagedesk.domain.insight.package import fenced

    block = fenced("see:\n```\nrm -rf /\n```\nand ````four````")
    lines = block.splitlines()
    fence = lines[0][: len(lines[0]) - len("text")]
    assert len(fence) == 5
    assert [n for n, line in enumerate(lines) if line.startswith(fence)] == [0, len(lines) - 1]


def test_package_out_refuses_the_store_keeps_modes_and_follows_no_planted_symlink(tmp_path: Path, capsys) -> None:
    db = _demo(tmp_path)
    issue = run_cli("export", "--db", str(db)).stdout.splitlines()[0]
    import json

    issue_id = json.loads(issue)["id"]
    for target in (db, db.with_name("desk.json.journal"), tmp_path / "copy-of-store.json"):
        if target.name == "copy-of-store.json":
            target.write_bytes(db.read_bytes())
        before = target.read_bytes()
        code, out, err = _cli(capsys, "package", issue_id, "--db", str(db), "--out", str(target))
        assert code == 2 and err.count("\n") == 1 and "refusing to write over it" in err
        assert target.read_bytes() == before
    private = tmp_path / "private.md"
    private.write_text("old")
    os.chmod(private, 0o600)
    victim = tmp_path / "victim"
    os.symlink(victim, tmp_path / f".private.md.tmp-{os.getpid()}")   # the old, predictable temp name
    assert _cli(capsys, "package", issue_id, "--db", str(db), "--out", str(private))[0] == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("#")
    assert not victim.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    code, _, err = _cli(capsys, "package", issue_id, "--db", str(db), "--out", str(tmp_path / "no" / "such" / "p.md"))
    assert code == 2 and err.count("\n") == 1 and "cannot write: No such file or directory" in err


def test_every_record_model_refuses_non_finite_numbers_wherever_it_comes_from() -> None:
    from pydantic import ValidationError

    from triagedesk.domain.models import Issue
    from triagedesk.domain.records import ExpertRequest

    with pytest.raises(ValidationError, match="finite number"):
        Issue(id="a", estimated_revenue_impact=float("inf"))      # the intake form, a sync pull, a script
    with pytest.raises(ValidationError, match="finite number"):
        ExpertRequest(analysis_id="a", price=float("nan"))
