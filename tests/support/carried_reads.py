"""The read commands' questions a compaction's carried side files answer, and the checks that they answer them as
the scanning paths do (tests/app/test_carried*.py, tests/app/adversarial/test_attack_carry*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from triagedesk.app import search_file
from triagedesk.app.answers import open_answers
from triagedesk.app.desk import Desk
from triagedesk.app.issue_search import scan
from triagedesk.app.reading import open_reading
from triagedesk.app.report_columns import report as counted_report
from triagedesk.app.report_days_file import book_path
from triagedesk.store import knowledge_file, places

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
SIDE = (book_path, search_file.path_of, places.path_of, knowledge_file.path_of)


def _reads(path: Path, issue: str) -> None:
    """A report, a search, a `show`'s gets and a kb search, as the read commands ask them."""
    reading = open_reading(path, clock=lambda: NOW)
    try:
        reading.report(30, NOW)
        reading.search("outage", 20)
        reading.knowledge("disk full on the database server", 5)
    finally:
        reading.close()
    answers = open_answers(path, clock=lambda: NOW)  # what `show` and `package` open
    try:
        assert answers.store.journal.get("issues", issue) is not None
    finally:
        answers.close()


def _fresh_equal(path: Path, issue: str) -> None:
    """Each side file is byte for byte what a first reader builds now (from the same snapshot)."""
    left = {side: side(path).read_bytes() for side in SIDE}
    for side in SIDE:
        side(path).unlink()
    _reads(path, issue)
    for side, data in left.items():
        assert side(path).read_bytes() == data, side.__module__


def _same_answers(desk: Desk, path: Path) -> None:
    desk.store.journal.refresh()
    reading = open_reading(path, clock=lambda: NOW)
    try:
        booked = reading.report(30, NOW)
        assert {k: v for k, v in booked.items() if k not in ("oncall", "noise")} == counted_report(
            desk.store, reading.profiles(), NOW, 30)
        found = [f.issue_id for f in reading.search("outage", 50)]
        assert found and found == [f.issue_id for f in scan(desk.store, "outage", 50)]
    finally:
        reading.close()


def _no_staged(path: Path) -> None:
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
