"""Import and export: JSON, JSONL and CSV rows to and from models, errors naming line, column and field."""

from __future__ import annotations

import csv
import io
import json
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Union

import orjson
from pydantic import BaseModel, ValidationError

from triagedesk.domain.errors import InputError, format_loc
from triagedesk.domain.inputs import INT_LIMIT, Record, _describe, hostile, parse_records, set_path, validation_message

Format = Literal["json", "jsonl", "csv"]
Kind = Literal["str", "optstr", "list", "json", "scalar"]


def format_of(path: str, forced: str | None) -> Format:
    if forced:
        return forced  # type: ignore[return-value]
    lowered = path.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lowered.endswith(".json"):
        return "json"
    raise InputError(f"{path}: cannot tell the format from the name; pass --format json|jsonl|csv")


def _kind(annotation: Any) -> tuple[Kind, type[BaseModel] | None]:
    """How a CSV cell maps to a field: plain text, JSON, a nested model, or a scalar for pydantic."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            kind, model = _kind(inner[0])
            return ("optstr" if kind == "str" else kind), model
        return "json", None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "json", annotation
    if annotation is str:
        return "str", None
    if origin is Literal or annotation in (int, float, bool, datetime):
        return "scalar", None
    if origin is list:
        return "list", None
    return "json", None


def csv_columns(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Kind]]:
    """Flattened CSV columns of a model: nested models as dotted columns, lists and dicts as JSON cells."""
    columns: list[tuple[str, Kind]] = []
    for name, info in model.model_fields.items():
        kind, nested = _kind(info.annotation)
        if nested is not None:
            columns.extend(csv_columns(nested, f"{prefix}{name}."))
        else:
            columns.append((f"{prefix}{name}", kind))
    return columns


@dataclass(frozen=True)
class CsvLayout:
    """What each column of a model's CSV means, by snake_case or camelCase header."""

    kinds: dict[str, Kind]

    @classmethod
    def of(cls, model: type[BaseModel]) -> CsvLayout:
        kinds: dict[str, Kind] = {}
        for column, kind in csv_columns(model):
            kinds[column] = kind
            camel = ".".join(_camel(part) for part in column.split("."))
            kinds.setdefault(camel, kind)
        return cls(kinds)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""OWASP's CSV injection triggers: a spreadsheet runs a cell starting with one of these as a formula."""


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text: a formula trigger (or an escaped one) gets a leading `'`."""
    if cell.startswith(FORMULA_START) or (cell[:1] == "'" and cell[1:2] != "" and cell[1:2] in "'=+-@\t\r"):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The cell `neutralise` was given: its inverse, so an export reads back losslessly."""
    if cell[:1] == "'" and cell[1:2] != "" and cell[1:2] in "'=+-@\t\r":
        return cell[1:]
    return cell


def _json_cell(text: str, where: str) -> Any:
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(f"{where}: invalid JSON in the cell: nested too deeply") from None
    problem = hostile(data)
    if problem is not None:
        raise InputError(f"{where}: {problem}")
    return data


def _scalar_cell(text: str, where: str) -> str:
    """A number, flag or time for pydantic; a non-finite number or a 64-bit overflow is refused here."""
    if len(text) > 20 and text.lstrip("+-").isdigit():
        raise InputError(f"{where}: integer out of range (beyond 64 bits)")
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise InputError(f"{where}: not a finite number: {shown!r}")
    try:
        whole = int(text)
    except ValueError:
        return text
    if not -INT_LIMIT <= whole < INT_LIMIT:
        raise InputError(f"{where}: integer out of range (beyond 64 bits)")
    return text


def _cell(value: str, kind: Kind, where: str) -> Any:
    """A cell's value; an empty cell leaves the field out (its default: "", null or an empty list)."""
    if value == "":
        return _ABSENT
    value = restore(value)
    if kind in ("str", "optstr"):
        return value
    stripped = value.strip()
    if kind == "list":
        if stripped.startswith("["):
            try:
                return _json_cell(stripped, where)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: invalid JSON list in the cell: {exc.msg}") from None
        return [part.strip() for part in value.split(";") if part.strip()]
    if kind == "json":
        try:
            return _json_cell(stripped, where)
        except json.JSONDecodeError:
            return value
    return _scalar_cell(stripped, where)


_ABSENT = object()


