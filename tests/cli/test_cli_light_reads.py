"""The read commands import only what they answer with: `search` no model at all, `kb search` only the model of
the entries it prints, `show` and `package` the desk's queries but none of its writing world; and `show` through
them says what the Desk says."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0
from triagedesk.app.answers import open_answers
from triagedesk.app.stores import open_desk
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest, KnowledgeEntry

RUN = """
import sys
from triagedesk.cli import main
try:
    main(sys.argv[2:])
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
print("imported:" + ",".join(sorted(m for m in sys.argv[1].split(",") if m in sys.modules)), file=sys.stderr)
"""

HEAVY = ("pydantic,triagedesk.domain.records,triagedesk.app.desk,triagedesk.app.commands,triagedesk.app.replica,rich,"
         "triagedesk.app.noise,triagedesk.domain.scoring.backtest")


def build(path: Path) -> None:
    desk = open_desk(path)
    desk.store.issues.put_many([Issue(id=f"INC-{n}", title=f"printer outage {n}", profile="infrastructure",
                                      created_at=T0) for n in range(30)])
    desk.store.requests.put_many([ExpertRequest(id="req-1", analysis_id="INC-3", submitted_at=T0, user_id="ann",
                                                status="assigned", assigned_expert_id="exp-1")])
    desk.store.knowledge.put_many([KnowledgeEntry(id="kb-1", issue_id="INC-3", title="disk full", created_at=T0,
                                                  problem="the disk filled", resolution="rotated the logs")])
    desk.store.journal.compact()
    desk.close()


def imported(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", RUN, HEAVY, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("imported:"), done.stderr
    return set(filter(None, line.removeprefix("imported:").split(",")))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "desk.json"
    build(path)
    return path


def test_search_imports_no_model(store: Path) -> None:
    assert imported("search", "outage", "--db", str(store)) == set()


def test_kb_search_imports_the_entries_model_only(store: Path) -> None:
    assert imported("kb", "search", "disk full", "--db", str(store), "--json") == {
        "pydantic", "triagedesk.domain.records"}


@pytest.mark.parametrize("command", ["show", "package"])
def test_show_and_package_import_none_of_the_writing_world(store: Path, command: str) -> None:
    found = imported(command, "INC-3", "--db", str(store))
    assert "triagedesk.domain.records" in found  # the import check can see what they do import
    assert not found & {"triagedesk.app.desk", "triagedesk.app.commands", "triagedesk.app.replica"}, found
    # nor the queries they do not ask (noise control, a profile's replay): imported by the query that uses them
    assert not found & {"triagedesk.app.noise", "triagedesk.domain.scoring.backtest"}, found


BUILT = """
import pydantic
from triagedesk.app import answers
from triagedesk.domain.models import DomainModel, OutputModel

def kinds(base):
    for sub in base.__subclasses__():
        yield sub
        yield from kinds(sub)

models = [m for base in (DomainModel, OutputModel) for m in kinds(base)]
assert len(models) > 20, len(models)
print(",".join(sorted(m.__name__ for m in models if m.__pydantic_complete__)))
"""


def test_importing_the_queries_builds_no_models_validator() -> None:
    """The domain's models are checked on first use (`defer_build`): a read that validates one issue builds the
    issue's validator, not every model's (about 20 ms of each `show` and `package`)."""
    done = subprocess.run([sys.executable, "-c", BUILT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    built = set(filter(None, done.stdout.strip().split(",")))
    assert built <= {"OpenHours"}, built  # the one built at import: calendars.ALL_WEEK, a module constant


def test_show_through_the_answers_is_what_the_desk_shows(store: Path) -> None:
    fixed = T0 + timedelta(days=1)
    desk = open_desk(store, clock=lambda: fixed)
    answers = open_answers(store, clock=lambda: fixed)
    try:
        for issue in ("INC-3", "INC-4"):
            assert answers.queries.issue_record(issue) == desk.queries.issue_record(issue)
            assert answers.queries.package(issue) == desk.queries.package(issue)
        answers.answerable()
    finally:
        desk.close()
        answers.close()
    shown = run_cli("show", "INC-3", "--db", str(store), "--now", fixed.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert shown.returncode == 0 and "printer outage 3" in shown.stdout and "ann" in shown.stdout, shown.stderr


def test_kb_search_prints_each_hit_on_its_own_two_lines_without_rich(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = open_desk(path)
    desk.store.knowledge.put_many([KnowledgeEntry(
        id="kb-1", issue_id="INC-3", title="disk full\non the \x1b[31mdatabase", created_at=T0,
        problem="the disk filled", resolution="rotated the logs " + "and more " * 30)])
    desk.close()
    shown = run_cli("kb", "search", "disk full", "--db", str(path), env={"COLUMNS": "60"})
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(lines) == 2, lines  # a narrow terminal wraps nothing: the title's line break shows as ⏎
    assert float(lines[0].split()[0]) > 0  # the score
    assert "disk full⏎on the \\x1b[31mdatabase  (INC-3)" in lines[0]
    assert lines[1].startswith("      rotated the logs") and lines[1].endswith("…") and len(lines[1]) <= 6 + 110
    assert imported("kb", "search", "disk full", "--db", str(path)) == {"pydantic", "triagedesk.domain.records"}


COLLECTIONS = """
import gc
import sys
from triagedesk.cli import main

young = []
gc.callbacks.append(lambda phase, info: young.append(info["generation"]) if phase == "start" else None)
try:
    main(sys.argv[1:])
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
print(len(young), gc.get_threshold()[0], file=sys.stderr)
"""


def test_a_reads_imports_run_under_the_processs_collection_policy(store: Path) -> None:
    """The CLI sets the collector's thresholds (`memory.apply`) before a command imports its world: at the default
    threshold `show`'s imports alone started ~90 collections (about 7% of its 0.3 s at 100k issues)."""
    from triagedesk.app import memory

    done = subprocess.run([sys.executable, "-c", COLLECTIONS, "show", "INC-3", "--db", str(store)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    collections, threshold = map(int, done.stderr.strip().splitlines()[-1].split())
    assert threshold == memory.THRESHOLDS[0]
    assert collections < 20, collections


FIRST_USES = """
import threading
from datetime import datetime, timezone

from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest

start, found, failed = threading.Barrier(8), [], []


def first_use(n: int) -> None:
    start.wait()
    try:
        found.append(Issue.model_validate({"id": f"INC-{n}", "title": f"t{n}", "profile": "infrastructure",
                                           "createdAt": "2026-01-01T00:00:00Z"}).id)
        found.append(ExpertRequest(id=f"r{n}", analysis_id=f"INC-{n}", user_id="u",
                                   submitted_at=datetime(2026, 1, 1, tzinfo=timezone.utc)).id)
        Issue.model_validate({"id": f"INC-{n}", "title": "t", "unknown": 1})
        failed.append(f"{n}: an unknown field passed")
    except Exception as exc:
        if "unknown" not in str(exc):
            failed.append(f"{n}: {type(exc).__name__}: {exc}")


threads = [threading.Thread(target=first_use, args=(n,)) for n in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert not failed, failed
assert sorted(found) == sorted([f"INC-{n}" for n in range(8)] + [f"r{n}" for n in range(8)]), found
print("ok")
"""


def test_models_first_used_by_several_threads_at_once_validate_alike() -> None:
    """A deferred model is built by its first use, and the desk's workers may be several at once: each thread gets
    the model's own validator (camelCase names, unknown fields refused), never a half-built one's."""
    done = subprocess.run([sys.executable, "-c", FIRST_USES], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
