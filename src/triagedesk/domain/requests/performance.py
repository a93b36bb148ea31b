"""The feedback loop: an expert's figures (workload, reviews, turnaround, rating) counted from their requests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from triagedesk.domain.models import Expert
from triagedesk.domain.records import HELD_STATUSES

DONE_STATUSES = ("completed", "refunded")


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def figures(experts: Iterable[Expert], requests: Iterable[Mapping[str, Any]]) -> dict[str, Expert]:
    """Each expert's figures counted from the requests (stored form), never from counters a sync can overwrite.

    An expert record's own `current_workload`, `completed_reviews`, `average_turnaround` and `rating` are what
    came before this desk (an imported network); the desk never changes them. To them are added: the requests
    the expert holds now (workload), and the ones they completed (reviews, their turnaround, their rating).
    One pass over the requests, so a secondary index by expert can back it later.
    """
    held: dict[str, int] = {}
    done: dict[str, list[Mapping[str, Any]]] = {}
    for request in requests:
        expert_id = request.get("assigned_expert_id")
        if not expert_id:
            continue
        status = request.get("status")
        if status in HELD_STATUSES:
            held[expert_id] = held.get(expert_id, 0) + 1
        elif status in DONE_STATUSES:
            done.setdefault(expert_id, []).append(request)
    out = {}
    for expert in experts:
        out[expert.id] = _with(expert, held.get(expert.id, 0), done.get(expert.id, []))
    return out


def _with(expert: Expert, held: int, done: list[Mapping[str, Any]]) -> Expert:
    base = expert.completed_reviews
    update: dict[str, object] = {"current_workload": expert.current_workload + held,
                                 "completed_reviews": base + len(done)}
    hours = []
    for request in done:
        completed, assigned = _instant(request.get("completed_at")), _instant(request.get("assigned_at"))
        if completed is not None and assigned is not None:
            hours.append((completed - assigned).total_seconds() / 3600)
    if hours:
        previous = expert.average_turnaround if expert.average_turnaround is not None else sum(hours) / len(hours)
        update["average_turnaround"] = round((previous * base + sum(hours)) / (base + len(hours)), 2)
    ratings = [r["rating"] for r in done if isinstance(r.get("rating"), int)]
    if ratings:
        previous_rating = expert.rating if expert.rating is not None else sum(ratings) / len(ratings)
        mean = (previous_rating * base + sum(ratings)) / (base + len(ratings))
        update["rating"] = round(min(max(mean, 0.0), 5.0), 2)
    return expert.model_copy(update=update)
