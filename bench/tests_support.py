"""Building stores of a given size for the benchmarks (the demo generator, issues only for speed)."""

from __future__ import annotations

from pathlib import Path

from triagedesk.demo.issues import issue_records
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store


def build_store(path: Path, count: int) -> None:
    store = open_store(path)
    store.issues.put_many(Issue.model_validate(r) for r in issue_records(count, seed=9))
    store.journal.compact()
    store.close()
