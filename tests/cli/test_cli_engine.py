"""The engine's CLI in a subprocess: seed examples, JSON contracts, one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from triagedesk import __version__
from triagedesk.resources import data_dir

EXAMPLES = data_dir() / "examples"
EXPERTS = data_dir() / "experts"


def test_evaluate_seed_002_example() -> None:
    result = run_cli("evaluate", str(EXAMPLES / "georgian-silver.json"), "--json")
    assert result.returncode == 0, result.stderr
    [decision] = json.loads(result.stdout)
    assert decision["issue_id"] == "analysis-123"
    assert decision["urgency"] == "high"
    assert decision["reasons"] == ["High-value item: $5,250 estimated", "High-risk category: silver"]
    assert decision["recommended_tier"] == "premium-appraisal"


def test_evaluate_keeps_input_order_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_text('{"id": "b", "title": "fine"}\n{"id": "a", "title": "site down"}\n', "utf-8")
    result = run_cli("evaluate", str(path), "--profile", "infrastructure", "--json")
    assert result.returncode == 0, result.stderr
    decisions = json.loads(result.stdout)
    assert [d["issue_id"] for d in decisions] == ["b", "a"]
    assert decisions[1]["urgency"] == "critical"


def test_evaluate_stdin_table() -> None:
    result = run_cli("evaluate", "-", "--profile", "infrastructure",
                     stdin='{"id": "x1", "title": "[bold]Outage[/] \\u001b[31m"}')
    assert result.returncode == 0, result.stderr
    assert "x1" in result.stdout and "critical" in result.stdout
    assert "[bold]Outage[/]" in result.stdout  # markup shown literally
    assert "\x1b" not in result.stdout and "\\x1b" in result.stdout


def test_match_seed_002_example() -> None:
    result = run_cli("match", str(EXAMPLES / "georgian-silver.json"),
                     "--experts", str(EXPERTS / "appraisal.jsonl"), "--profile", "appraisal",
                     "--at", "2026-01-05T12:00:00Z", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    candidates = answer["candidates"]
    assert [c["role"] for c in candidates] == ["primary"]  # nobody else in the network does silver
    assert answer["nobody_fits"] is False and answer["note"] == ""
    top = candidates[0]
    assert top["expert_id"] == "expert-456" and top["match_score"] == 87
    assert top["reasons"] == ["Specializes in silver", "Highly experienced (100+ reviews)"]
    assert set(top["factors"]) == {"specialization", "rating", "experience", "turnaround"}


def test_match_json_says_when_nobody_fits() -> None:
    result = run_cli("match", "-", "--experts", str(EXPERTS / "appraisal.jsonl"), "--profile", "appraisal",
                     "--at", "2026-01-05T12:00:00Z", "--json", stdin='{"title": "Pearls", "category": "pearls"}')
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["nobody_fits"] is True and answer["note"].startswith("Nobody specialises in pearls")
    assert [c["role"] for c in answer["candidates"]] == ["next_available", "senior_fallback"]


def test_match_seed_000_example_table() -> None:
    result = run_cli("match", str(EXAMPLES / "ransomware.json"),
                     "--experts", str(EXPERTS / "infrastructure.jsonl"), "--profile", "infrastructure",
                     "--at", "2026-01-05T12:00:00Z")
    assert result.returncode == 0, result.stderr
    assert "sec-maya" in result.stdout and "93.8" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["evaluate", "missing.json", "--profile", "infrastructure"], None, "missing.json: no such file"),
        (["evaluate", "-", "--profile", "infrastructure"], '{"user_affected": 5}',
         "<stdin>: user_affected: unknown field"),
        (["evaluate", "-", "--profile", "infrastructure"], '[{}, {"users_affected": "many"}]',
         "<stdin>: [1]: users_affected: Input should be a valid integer"),
        (["evaluate", "-", "--profile", "infrastructure"], '{"id": 1,,}', "<stdin>:1:10: invalid JSON"),
        (["evaluate", "-", "--profile", "nope"], '{}', "unknown profile 'nope'"),
        (["evaluate", "-"], '{"id": "a"}', "<stdin>: profile: no --profile given and the issue names none"),
        (["evaluate", "-", "--profile", "infrastructure"], "", "<stdin>: empty input"),
        (["match", "-", "--experts", "missing.jsonl", "--profile", "appraisal"], '{}', "missing.jsonl: no such file"),
        (["match", "-", "--experts", str(EXPERTS / "appraisal.jsonl"), "--profile", "appraisal", "--at", "noon"], '{}',
         "--at: 'noon' is not an ISO 8601 time"),
        (["match", "-", "--experts", str(EXPERTS / "appraisal.jsonl"), "--profile", "appraisal"], '{"tier": "gold"}',
         "tier: unknown tier 'gold'"),
        (["match", "-", "--experts", str(EXPERTS / "appraisal.jsonl"), "--profile", "appraisal"], '[{}, {}]',
         "expected one issue, found 2"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str | None, expected: str) -> None:
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_experts_file_names_the_line(tmp_path: Path) -> None:
    experts = tmp_path / "experts.jsonl"
    experts.write_text('{"id": "a"}\n{"id": "b", "rating": 9}\n', "utf-8")
    result = run_cli("match", "-", "--experts", str(experts), "--profile", "appraisal", stdin="{}")
    assert result.returncode == 2
    assert result.stderr.strip() == f"triagedesk: error: {experts}:2: rating: Input should be less than or equal to 5"


def test_profiles_version_help() -> None:
    listed = json.loads(run_cli("profiles", "--json").stdout)
    assert {p["name"] for p in listed} >= {"infrastructure", "appraisal"}
    assert run_cli("--version").stdout.strip() == f"triagedesk, version {__version__}"
    for command in ("evaluate", "match", "profiles"):
        result = run_cli(command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout


def test_demo_queue_is_sorted() -> None:
    result = run_cli("demo-queue", "--json")
    assert result.returncode == 0, result.stderr
    decisions = json.loads(result.stdout)
    order = ["critical", "high", "medium", "low"]
    keys = [(order.index(d["urgency"]), -d["score"]) for d in decisions]
    assert keys == sorted(keys) and len(decisions) >= 10


def test_a_long_table_is_cut_but_json_has_everything(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"id": f"i{n}", "title": "x"}) + "\n" for n in range(1200)), "utf-8")
    table = run_cli("evaluate", str(path), "--profile", "infrastructure")
    assert table.returncode == 0 and "1,200 decisions (the first 1,000; --json gives all)" in table.stdout
    assert "i1199" not in table.stdout
    assert len(json.loads(run_cli("evaluate", str(path), "--profile", "infrastructure", "--json").stdout)) == 1200
