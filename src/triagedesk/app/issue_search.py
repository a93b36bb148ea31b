"""Search every issue, closed ones included, by id, title, description, requester and assignee."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from triagedesk.display import one_line
from triagedesk.domain.requests.states import NEVER_ESCALATED

if TYPE_CHECKING:
    from triagedesk.app.queries import Queries


@dataclass(frozen=True)
class Found:
    """One issue a search found, with its latest request's state."""

    issue_id: str
    title: str
    profile: str
    status: str
    """The latest request's status token, or `new` (never escalated); `state_name` reads it."""
    assignee: str
    requester: str
    where: str
    """Which field matched (id, title, description, requester, assignee)."""


def search(queries: Queries, text: str, limit: int = 500) -> list[Found]:
    """Issues whose id, title, description, requester or assignee holds `text` (case-blind), newest first."""
    needle = text.strip().lower()
    store = queries.store
    latest: dict[str, dict[str, Any]] = {}
    requesters: dict[str, set[str]] = {}
    assignees: dict[str, set[str]] = {}
    for doc in store.requests.raw():
        key = doc.get("analysis_id") or ""
        held = latest.get(key)
        if held is None or (doc.get("submitted_at") or "") > (held.get("submitted_at") or ""):
            latest[key] = doc
        if doc.get("user_id"):
            requesters.setdefault(key, set()).add(str(doc["user_id"]))
        assignees.setdefault(key, set()).update(
            str(v) for v in (doc.get("assigned_expert_id"), doc.get("assigned_expert_name")) if v)
    found: list[tuple[str, Found]] = []
    for doc in store.issues.raw():
        key = str(doc.get("id") or "")
        request = latest.get(key) or {}
        requester = str(request.get("user_id") or "")
        assignee = str(request.get("assigned_expert_name") or request.get("assigned_expert_id") or "")
        fields = (("id", key), ("title", doc.get("title")), ("description", doc.get("description")),
                  ("requester", " ".join(sorted(requesters.get(key, set())))),
                  ("assignee", " ".join(sorted(assignees.get(key, set())))))
        where = next((name for name, value in fields if needle in str(value or "").lower()), None) if needle else "id"
        if where is None:
            continue
        found.append((str(doc.get("created_at") or ""), Found(
            issue_id=key, title=one_line(doc.get("title") or doc.get("description") or "", 120),
            profile=str(doc.get("profile") or ""), status=str(request.get("status") or NEVER_ESCALATED),
            assignee=one_line(assignee, 40), requester=one_line(requester, 40), where=where)))
    found.sort(key=lambda item: item[0], reverse=True)
    return [f for _, f in found[:limit]]
