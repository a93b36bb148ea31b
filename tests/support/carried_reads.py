"""The read commands' questions a compaction's carried side files answer (tests/app/test_carried*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from triagedesk.app import search_file
from triagedesk.app.answers import open_answers
from triagedesk.app.reading import open_reading
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
