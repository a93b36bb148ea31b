"""Experts' figures counted from the requests: kept up to date one change at a time, equal to a full count,
and following another process's writes."""

from __future__ import annotations

import random
from pathlib import Path

from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert
from triagedesk.domain.requests.performance import Counts, figures
from triagedesk.store.database import open_store

EXPERTS = [Expert(id=f"e{n}", completed_reviews=n, rating=4.0 if n % 2 else None) for n in range(4)]


def request(rng: random.Random) -> dict:
    status = rng.choice(["assigned", "in_review", "waiting", "completed", "refunded", "cancelled", "pending_payment"])
    return {"assigned_expert_id": rng.choice(["e0", "e1", "e2", "e3", None]), "status": status,
            "assigned_at": "2026-01-01T00:00:00Z", "completed_at": f"2026-01-0{rng.randint(1, 9)}T00:00:00Z",
            "rating": rng.choice([None, 1, 5, True, "5"])}


def test_counting_one_change_at_a_time_equals_a_full_count() -> None:
    rng = random.Random(7)
    counts = Counts()
    current: dict[str, dict] = {}
    for step in range(2000):
        key = str(rng.randint(0, 60))
        if rng.random() < 0.2:
            current.pop(key, None)
            counts.put(key, None)
        else:
            current[key] = request(rng)
            counts.put(key, current[key])
        if step % 200 == 0:
            assert counts.figures(EXPERTS) == figures(EXPERTS, list(current.values()))
    assert current and counts.figures(EXPERTS) == figures(EXPERTS, list(current.values()))


def test_counted_from_columns_then_changed_equals_a_full_count() -> None:
    """Counted at once from the stored requests (the contributions held as arrays), then changed one request at a
    time (doc_ids out of order or not numbers among them): always equal to a full count; with ratings too large
    for a float to hold exactly, equal to counting them one at a time (the same sums in the same order)."""
    for seed in range(30):
        rng = random.Random(seed)
        keys = [str(n) for n in sorted(rng.sample(range(1, 200), rng.randint(0, 60)))]
        keys += rng.sample(["7", "x", "007", "250", "-3"], rng.randint(0, 3))  # not ascending, not numbers
        keys = list(dict.fromkeys(keys))
        current = {key: request(rng) for key in keys}
        huge = {key: {**doc, "rating": rng.choice([2 ** 60 + 1, -(2 ** 60) - 1, 5])} for key, doc in current.items()}
        one_by_one = Counts()
        for key, doc in huge.items():
            one_by_one.put(key, doc)
        assert Counts.counted(list(huge), list(huge.values())).figures(EXPERTS) == one_by_one.figures(EXPERTS)
        counts = Counts.counted(list(current), list(current.values()))
        assert counts.figures(EXPERTS) == figures(EXPERTS, list(current.values()))
        for _ in range(80):
            key = rng.choice([*keys, str(rng.randint(0, 260))])
            if rng.random() < 0.25:
                current.pop(key, None)
                counts.put(key, None)
            else:
                current[key] = request(rng)
                counts.put(key, current[key])
            assert counts.figures(EXPERTS) == figures(EXPERTS, list(current.values())), seed


def test_another_process_write_is_counted(tmp_path: Path) -> None:
    store = open_store(tmp_path / "a.json")
    store.experts.put_many(EXPERTS)
    desk = Desk(store)
    assert {e.id: e.current_workload for e in desk.figures.experts()} == {"e0": 0, "e1": 0, "e2": 0, "e3": 0}
    other = open_store(tmp_path / "a.json")
    from tests.support.clock import T0
    from triagedesk.domain.records import ExpertRequest

    other.requests.add(ExpertRequest(id="r1", analysis_id="i1", submitted_at=T0, status="assigned",
                                     assigned_expert_id="e2"))
    other.close()
    assert {e.id: e.current_workload for e in desk.figures.experts()}["e2"] == 1
    store.close()
