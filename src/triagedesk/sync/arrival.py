"""What a document from the server may become: a record the models load (fields they do not know kept aside),
or a rejection naming the first field that is wrong. Nothing another client writes reaches the desk unchecked."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from triagedesk.app.replica import EXTRA, UPDATED
from triagedesk.domain import instants
from triagedesk.domain.instants import stamp

FUTURE_SLACK = timedelta(minutes=5)
"""A clock this far ahead of ours is believed; beyond it, an `updated_at` is replaced by the arrival time."""


@dataclass(frozen=True)
class Admitted:
    kind: str
    record_id: str
    fields: dict[str, Any]      # the model's dump: what `Repository` loads
    extra: dict[str, Any]       # fields only a newer desk knows, nested ones at their place
    updated_at: str
    trusted: bool = True        # False: no `updated_at`, or one ahead of our clock (then it is the arrival time)
    # (no time decides a conflict: the lifecycle and the revision tree do, `domain/requests/conflicts.py`)


@dataclass(frozen=True)
class Refused:
    kind: str
    record_id: str
    error: str                  # `field.path: what is wrong`


@dataclass(frozen=True)
class _Known:
    names: dict[str, str]                      # name or alias -> field name
    nested: dict[str, tuple[_Known, bool]]     # field -> (shape of its model, holds a list of them)


def _models_in(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The one model a field holds (`M`, `M | None`, `list[M]`), and whether in a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _models_in(inner[0]) if len(inner) == 1 else None
    if origin is list:
        args = typing.get_args(annotation)
        found = _models_in(args[0]) if args else None
        return (found[0], True) if found and not found[1] else None
    return None


@cache
def _known(model: type[BaseModel]) -> _Known:
    names: dict[str, str] = {}
    nested: dict[str, tuple[_Known, bool]] = {}
    for name, info in model.model_fields.items():
        names[name] = name
        if info.alias:
            names[info.alias] = name
        inner = _models_in(info.annotation)
        if inner is not None:
            nested[name] = (_known(inner[0]), inner[1])
    return _Known(names, nested)


@cache
def _float_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields a model holds as floats: a JavaScript server hands `0.0` back as `0`, so an audit entry's before
    and after (free-form dicts of the record's fields) get their numbers' type back from the record's model."""
    out = set()
    for name, info in model.model_fields.items():
        args = typing.get_args(info.annotation) if typing.get_origin(info.annotation) in (typing.Union,
                                                                                           types.UnionType) else ()
        if info.annotation is float or float in args:
            out.add(name)
    return frozenset(out)


def split_unknown(model: type[BaseModel], data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the fields `model` knows, by their names; the ones it does not, nested ones where they were)."""
    return _split(_known(model), data)


def _split(shape: _Known, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        name = shape.names.get(key)
        if name is None:
            extra[key] = value
            continue
        inner = shape.nested.get(name)
        if inner is not None and inner[1] and isinstance(value, list):
            parts = [_split(inner[0], item) if isinstance(item, dict) else (item, {}) for item in value]
            known[name] = [part[0] for part in parts]
            if any(part[1] for part in parts):
                extra[name] = [part[1] for part in parts]
        elif inner is not None and isinstance(value, dict):
            known[name], aside = _split(inner[0], value)
            if aside:
                extra[name] = aside
        else:
            known[name] = value
    return known, extra


def merged(fields: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A record's fields with those kept aside put back where they came from (the inverse of `split_unknown`)."""
    out = dict(fields)
    for key, value in extra.items():
        here = out.get(key)
        if isinstance(value, dict) and isinstance(here, dict):
            out[key] = merged(here, value)
        elif isinstance(value, list) and isinstance(here, list) and len(value) == len(here):
            out[key] = [merged(h, v) if isinstance(h, dict) and isinstance(v, dict) else h
                        for h, v in zip(here, value, strict=True)]
        elif key not in out:
            out[key] = value
    return out


def first_error(exc: ValidationError, prefix: str = "data") -> str:
    """`data.estimated_value.min: Input should be a valid number`: the first problem, with its field path."""
    error = exc.errors()[0]
    path = ".".join(str(part) for part in (prefix, *error["loc"]))
    return f"{path}: {error['msg']}"


def parse_instant(text: Any) -> datetime | None:
    return instants.parse_or_none(text)


def trusted_time(text: Any, now: datetime) -> tuple[str, bool]:
    """The document's `updated_at` if it is a time not ahead of ours; else the time it arrived (untrusted)."""
    moment = parse_instant(text)
    if moment is None or moment > now + FUTURE_SLACK:
        return stamp(now), False
    return stamp(moment.astimezone(UTC)), True


def admit(doc: dict[str, Any], models: dict[str, type[BaseModel]], now: datetime) -> Admitted | Refused:
    """Check one live (not deleted) server document against the model of its kind."""
    key = str(doc.get("_id", ""))
    kind, sep, record_id = key.partition(":")
    declared = doc.get("type")
    if not sep or not kind or not record_id:
        return Refused(str(declared or ""), key, "_id: not of the form KIND:ID (like issues:INC-1)")
    if kind not in models:
        return Refused(kind, record_id, f"_id: unknown kind {kind!r} (known: {', '.join(models)})")
    if declared != kind:
        return Refused(kind, record_id, f"type: {declared!r} does not match the _id's kind {kind!r}")
    data = doc.get("data")
    if not isinstance(data, dict):
        return Refused(kind, record_id, "data: not an object")
    model = models[kind]
    known, extra = split_unknown(model, data)
    if known.setdefault("id", record_id) != record_id:
        return Refused(kind, record_id, f"data.id: {known['id']!r} does not match the _id's {record_id!r}")
    try:
        fields = model.model_validate(known).model_dump(mode="json")
    except ValidationError as exc:
        return Refused(kind, record_id, first_error(exc))
    if kind == "audit" and fields.get("kind") in models:
        floats = _float_fields(models[fields["kind"]])
        for side in ("before", "after"):
            if isinstance(fields.get(side), dict):
                fields[side] = {k: float(v) if k in floats and type(v) is int else v for k, v in fields[side].items()}
    return Admitted(kind, record_id, fields, extra, *trusted_time(doc.get("updated_at"), now))


def as_record(admitted: Admitted) -> dict[str, Any]:
    """The desk's form of an admitted record (`app/replica.py`)."""
    aside = {EXTRA: admitted.extra} if admitted.extra else {}
    return {**admitted.fields, UPDATED: admitted.updated_at, **aside}
