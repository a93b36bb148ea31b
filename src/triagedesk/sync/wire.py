"""The remote form of a record: `<kind>:<id>`, its type, its update time and its fields, where a field at its
model's default is left out (as protobuf does) and filled back in on arrival.

A third of an issue's bytes are empty lists, nulls and `false`s. Leaving them out makes every document smaller
on the wire and on the server, and the server's time per document (parsing, hashing the revision, storing)
grows with its size. The defaults are therefore part of the wire format: `tests/sync/test_wire.py` pins them,
so that changing one is noticed as the format change it is.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from triagedesk.app.replica import EXTRA
from triagedesk.app.replica import record_fields as model_fields
from triagedesk.sync.arrival import merged

_MISSING = object()
_CONSTANT = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class WireShape:
    """What may be left out of one model's documents, and the nested models under it."""

    order: tuple[str, ...]                      # the model's fields, in declaration order
    defaults: dict[str, Any]                    # field -> a constant JSON default (None, bool, number, str, [] or {})
    nested: dict[str, WireShape] = field(default_factory=dict)  # field -> the shape of the one model it holds


def _json_default(info: Any) -> Any:
    """A field's default as it is kept (JSON), or `_MISSING` when it has none or it is not a constant."""
    if info.default_factory in (list, dict):
        return info.default_factory()
    if info.default_factory is not None or info.default is PydanticUndefined:
        return _MISSING
    value = info.default.value if isinstance(info.default, Enum) else info.default
    return value if isinstance(value, _CONSTANT) else _MISSING


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (`Model` or `Model | None`), if it holds exactly one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(models) == 1:
            return _nested_model(models[0])
    return None


@cache
def shape_of(model: type[BaseModel]) -> WireShape:
    defaults, nested = {}, {}
    for name, info in model.model_fields.items():
        default = _json_default(info)
        if default is not _MISSING:
            defaults[name] = default
        inner = _nested_model(info.annotation)
        if inner is not None:
            nested[name] = shape_of(inner)
    return WireShape(tuple(model.model_fields), defaults, nested)


def sparse(shape: WireShape, data: dict[str, Any]) -> dict[str, Any]:
    """`data` without the fields at their default (the same type and value: `0` is not `false`)."""
    out = {}
    for key, value in data.items():
        default = shape.defaults.get(key, _MISSING)
        if default is not _MISSING and type(value) is type(default) and value == default:
            continue
        inner = shape.nested.get(key)
        out[key] = sparse(inner, value) if inner is not None and isinstance(value, dict) else value
    return out


def filled(shape: WireShape, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with every left-out field back at its default, in the model's order (unknown fields kept last)."""
    out = {}
    for key in shape.order:
        if key in data:
            value = data[key]
            inner = shape.nested.get(key)
            out[key] = filled(inner, value) if inner is not None and isinstance(value, dict) else value
        elif key in shape.defaults:
            default = shape.defaults[key]
            out[key] = type(default)() if isinstance(default, (list, dict)) else default
    for key, value in data.items():
        if key not in out:
            out[key] = value
    return out


def remote_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def record_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """A record's fields as the team knows them: the model's, and those only a newer desk's model has (nested
    ones put back where they were)."""
    extra = doc.get(EXTRA)
    return merged(model_fields(doc), extra) if extra else model_fields(doc)


RESOLVED = "resolved"
"""The field a tombstone written by a conflict's resolution carries (see `branches`)."""
BY = "by"
"""Who wrote a desk's revision, as the server knows them (`{"user", "role", "expert", "gen"}`), `gen` being the
revision's number: a stamp whose `gen` is not its revision's was carried over by another client's edit and says
nothing. The server's validation function checks a fresh stamp against the writing user; desks read it on arrival."""


def generation(rev: str | None) -> int:
    """A revision's number (`3-abc` -> 3; none -> 0)."""
    number = str(rev or "").partition("-")[0]
    return int(number) if number.isdigit() else 0
RECORDS = "records"
"""The outcomes and corrections a request's document carries (see `embedded`)."""
OURS = frozenset({"_id", "_rev", "_revisions", "_revs_info", "_conflicts", "_deleted_conflicts", "_deleted",
                  "_local_seq", "type", "updated_at", "data", BY, RESOLVED, RECORDS})
"""The top-level fields the desks write; every other one (`_attachments`, another client's fields) is theirs."""


def top_level(doc: dict[str, Any]) -> dict[str, Any]:
    """What other clients keep beside `data` (attachments as stubs, their own fields): sent back unchanged."""
    out = {key: value for key, value in doc.items() if key not in OURS}
    attachments = out.get("_attachments")
    if isinstance(attachments, dict):
        out["_attachments"] = {name: {**{k: v for k, v in meta.items() if k != "data"}, "stub": True}
                               for name, meta in attachments.items() if isinstance(meta, dict)}
    return out


def wire_doc(kind: str, shape: WireShape, doc: dict[str, Any], rev: str | None = None,
             top: dict[str, Any] | None = None, by: dict[str, Any] | None = None,
             records: dict[str, Any] | None = None) -> dict[str, Any]:
    """The remote document of a record, with what other clients keep beside its data (`top`) and the
    records it carries (a request's outcomes and corrections, over any `top` carried from the server's)."""
    out = {**(top or {}), "_id": remote_id(kind, doc["id"]), "type": kind, "updated_at": doc.get("_updated_at"),
           "data": sparse(shape, record_fields(doc))}
    if records or (top or {}).get(RECORDS):
        out[RECORDS] = {**((top or {}).get(RECORDS) or {}), **(records or {})}
    if by:
        out[BY] = by
    if rev:
        out["_rev"] = rev
    return out
