"""Outcomes and corrections travel inside their request's document (`records`), so that the server, whose
validation function sees one document at a time, can check them against the request's assignee: an expert writes
them only into a request assigned to them, only as their own, and never removes or rewrites one there."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from triagedesk.app.replica import Carried
from triagedesk.sync.wire import RECORDS, WireShape, record_fields, sparse

EMBEDDED = ("outcomes", "corrections")
CARRIED = "in:"
"""The revision a carried record is held at: `in:` and its request document's revision."""


def carried_rev(rev: str | None) -> str:
    return f"{CARRIED}{rev or ''}"


def is_carried(rev: object) -> bool:
    return isinstance(rev, str) and rev.startswith(CARRIED)


def records_field(shapes: dict[str, WireShape], carried: Carried) -> dict[str, Any]:
    """The `records` of a request's document: `KIND:ID` -> its update time and its fields (defaults left out)."""
    return {f"{kind}:{doc['id']}": {"updated_at": doc.get("_updated_at"),
                                    "data": sparse(shapes[kind], record_fields(doc))} for kind, doc in carried}


def unpack(request_doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each carried record as the document it would be on its own (its revision: `in:` the request's)."""
    records = request_doc.get(RECORDS)
    if not isinstance(records, dict):
        return
    for key, entry in records.items():
        entry = entry if isinstance(entry, dict) else {}
        yield {"_id": str(key), "_rev": carried_rev(request_doc.get("_rev")), "type": str(key).partition(":")[0],
               "updated_at": entry.get("updated_at"), "data": entry.get("data")}


def carried_keys(docs: Iterable[dict[str, Any]]) -> list[str]:
    """The ids of the records the request documents among `docs` carry (their sync states are read with them)."""
    return [str(key) for doc in docs if str(doc.get("_id", "")).startswith("requests:")
            for key in (doc.get(RECORDS) or {}) if isinstance(doc.get(RECORDS), dict)]


def refusal(kind: str, data: Any, request_id: str, writer: tuple[str, str | None]) -> str | None:
    """Why a desk refuses a record an expert's revision of a request carries; None when it may carry it."""
    if kind not in EMBEDDED:
        return f"a request's records hold only {' and '.join(EMBEDDED)}, not {kind}"
    if not isinstance(data, dict) or data.get("request_id") != request_id:
        return f"a record carried by requests:{request_id} names that request"
    role, expert = writer
    if role == "expert" and data.get("expert_id") != expert:
        return f"an expert writes only their own {kind}"
    return None
