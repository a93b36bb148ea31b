"""Parsing JSON, JSON arrays and JSONL text into models, with errors naming file, line and field."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
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


def _describe(err: Mapping[str, Any]) -> str:
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


MAX_DEPTH = 64
"""Deeper nesting than any record of ours has is refused (JSON nested 100,000 deep is an attack, not data)."""
INT_LIMIT = 2**63


class _Suspect(Exception):
    """Raised from inside json.loads at a number `hostile` would refuse: the text is then walked for the path."""


def _as_float(token: str) -> float:
    number = float(token)
    if number != number or number in (_INF, -_INF):
        raise _Suspect()
    return number


def _as_int(token: str) -> int:
    if len(token) > 20:  # beyond 64 bits for sure; Python refuses to convert more than 4300 digits at all
        raise _Suspect()
    number = int(token)
    if not -INT_LIMIT <= number < INT_LIMIT:
        raise _Suspect()
    return number


def _any_int(token: str) -> int:
    """For the walk's second parse: an integer too long to convert stands as one just out of range."""
    return INT_LIMIT if len(token) > 20 else int(token)


def _constant(token: str) -> float:
    raise _Suspect()


class DuplicateField(ValueError):
    """One JSON object naming a field twice: which value counts would be a guess (json.loads keeps the last)."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateField(f"duplicate field {key!r} in one object")
            seen.add(key)
    return found


def decode(text: str) -> tuple[Any, bool]:
    """`json.loads`, and whether the value may hold something `hostile` refuses (then walk it for the path).

    Numbers are checked as they are parsed; surrogate escapes and deep nesting are spotted in the raw text,
    so the common record costs no walk.
    """
    try:
        data = json.loads(text, parse_float=_as_float, parse_int=_as_int, parse_constant=_constant,
                          object_pairs_hook=_unique)
    except _Suspect:
        return json.loads(text, parse_int=_any_int, object_pairs_hook=_unique), True
    deep = text.count("[") + text.count("{") >= MAX_DEPTH
    return data, deep or "\\ud" in text or "\\uD" in text


_INF = float("inf")


def hostile(value: Any) -> str | None:
    """What makes a parsed JSON value unstorable, as `path: problem`, or None.

    Non-finite numbers (`1e999`, NaN), integers beyond 64 bits, lone surrogates (`\\ud800`) and nesting
    deeper than MAX_DEPTH would crash or silently change on the way to the store (orjson writes inf as null).
    """
    return _walk(value)


def _walk(value: Any) -> str | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, loc = stack.pop()
        if isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                return f"{format_loc(loc) or 'value'}: not a finite number"
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not -INT_LIMIT <= item < INT_LIMIT:
                return f"{format_loc(loc) or 'value'}: integer out of range (beyond 64 bits)"
        elif isinstance(item, str):
            if _has_surrogate(item):
                return f"{format_loc(loc) or 'value'}: text holds a lone surrogate (not Unicode text)"
        elif isinstance(item, (dict, list)):
            if len(loc) >= MAX_DEPTH:
                return f"{format_loc(loc[:3]) or 'value'}...: nested deeper than {MAX_DEPTH} levels"
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str) and _has_surrogate(key):
                        return f"{format_loc(loc) or 'value'}: a field name holds a lone surrogate"
                    stack.append((child, (*loc, str(key))))
            else:
                stack.extend((child, (*loc, index)) for index, child in enumerate(item))
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def loads(text: str, where: str) -> Any:
    """`json.loads` whose every failure, hostile value or too-deep nesting is one InputError naming `where`."""
    try:
        data, suspect = decode(text)
    except RecursionError:
        raise InputError(f"{where}: invalid JSON: nested deeper than {MAX_DEPTH} levels") from None
    except DuplicateField as exc:
        raise InputError(f"{where}: {exc}") from None
    problem = hostile(data) if suspect else None
    if problem is not None:
        raise InputError(f"{where}: {problem}")
    return data


def iter_jsonl(text: str, source: str) -> Iterator[Record]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield Record(f"{source}:{number}", loads(line, f"{source}:{number}"))
        except json.JSONDecodeError as exc:
            raise _json_error(source, exc, number - 1) from None


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
            except RecursionError:
                pass  # reported below
    if fmt == "jsonl":
        return list(iter_jsonl(text.lstrip("\ufeff"), source))
    try:
        data, suspect = decode(stripped)
    except json.JSONDecodeError as exc:
        raise _json_error(source, exc) from None
    except DuplicateField as exc:
        raise InputError(f"{source}: {exc}") from None
    except RecursionError:
        raise InputError(f"{source}: invalid JSON: nested deeper than {MAX_DEPTH} levels") from None
    records = [Record(f"{source}: [{index}]", item) for index, item in enumerate(data)] \
        if isinstance(data, list) else [Record(source, data)]
    if suspect:
        for record in records:
            problem = hostile(record.data)
            if problem is not None:
                raise InputError(f"{record.where}: {problem}")
    return records


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
