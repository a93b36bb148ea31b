"""Search every issue, closed ones included, by id, title, description, requester and assignee: from the stored
columns (no record parsed; a cell the columns cannot hold as it is read from its record), equal to `scan`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Protocol

from triagedesk.display import one_line
from triagedesk.domain.requests.states import NEVER_ESCALATED

if TYPE_CHECKING:
    from triagedesk.store.repositories import Store


class Columns(Protocol):
    """What the search reads: a kind's stored columns, and one stored record (`Store`, or `StoreReader` which
    imports no model)."""

    def field_columns(self, kind: str, fields: tuple[str, ...],
                      keyed: bool = True) -> tuple[list[str], list[list[Any]]]: ...

    def stored(self, kind: str, doc_id: str) -> dict[str, Any] | None: ...

ISSUE_FIELDS = ("id", "title", "description", "profile", "created_at")
REQUEST_FIELDS = ("analysis_id", "submitted_at", "user_id", "assigned_expert_id", "assigned_expert_name", "status")


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


def scan(store: Store, text: str, limit: int = 500) -> list[Found]:
    """Issues whose id, title, description, requester or assignee holds `text` (case-blind), newest first: every
    record read (what `search` is tested equal to)."""
    return _found(store.issues.raw(), store.requests.raw(), text.strip().lower(), limit)


def _found(issues: list[dict[str, Any]], requests: list[dict[str, Any]], needle: str, limit: int) -> list[Found]:
    """The issues among `issues` holding `needle`, with their latest request's state, newest first: the rule."""
    kept: list[tuple[str, str, dict[str, Any], dict[str, Any], str, str, str]] = []
    for created, key, doc, request, assignee, requester, texts in each_issue(issues, requests):
        where = next((name for name, value in zip(WHERE, texts, strict=True) if needle in value.lower()),
                     None) if needle else "id"
        if where is None:
            continue
        kept.append((created, key, doc, request, assignee, requester, where))
    kept.sort(key=lambda item: item[0], reverse=True)  # stable: equal times keep the issues' order
    return [shown(key, doc, request, assignee, requester, where)
            for _, key, doc, request, assignee, requester, where in kept[:limit]]


WHERE = ("id", "title", "description", "requester", "assignee")
"""The fields a search looks in, in the order `Found.where` names the first that holds the text."""

Row = tuple[str, str, dict[str, Any], dict[str, Any], str, str, tuple[str, str, str, str, str]]


def each_issue(issues: list[dict[str, Any]], requests: list[dict[str, Any]]) -> Iterator[Row]:
    """Each issue in order: (its created_at as text, its key, the issue, its latest request or {}, the latest's
    assignee and requester, and the texts a search looks in, one per `WHERE`, not yet lowered)."""
    latest: dict[str, dict[str, Any]] = {}
    requesters: dict[str, set[str]] = {}
    assignees: dict[str, set[str]] = {}
    for doc in requests:
        key = doc.get("analysis_id") or ""
        held = latest.get(key)
        if held is None or (doc.get("submitted_at") or "") >= (held.get("submitted_at") or ""):  # last on a tie
            latest[key] = doc
        if doc.get("user_id"):
            requesters.setdefault(key, set()).add(str(doc["user_id"]))
        assignees.setdefault(key, set()).update(
            str(v) for v in (doc.get("assigned_expert_id"), doc.get("assigned_expert_name")) if v)
    for doc in issues:
        key = str(doc.get("id") or "")
        request = latest.get(key) or {}
        requester = str(request.get("user_id") or "")
        assignee = str(request.get("assigned_expert_name") or request.get("assigned_expert_id") or "")
        texts = (key, str(doc.get("title") or ""), str(doc.get("description") or ""),
                 " ".join(sorted(requesters.get(key, set()))), " ".join(sorted(assignees.get(key, set()))))
        yield str(doc.get("created_at") or ""), key, doc, request, assignee, requester, texts


def shown(key: str, doc: dict[str, Any], request: dict[str, Any], assignee: str, requester: str,
          where: str) -> Found:
    """The row a search shows of one issue it found."""
    return Found(issue_id=key, title=one_line(doc.get("title") or doc.get("description") or "", 120),
                 profile=str(doc.get("profile") or ""), status=str(request.get("status") or NEVER_ESCALATED),
                 assignee=one_line(assignee, 40), requester=one_line(requester, 40), where=where)


def _columns(store: Columns, kind: str, fields: tuple[str, ...]) -> tuple[int, list[list[Any]]]:
    """Every record of `kind` as one list per field, from the stored columns; a record with a cell they cannot
    hold as it is (a list or an object shows as {} there) is read whole."""
    _, columns = store.field_columns(kind, fields, keyed=False)
    if any(dict in set(map(type, column)) for column in columns):
        keys, columns = store.field_columns(kind, fields)  # the doc_ids too, to read those records
        for column in columns:
            if dict in set(map(type, column)):
                for i, value in enumerate(column):
                    if isinstance(value, dict):
                        doc = store.stored(kind, keys[i]) or {}
                        for f, c in zip(fields, columns, strict=True):
                            c[i] = doc.get(f)
    return len(columns[0]) if columns else 0, columns


