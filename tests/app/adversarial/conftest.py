"""The adversarial app tests' fixture: a demo desk whose side files were all built for its snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.carried_reads import NOW, SIDE, _reads
from triagedesk.app.desk import Desk
from triagedesk.app.stores import open_desk
from triagedesk.commands.store_cmds import _network
from triagedesk.demo.data import KINDS, generate_chunks
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import load_profile


@pytest.fixture()
def desk(tmp_path: Path) -> Iterator[Desk]:
    """A demo store whose every side file was built for its snapshot, with changes in its journal."""
    path = tmp_path / "desk.json"
    opened = open_desk(path, clock=lambda: NOW)
    try:
        scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
        opened.records.load_demo(generate_chunks(300, 3, NOW, scorers, _network(), size=100), KINDS, note="seed 3")
        _reads(path, opened.store.issues.all()[0].id)
        assert all(side(path).exists() for side in SIDE)
        requests = opened.store.requests.all()[:40]
        opened.store.requests.put_many([r.model_copy(update={"price": r.price + 1.0}) for r in requests])
        opened.store.issues.delete(opened.store.issues.all()[5].id)
        yield opened
    finally:
        opened.close()
