"""Import and export: lossless round trips, all-or-nothing imports, errors naming line, column and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli import run_cli
from tests.support.strategies import issues
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest
from triagedesk.formats.transfer import export_rows, read_records, validate_all
from triagedesk.store.database import open_store


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(batch=st.lists(issues, max_size=5, unique_by=lambda i: i.id), fmt=st.sampled_from(["jsonl", "json", "csv"]))
def test_export_import_round_trip(tmp_path_factory, batch: list[Issue], fmt: str) -> None:
    text = "".join(export_rows(batch, fmt, Issue))  # type: ignore[arg-type]
    if not batch and fmt == "jsonl":
        return
    records = read_records(text, f"x.{fmt}", fmt, Issue)  # type: ignore[arg-type]
    back = validate_all(records, Issue, fmt)  # type: ignore[arg-type]
    assert back == batch
    store = open_store(tmp_path_factory.mktemp("rt") / "desk.json")
    store.issues.put_many(back)
    assert store.issues.all() == batch


def _rows(count: int, bad_at: int) -> list[dict]:
    rows = [{"id": f"INC-{n}", "title": f"row {n}", "users_affected": n} for n in range(1, count + 1)]
    rows[bad_at - 1]["users_affected"] = "lots"
    return rows


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_import_is_all_or_nothing(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"issues.{fmt}"
    rows = _rows(10_000, 9_999)
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
        expected = f"{path}:9999: users_affected: Input should be a valid integer"
    else:
        body = "".join(f"{r['id']},{r['title']},{r['users_affected']}\n" for r in rows)
        path.write_text("id,title,users_affected\n" + body, "utf-8")
        expected = f"{path}:10000: column users_affected: users_affected: Input should be a valid integer"
    db = tmp_path / "desk.json"
    open_store(db).issues.add(Issue(id="existing"))
    result = run_cli("import", str(path), "--db", str(db))
    assert result.returncode == 2
    assert result.stderr.strip() == f"triagedesk: error: {expected}, unable to parse string as an integer"
    store = open_store(db)
    assert [i.id for i in store.issues.all()] == ["existing"]  # nothing of the file was written


def test_import_counts_and_csv_conventions(tmp_path: Path) -> None:
    csv_path = tmp_path / "issues.csv"
    csv_path.write_text(
        "id,title,affectedSystems,research.overall_confidence,estimated_value.min,estimated_value.max,category\n"
        'INC-1,"Outage, [bold]big[/]",db;api,0.4,,,\n'
        'APR-1,Teapot,"[""x""]",,350000,700000,silver\n', "utf-8")
    result = run_cli("import", str(csv_path), "--db", str(tmp_path / "desk.json"))
    assert result.returncode == 0, result.stderr
    assert "imported 2 issues (2 new, 0 updated)" in result.stdout
    store = open_store(tmp_path / "desk.json")
    first = store.issues.require("INC-1")
    assert first.title == "Outage, [bold]big[/]" and first.affected_systems == ["db", "api"]
    assert first.research is not None and first.research.overall_confidence == 0.4
    assert first.estimated_value is None and first.category is None
    second = store.issues.require("APR-1")
    assert second.affected_systems == ["x"] and second.estimated_value is not None
    again = run_cli("import", str(csv_path), "--db", str(tmp_path / "desk.json"), "--json")
    assert json.loads(again.stdout)["updated"] == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "id,user_affected\nx,3\n", "a.csv:1: column user_affected: unknown field"),
        ("a.csv", "", "a.csv: empty CSV"),
        ("a.csv", "id,title\nx,y,z\n", "a.csv:2: more cells than header columns"),
        ("a.jsonl", '{"id": "x"}\n{"id": \n', "a.jsonl:2:"),
        ("a.txt", "{}", "cannot tell the format from the name"),
        ("a.json", '{"id": "x", "research": {"confidence": 1}}', "a.json: research.confidence: unknown field"),
    ],
)
def test_import_errors(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    result = run_cli("import", str(path), "--db", str(tmp_path / "desk.json"))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_requests_import_camel_case(tmp_path: Path) -> None:
    path = tmp_path / "requests.json"
    path.write_text(json.dumps([{
        "id": "exp-123", "analysisId": "a1", "userId": "u1", "tierId": "full-authentication",
        "tierName": "Full Authentication", "price": 150, "status": "pending_payment",
        "submittedAt": "2026-01-05T10:00:00Z", "dueAt": "2026-01-07T10:00:00Z", "itemName": "Teapot",
        "itemCategory": "silver", "estimatedValue": {"min": 350000, "max": 700000},
        "expertCorrections": [{"field": "maker", "originalValue": "Unknown English",
                               "correctedValue": "Paul Storr, London", "explanation": "PS hallmark",
                               "confidence": 0.98}],
    }]), "utf-8")
    result = run_cli("import", str(path), "--kind", "requests", "--db", str(tmp_path / "desk.json"))
    assert result.returncode == 0, result.stderr
    request = open_store(tmp_path / "desk.json").requests.require("exp-123")
    assert isinstance(request, ExpertRequest) and request.expert_corrections[0].corrected_value == "Paul Storr, London"


def test_demo_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        db = tmp_path / name / "desk.json"
        made = run_cli("demo", "--db", str(db), "--issues", "300", "--seed", "3", "--now", "2026-01-15T12:00:00Z",
                       "--json")
        assert made.returncode == 0, made.stderr
        counts = json.loads(made.stdout)
        assert counts["issues"] == 300 and counts["requests"] > 100 and counts["corrections"] > 0
        outputs.append(run_cli("export", "--db", str(db), "--kind", "requests").stdout)
    assert outputs[0] == outputs[1]
    statuses = {json.loads(line)["status"] for line in outputs[0].splitlines()}
    assert {"pending_assignment", "assigned", "in_review", "waiting", "completed", "cancelled", "refunded"} <= statuses
    again = run_cli("demo", "--db", str(tmp_path / "a" / "desk.json"))
    assert again.returncode == 2 and "--force" in again.stderr
