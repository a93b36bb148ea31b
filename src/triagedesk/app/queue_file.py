"""The open queue's rows kept beside the store (`PATH.queue`): a desk start reads them and computes again only the
issues whose records changed since, instead of walking every request and issue of the store.

The file holds every open issue's row (what it shows and sorts on, its request's clock fields) as it was in one
state of the store: the snapshot in force (`open_set.stamp`) and the documents changed since it then, with the
issue each named. Any later state of that snapshot differs from it only in documents changed in one state or the
other; the issues those name in either state are computed again (`open_set.open_among`), the other rows are
taken as they are. A cache, never a record: missing, damaged (its checksum), of another format or engine, of
another snapshot (a compaction since), or with a value its column cannot hold, it is ignored, the queue is
computed the whole way and the file written again; rows a changed scorer (an edited profile) computed are
computed again.
"""

from __future__ import annotations

import zlib
from itertools import compress
from pathlib import Path
from typing import Any

import orjson

from triagedesk.app import assessments
from triagedesk.app.assessments import Assessed
from triagedesk.app.desk import Desk
from triagedesk.display import one_line
from triagedesk.domain.models import Issue
from triagedesk.domain.requests.states import CLOSED_STATUSES, NEVER_ESCALATED, OPEN_STATUSES
from triagedesk.files import atomic_write
from triagedesk.store import open_set
from triagedesk.store.code_digest import code_digest

MAGIC = b"#triagedesk-queue v1 crc="
ENGINE = f"{assessments.ENGINE}/queue-1/" + code_digest(
    "triagedesk.app.queue_file", "triagedesk.app.queue_start", "triagedesk.app.queue", "triagedesk.domain.requests",
    "triagedesk.store.open_set")
REWRITE_AT = 256
"""A start that computed more rows than this writes the file again (fewer: the next start computes them too)."""
CLOCK_FIELDS = ("status", "urgency", "submitted_at", "paid_at", "due_at", "ack_due_at", "assigned_at",
                "acknowledged_at", "started_at", "completed_at", "waiting_since", "paused_minutes", "tier_id",
                "assigned_expert_id")
"""What a row's clock reads of its request (`queue.Stored`, the holder), kept for rows whose request is open."""
COLUMNS = ("ids", "doc", "named", "scorer", "urgency", "score", "escalate", "order", "title", "route", "route_text",
           "created", "status", "assignee", "assignee_id", "request_id", "asked", "held", "clock", "request_doc")
Rows = dict[str, list[Any]]

_NUMBERS = {int, float}
_TYPES: dict[str, set[type]] = {
    "ids": {str}, "doc": {int}, "named": {str}, "scorer": {str}, "urgency": {int}, "score": _NUMBERS,
    "escalate": {bool}, "order": _NUMBERS, "title": {str}, "route": {str}, "route_text": {str},
    "created": _NUMBERS | {type(None)}, "status": {str}, "assignee": {str}, "asked": {bool},
    "clock": {dict, type(None)}, "request_doc": {int, type(None)}}
"""Each column's types (the others hold what a request's field held: any JSON value)."""
_PRINTED = ("ids", "title", "route", "assignee", "status")


def path_of(desk: Desk) -> Path:
    path = desk.store.path
    return path.with_name(path.name + ".queue")


def row_of(assessed: Assessed, doc_id: str, request: dict[str, Any] | None, at: str | None) -> tuple[Any, ...]:
    """One open issue's row, in `COLUMNS` order (as `queue._fill` computes it)."""
    status = request.get("status") if request is not None else None
    clock = None
    if request is not None and status in OPEN_STATUSES:
        clock = {name: request[name] for name in CLOCK_FIELDS if name in request}
    held = request.get("assigned_expert_id") if request is not None else None
    return (assessed.key, int(doc_id), assessed.named, assessed.scorer, assessed.urgency, assessed.score,
            assessed.escalate, assessed.order, assessed.title, assessed.route, assessed.route_text, assessed.created,
            status or NEVER_ESCALATED, one_line((request or {}).get("assigned_expert_name") or "", 30), held or "",
            request.get("id") if request is not None else None, request is not None, held, clock,
            None if at is None else int(at))