def _holding(column: list[Any], needle: str) -> list[int]:
    """The rows whose value, as text, holds `needle` (case-blind): found in the column's text joined whole (a
    needle with no NUL cannot span two values), then mapped back to rows; per row where lowering changes a length."""
    kinds = set(map(type, column))
    if kinds <= {str, type(None)} and "\x00" not in needle:
        text = column if kinds == {str} else [v or "" for v in column]
        joined = "\x00".join(text)
        lowered = joined.lower()
        if len(lowered) == len(joined):
            ends = list(accumulate(map(len, text)))
            rows: list[int] = []
            at = lowered.find(needle)
            while at >= 0:
                row = _row_of(ends, at)
                rows.append(row)
                at = lowered.find(needle, ends[row] + row + 1) if row + 1 < len(text) else -1
            return rows
        return [i for i, v in enumerate(text) if v and needle in v.lower()]
    return [i for i, v in enumerate(column) if needle in str(v or "").lower()]


def _row_of(ends: list[int], at: int) -> int:
    """The value holding position `at` of the joined text, `ends` the values' cumulative lengths (no separators)."""
    low, high = 0, len(ends) - 1
    while low < high:  # the first row whose end (with the separators before it) is past `at`
        middle = (low + high) // 2
        if ends[middle] + middle <= at:
            low = middle + 1
        else:
            high = middle
    return low


def search(store: Columns, text: str, limit: int = 500) -> list[Found]:
    """Issues whose id, title, description, requester or assignee holds `text` (case-blind), newest first."""
    needle = text.strip().lower()
    count, issue_columns = _columns(store, "issues", ISSUE_FIELDS)
    _, request_columns = _columns(store, "requests", REQUEST_FIELDS)
    ids = issue_columns[0]
    keys = ids if set(map(type, ids)) == {str} else [str(v or "") for v in ids]
    chosen: list[int] | range = range(count)
    request_rows: list[int] | range = range(len(request_columns[0]))
    if needle:
        hit = set(_holding(keys, needle))
        for column in issue_columns[1:3]:
            hit.update(_holding(column, needle))
        named = _named(request_columns, needle)
        hit.update(i for i, key in enumerate(keys) if key in named)
        wanted = {keys[i] for i in hit}
        request_rows = [i for i, key in enumerate(request_columns[0]) if (key or "") in wanted]
        chosen = sorted(hit)
    return _newest(issue_columns, request_columns, keys, chosen, request_rows, needle, limit)


def _newest(issue_columns: list[list[Any]], request_columns: list[list[Any]], keys: list[str],
            chosen: list[int] | range, request_rows: list[int] | range, needle: str, limit: int) -> list[Found]:
    """`_found` over the chosen issues taken newest first, a growing part at a time, until `limit` are found:
    what `_found` finds over all of them at once (it keeps the newest, ties in the issues' order), built for
    the few shown rather than for every issue holding the needle."""
    created = issue_columns[4]
    order = sorted(chosen, key=lambda i: str(created[i] or ""), reverse=True)  # stable: as `_found` sorts
    by_issue: dict[Any, list[int]] = {}
    for row in request_rows:
        by_issue.setdefault(request_columns[0][row] or "", []).append(row)
    found: list[Found] = []
    start, size = 0, max(limit, 1)
    while start < len(order) and len(found) < limit:
        part = order[start:start + size]
        start, size = start + size, size * 2
        rows = sorted(row for key in {keys[i] for i in part} for row in by_issue.get(key, ()))
        found += _found(_rows(ISSUE_FIELDS, issue_columns, part), _rows(REQUEST_FIELDS, request_columns, rows),
                        needle, limit - len(found))
    return found


def _rows(fields: tuple[str, ...], columns: list[list[Any]], chosen: list[int] | range) -> list[dict[str, Any]]:
    """The chosen rows of `columns` as documents of `fields` (a column's values picked at once, not a row's)."""
    if not chosen:
        return []
    picked = [[c[i] for i in chosen] for c in columns]
    return [dict(zip(fields, row, strict=True)) for row in zip(*picked, strict=True)]


def _named(requests: list[list[Any]], needle: str) -> set[Any]:
    """The issues (their requests' `analysis_id`) whose requesters or assignees, joined by spaces as `_found`
    joins them, may hold `needle`: a value holding it, or (a needle with a space) values joined."""
    issue_ids, _, users, expert_ids, expert_names, _ = requests
    rows = {*_holding(users, needle), *_holding(expert_ids, needle), *_holding(expert_names, needle)}
    out = {issue_ids[i] or "" for i in rows}
    if " " in needle:  # a match across the space that joins two values
        out.update(key for key, count in Counter(k or "" for k in issue_ids).items() if count > 1)
        for i, (expert_id, name) in enumerate(zip(expert_ids, expert_names, strict=True)):
            if expert_id and name and needle in " ".join(sorted({str(expert_id), str(name)})).lower():
                out.add(issue_ids[i] or "")
    return out