def csv_records(text: str, source: str, model: type[BaseModel]) -> tuple[list[Record], dict[str, str]]:
    """Records of CSV text (header row first); also which column each record field came from."""
    layout = CsvLayout.of(model)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if not reader.fieldnames:
        raise InputError(f"{source}: empty CSV, expected a header row")
    for column in reader.fieldnames:
        if column not in layout.kinds:
            raise InputError(f"{source}:1: column {column}: unknown field")
    records: list[Record] = []
    for row in reader:
        where = f"{source}:{reader.line_num}"
        data: dict[str, Any] = {}
        for column, value in row.items():
            if column is None:
                raise InputError(f"{where}: more cells than header columns")
            if value is None:
                raise InputError(f"{where}: column {column}: missing cell")
            parsed = _cell(value, layout.kinds[column], f"{where}: column {column}")
            if parsed is _ABSENT:
                continue
            set_path(data, column, parsed)
        records.append(Record(where, data))
    return records, {}


def read_records(text: str, source: str, fmt: Format, model: type[BaseModel]) -> list[Record]:
    if fmt == "csv":
        return csv_records(text, source, model)[0]
    return parse_records(text, source, fmt)


def validate_all(records: list[Record], model: type[BaseModel], fmt: Format,
                 progress: Callable[[int], None] | None = None) -> list[BaseModel]:
    """Every record validated before anything is written; the first bad one names line, column, field."""
    out: list[BaseModel] = []
    for number, record in enumerate(records, start=1):
        try:
            out.append(model.model_validate(record.data))
        except ValidationError as exc:
            if fmt == "csv":
                err = exc.errors()[0]
                column = ".".join(str(p) for p in err["loc"] if isinstance(p, str))
                field = format_loc(err["loc"])
                detail = _describe(err)
                raise InputError(f"{record.where}: column {column or '?'}: {field}: {detail}") from None
            raise InputError(f"{record.where}: {validation_message(exc)}") from None
        if progress is not None and number % 1000 == 0:
            progress(1000)
    if progress is not None:
        progress(len(records) % 1000)
    return out


def _flatten(data: dict[str, Any], nested: set[str], prefix: str = "") -> dict[str, Any]:
    """A document with its nested models' fields as dotted keys."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and f"{prefix}{key}" in nested:
            out.update(_flatten(value, nested, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def export_rows(models: list[BaseModel], fmt: Format, model: type[BaseModel]) -> Iterator[str]:
    """The text of an export, in chunks."""
    return export_dumps((m.model_dump(mode="json") for m in models), fmt, model)


def export_dumps(dumps: Iterable[dict[str, Any]], fmt: Format, model: type[BaseModel]) -> Iterator[str]:
    """The text of an export of these records (each its model's JSON dump), in chunks of about 1 MiB, as they
    come: nothing is held but the chunk being filled."""
    if fmt == "csv":
        yield from _csv_rows(dumps, model)
        return
    parts: list[str] = []
    size = 0
    first = True
    if fmt == "json":
        parts.append("[")
    for doc in dumps:
        if fmt == "jsonl":
            text = orjson.dumps(doc).decode() + "\n"
        else:  # the lines orjson's OPT_INDENT_2 gives a list of these records, indented as list items
            text = ("\n" if first else ",\n") + "  " + orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode(
            ).replace("\n", "\n  ")
        first = False
        parts.append(text)
        size += len(text)
        if size > 1 << 20:
            yield "".join(parts)
            parts, size = [], 0
    if fmt == "json":
        parts.append("]\n" if first else "\n]\n")
    yield "".join(parts)


def _csv_rows(dumps: Iterable[dict[str, Any]], model: type[BaseModel]) -> Iterator[str]:
    kinds = dict(csv_columns(model))
    columns = list(kinds)
    nested = {column.rsplit(".", 1)[0] for column in columns if "." in column}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; fields holding CR or LF get quoted
    writer.writerow(columns)
    for doc in dumps:
        flat = _flatten(doc, nested)
        row = []
        for column in columns:
            value = flat.get(column)
            if value is None:
                row.append("")
            elif kinds[column] in ("json", "list"):
                row.append(neutralise(orjson.dumps(value).decode()))
            elif isinstance(value, bool):
                row.append("true" if value else "false")
            else:
                row.append(neutralise(str(value)))
        writer.writerow(row)
        if buffer.tell() > 1 << 20:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