def read(path: Path) -> dict[str, Any] | None:
    """The file's contents when they are whole, of this format and engine, and every value of its columns' types;
    None otherwise (nothing is trusted from it then). Its `stamp` names the snapshot it was written for."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    if not head.startswith(MAGIC) or head[len(MAGIC):] != b"%08x" % zlib.crc32(body):
        return None
    try:
        found = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if (not isinstance(found, dict) or found.get("engine") != ENGINE or not isinstance(found.get("stamp"), str)
            or found.get("closed") != sorted(CLOSED_STATUSES) or not _well_formed(found)):
        return None
    return found


def _well_formed(found: dict[str, Any]) -> bool:
    rows, was, skipped = found.get("rows"), found.get("was"), found.get("skipped")
    if not isinstance(rows, dict) or set(rows) != set(COLUMNS) or not isinstance(skipped, list):
        return False
    count = len(rows["ids"]) if isinstance(rows["ids"], list) else -1
    if not all(isinstance(rows[c], list) and len(rows[c]) == count for c in COLUMNS):
        return False
    if not all(set(map(type, rows[c])) <= types for c, types in _TYPES.items()):
        return False
    if not all("".join(rows[c]).isprintable() for c in _PRINTED) or not set(map(type, skipped)) <= {str}:
        return False
    doc = rows["doc"]
    if any(a >= b for a, b in zip(doc, doc[1:], strict=False)) or len(set(rows["ids"])) != count:
        return False  # rows in the table's order, one per issue
    return (isinstance(was, dict) and all(isinstance(was.get(t), dict) for t in open_set.KEY_OF)
            and all(set(map(type, was[t])) <= {str} for t in open_set.KEY_OF))


def write(path: Path, stamp: str, rows: Rows, was: dict[str, dict[str, Any]], skipped: list[str]) -> None:
    body = orjson.dumps({"engine": ENGINE, "stamp": stamp, "closed": sorted(CLOSED_STATUSES), "rows": rows,
                         "was": was, "skipped": skipped})
    try:
        atomic_write(path, MAGIC + b"%08x\n" % zlib.crc32(body) + body)
    except OSError:
        pass  # a read-only folder: the desk works, it only starts slower


def affected(desk: Desk, held: dict[str, Any], now: dict[str, dict[str, Any]]) -> set[str]:
    """The issues whose row may differ between the file's state and this one: those any document changed in
    either names in either (the snapshot's version where one of them did not change it), those skipped, and
    those a scorer since changed computed. Call holding the journal's mutex."""
    journal = desk.store.journal
    keys: set[Any] = set(held["skipped"])
    for table in open_set.KEY_OF:
        then, since = held["was"][table], now[table]
        docs = set(then) | set(since)
        base = open_set.base_keys(journal, table, [d for d in docs if d not in then or d not in since])
        for doc_id in docs:
            keys.add(then[doc_id] if doc_id in then else base.get(doc_id))
            keys.add(since[doc_id] if doc_id in since else base.get(doc_id))
    rows = held["rows"]
    cache = assessments.of(desk)
    stale = {(named, scorer) for named, scorer in set(zip(rows["named"], rows["scorer"], strict=True))
             if cache.scorer_key(desk, named or None) != scorer}
    if stale:
        keys.update(k for k, n, s in zip(rows["ids"], rows["named"], rows["scorer"], strict=True) if (n, s) in stale)
    return {k for k in keys if isinstance(k, str)}


def rows_of(desk: Desk, found: list[open_set.Found]) -> tuple[list[tuple[Any, ...]], dict[str, Issue], list[str]]:
    """The rows of these open issues (assessed through the assessments cache), the models just validated, and the
    issues the models cannot load (skipped, with a notice)."""
    cache = assessments.of(desk)
    out, models, skipped = [], {}, []
    for key, doc_id, raw, request, at in found:
        assessed = cache.assess(desk, raw)
        if assessed is None:
            skipped.append(key)
            continue
        if assessed.issue is not None:
            models[assessed.key] = assessed.issue
        out.append(row_of(assessed, doc_id, request, at))
    return out, models, skipped


def merged(rows: Rows, gone: set[str], fresh: list[tuple[Any, ...]]) -> Rows:
    """`rows` less the issues in `gone`, with `fresh` rows added, in the table's order."""
    if not gone and not fresh:
        return rows
    keep = [k not in gone for k in rows["ids"]]
    out = {c: list(compress(rows[c], keep)) for c in COLUMNS}
    if fresh:
        for column, values in zip(COLUMNS, zip(*fresh, strict=True), strict=True):
            out[column].extend(values)
        order = sorted(range(len(out["doc"])), key=out["doc"].__getitem__)
        out = {c: [out[c][i] for i in order] for c in COLUMNS}
    return out


def empty() -> Rows:
    return {c: [] for c in COLUMNS}


__all__ = ["COLUMNS", "ENGINE", "REWRITE_AT", "Rows", "affected", "empty", "merged", "path_of", "read", "row_of",
           "rows_of", "write"]
