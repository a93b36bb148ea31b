"""Parsing JSON, JSON arrays and JSONL text into models, with errors naming file, line and field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from triagedesk.domain.errors import InputError, format_loc

M = TypeVar("M", bound=BaseModel)
Format = Literal["json", "jsonl"]


@dataclass(frozen=True, slots=True)
class Record:
    """One raw record and where it came from (`line 4` or `[3]`)."""

    where: str
    data: Any


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg


def validation_message(exc: ValidationError) -> str:
    """The first problem of a validation error as `field: what is wrong`."""
    err = exc.errors()[0]
    loc = format_loc(err["loc"])
    text = _describe(err)
    if not loc:
        return f"expected a JSON object, got {type(err.get('input')).__name__}" if err["type"] == "model_type" else text
    return f"{loc}: {text}"


def _json_error(source: str, exc: json.JSONDecodeError, line_offset: int = 0) -> InputError:
    return InputError(f"{source}:{exc.lineno + line_offset}:{exc.colno}: invalid JSON: {exc.msg}")


def iter_jsonl(text: str, source: str) -> Iterator[Record]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield Record(f"{source}:{number}", json.loads(line))
        except json.JSONDecodeError as exc:
            raise _json_error(source, exc, number - 1) from None
        except RecursionError:
            raise InputError(f"{source}:{number}: JSON nested too deeply") from None


def parse_records(text: str, source: str, fmt: Format | None = None) -> list[Record]:
    """Records of a JSON object, a JSON array or JSONL text; the format is guessed when not given."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise InputError(f"{source}: empty input, expected JSON or JSONL")
    if fmt is None:
        fmt = "jsonl" if source.endswith((".jsonl", ".ndjson")) else "json"
        if fmt == "json" and stripped.startswith("{"):
            try:
                json.loads(stripped)
            except json.JSONDecodeError as exc:
                if exc.msg == "Extra data":
                    fmt = "jsonl"
    if fmt == "jsonl":
        return list(iter_jsonl(text.lstrip("\ufeff"), source))
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise _json_error(source, exc) from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply") from None
    if isinstance(data, list):
        return [Record(f"{source}: [{index}]", item) for index, item in enumerate(data)]
    return [Record(source, data)]


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Put `value` at `a.b.c` in nested dicts, creating the parents (CSV columns, form fields)."""
    target = data
    *parents, leaf = dotted.split(".")
    for parent in parents:
        target = target.setdefault(parent, {})
    target[leaf] = value


def validate_records(records: list[Record], model: type[M]) -> list[M]:
    """Every record validated as `model`; the first bad one raises, naming its place and field."""
    out: list[M] = []
    first: str | None = None
    bad = 0
    for record in records:
        try:
            out.append(model.model_validate(record.data))
        except ValidationError as exc:
            bad += 1
            if first is None:
                first = f"{record.where}: {validation_message(exc)}"
    if first is not None:
        more = f" (and {bad - 1} more bad records)" if bad > 1 else ""
        raise InputError(first + more)
    return out


def parse_models(text: str, source: str, model: type[M], fmt: Format | None = None) -> list[M]:
    return validate_records(parse_records(text, source, fmt), model)
