"""The feedback loop: completions, ratings and corrections update an expert's figures."""

from __future__ import annotations

from triagedesk.domain.models import Expert
from triagedesk.domain.records import ExpertRequest


def after_completion(expert: Expert, request: ExpertRequest, rating: int | None) -> Expert:
    """The expert's figures once a request is completed: reviews + 1, running mean turnaround and rating."""
    done = expert.completed_reviews
    update: dict[str, object] = {"completed_reviews": done + 1,
                                 "current_workload": max(expert.current_workload - 1, 0)}
    if request.completed_at is not None and request.assigned_at is not None:
        hours = (request.completed_at - request.assigned_at).total_seconds() / 3600
        previous = expert.average_turnaround if expert.average_turnaround is not None else hours
        update["average_turnaround"] = round((previous * done + hours) / (done + 1), 2)
    if rating is not None:
        previous_rating = expert.rating if expert.rating is not None else float(rating)
        update["rating"] = round(min(max((previous_rating * done + rating) / (done + 1), 0.0), 5.0), 2)
    return expert.model_copy(update=update)
