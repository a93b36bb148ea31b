"""Each kind's fields as the team server checks them, compiled from the domain models' JSON schema: the server's
`validate_doc_update` and the desks' models hold one shape, so a document the server takes is one a desk loads.

A shape is JSON the generated JavaScript walks (`sync/validation.py`):

- `t`: the JSON types allowed (`string`, `number`, `integer`, `boolean`, `array`, `object`, `null`); absent: any.
- `f`: a string's format (`date-time`, `date`), checked as a real calendar instant.
- `lo`/`hi` (inclusive), `xlo`/`xhi` (exclusive): a number's bounds; `minl`/`maxl`: a string's length in code
  points; `mini`/`maxi`: an array's length; `enum`: the allowed values.
- `items`: an array's items' shape; `props` with `req`: an object's known fields and the required ones (fields it
  does not know pass, as a desk keeps them aside for a newer desk); `values`: a mapping's values' shape.
- `any`: alternatives (a value matching one of them passes).

What the schema cannot say (a model's own validators: known time zones, profile names, patterns) stays with the
desks, which quarantine a document that fails them; the server's check never refuses what a desk would load.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

_BOUNDS = {"minimum": "lo", "maximum": "hi", "exclusiveMinimum": "xlo", "exclusiveMaximum": "xhi",
           "minLength": "minl", "maxLength": "maxl", "minItems": "mini", "maxItems": "maxi"}
_FORMATS = ("date-time", "date")


def _types(kinds: set[str]) -> list[str]:
    return sorted(kinds, key=lambda kind: (kind == "null", kind))  # "number or null" reads best


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def compile_shape(node: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """The shape of one JSON schema node (see the module's docstring); unknown constructs check nothing."""
    if depth > 12:
        return {}
    node = _resolve(node, defs)
    out: dict[str, Any] = {}
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        shapes = [compile_shape(option, defs, depth + 1) for option in options]
        if any(not shape for shape in shapes):
            return {}                                    # one alternative takes anything
        simple = [shape for shape in shapes if set(shape) == {"t"}]
        if len(simple) == len(shapes):
            return {"t": _types({t for shape in shapes for t in shape["t"]})}
        nulls = [shape for shape in shapes if shape == {"t": ["null"]}]
        rest = [shape for shape in shapes if shape != {"t": ["null"]}]
        if nulls and len(rest) == 1:                     # `X | None`: X's checks, or null
            return {**rest[0], "t": _types({*rest[0]["t"], "null"})} if "t" in rest[0] else {}
        return {"any": shapes}
    kind = node.get("type")
    if kind is not None:
        out["t"] = _types(set(kind)) if isinstance(kind, list) else [kind]
    if node.get("format") in _FORMATS:
        out["f"] = node["format"]
    for key, short in _BOUNDS.items():
        if isinstance(node.get(key), (int, float)) and not isinstance(node.get(key), bool):
            out[short] = node[key]
    if "enum" in node:
        out["enum"] = node["enum"]
    elif "const" in node:
        out["enum"] = [node["const"]]
    if isinstance(node.get("items"), dict):
        items = compile_shape(node["items"], defs, depth + 1)
        if items:
            out["items"] = items
    if isinstance(node.get("properties"), dict):
        out["props"] = {name: compile_shape(sub, defs, depth + 1) for name, sub in node["properties"].items()}
        out["req"] = list(node.get("required", []))
    elif isinstance(node.get("additionalProperties"), dict):
        values = compile_shape(node["additionalProperties"], defs, depth + 1)
        if values:
            out["values"] = values
    return out


@cache
def kind_shape(model: type[BaseModel]) -> dict[str, Any]:
    """A kind's document `data` as the server checks it: its fields by name (the wire's names), `id` not required
    (the `_id` says it)."""
    schema = model.model_json_schema(by_alias=False)
    shape = compile_shape(schema, schema.get("$defs", {}))
    shape["req"] = [name for name in shape.get("req", []) if name != "id"]
    return shape


def shapes(models: dict[str, type[BaseModel]]) -> dict[str, dict[str, Any]]:
    """Every kind's shape, for the generated validation function."""
    return {kind: kind_shape(model) for kind, model in models.items()}
