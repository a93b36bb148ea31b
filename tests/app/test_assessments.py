"""The persisted assessments: a warm start shows exactly what a cold one does; an edited issue, a foreign
or hostile cache file are recomputed, never shown."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson

from tests.support.clock import T0
from triagedesk.app import assessments
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueData, load
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store


def columns(data: QueueData) -> dict[str, list]:
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data) if isinstance(getattr(data, f.name), list)}


def make(path: Path) -> Desk:
    store = open_store(path)
    store.issues.put_many([Issue(id=f"I-{n}", title=f"Database outage {n}", users_affected=n * 50, total_users=1000,
                                 created_at=T0) for n in range(30)])
    return Desk(store, clock=lambda: T0)


def reopened(path: Path) -> Desk:
    return Desk(open_store(path), clock=lambda: T0)


def test_a_warm_start_equals_a_cold_one(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = make(path)
    cold = load(desk, T0)
    assessments.of(desk).save()
    cache_file = path.with_name("desk.json.assessments")
    assert cache_file.exists()
    warm_desk = reopened(path)
    warm = load(warm_desk, T0)
    assert len(cold) == 30 and columns(warm) == columns(cold)
    assert not warm.issues, "every row came from the cache: nothing was validated"


def test_a_warm_start_parses_no_issue(tmp_path: Path, monkeypatch) -> None:
    """The cache is keyed by the stored JSON itself: a warm start reads each open issue's bytes, never its fields."""
    path = tmp_path / "desk.json"
    desk = make(path)
    desk.store.journal.compact()  # the issues are read from the snapshot, as on a real start
    cold = load(desk, T0)
    assessments.of(desk).save()
    warm_desk = reopened(path)
    parsed: list[bytes] = []
    real = orjson.loads

    def counting(data):
        parsed.append(bytes(data[:30]))
        return real(data)

    monkeypatch.setattr(orjson, "loads", counting)
    warm = load(warm_desk, T0)
    assert len(warm) == 30 and columns(warm) == columns(cold)
    assert not [p for p in parsed if p.startswith(b'{"id":"I-')], parsed


def test_an_edited_issue_is_recomputed(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = make(path)
    load(desk, T0)
    assessments.of(desk).save()
    desk.store.issues.save(desk.store.issues.require("I-3").model_copy(update={"users_affected": 1000,
                                                                             "title": "Everything is down"}))
    again = reopened(path)
    warm = load(again, T0)
    fresh = load(Desk(again.store, clock=lambda: T0), T0)  # another desk object: a cold cache
    assert list(warm.issues) == ["I-3"]
    assert columns(warm) == columns(fresh)


def test_a_hostile_or_foreign_cache_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = make(path)
    cold = load(desk, T0)
    assessments.of(desk).save()
    cache_file = path.with_name("desk.json.assessments")
    found = orjson.loads(cache_file.read_bytes())
    for entry in found["entries"].values():
        entry[2], entry[7] = "0", "\x1b[31mred"  # a string urgency, an escape sequence in a title
    cache_file.write_bytes(orjson.dumps(found))
    assert columns(load(reopened(path), T0)) == columns(cold)
    cache_file.write_bytes(b"not json at all")
    assert columns(load(reopened(path), T0)) == columns(cold)


def test_a_warm_start_compiles_no_scorer_and_a_later_decision_uses_the_same_profile(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """The cached rows need only their profile (its hash, its SLA budgets): compiling the scorers' keyword
    patterns was ~5% of the load at 100k. The scorer compiled later scores with the very profile the rows used."""
    from triagedesk.domain.scoring.escalation import Scorer

    path = tmp_path / "desk.json"
    desk = make(path)
    cold = load(desk, T0)
    assessments.of(desk).save()
    warm_desk = reopened(path)
    compile_scorer = Scorer.__init__

    def refused(self: Scorer, *args: object, **kwargs: object) -> None:
        raise AssertionError("a scorer compiled for a warm load")

    monkeypatch.setattr(Scorer, "__init__", refused)
    warm = load(warm_desk, T0)
    assert len(warm) == 30 and columns(warm) == columns(cold)
    monkeypatch.setattr(Scorer, "__init__", compile_scorer)
    profile = warm_desk.engine.profile(None)
    assert warm_desk.engine.scorer(None).profile is profile
    warm_score = warm_desk.engine.decide(warm_desk.queries.issue("I-3")).score  # type: ignore[arg-type]
    assert warm_score == desk.engine.decide(desk.queries.issue("I-3")).score  # type: ignore[arg-type]
