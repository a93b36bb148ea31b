"""Seed 002's expert corrections held to the profile: a correctable field, its assessed value, a real change to a
value of that field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from triagedesk.domain.models import URGENCIES, Decision, Issue, Research
from triagedesk.domain.records import Correction, ExpertCorrection, ExpertRequest
from triagedesk.domain.scoring.profiles import CorrectableField, Profile


def assessed(field: str, issue: Issue, decision: Decision, profile: Profile) -> Any:
    """The automated assessment's value of a correctable field (None when the profile names no source for it)."""
    spec = profile.corrections.fields.get(field)
    if spec is None or spec.source is None:
        return None
    head, _, rest = spec.source.partition(".")
    if head == "decision":
        value: Any = getattr(decision, rest)
    elif head == "research":
        value = getattr(issue.research, rest) if issue.research is not None else None
    else:
        value = getattr(issue, head)
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return value


def expert_types(profile: Profile) -> list[str]:
    """The kinds of expert the profile's scorer can recommend: its expert categories, its rules' and triggers'
    types and its default."""
    found = {*profile.expert_categories, *(r.expert_type for r in profile.rules),
             *(t.expert_type for t in profile.triggers.values()), profile.default_expert_type}
    return sorted(t for t in found if t)


def _annotation(source: str) -> Any:
    """The type of the assessment's value a source names (`decision.urgency`: the decision's urgency)."""
    head, _, rest = source.partition(".")
    model: type[BaseModel] = Decision if head == "decision" else Research if head == "research" else Issue
    name = rest if head in ("decision", "research") else head
    found = model.model_fields.get(name)
    return found.annotation if found is not None else str


def _listed(annotation: Any) -> bool:
    return get_origin(annotation) is list or any(get_origin(a) is list for a in get_args(annotation))


def _textual(annotation: Any) -> bool:
    """A text field (`str`, `str | None`): what is typed is the value."""
    return annotation is str or (get_origin(annotation) in (Union, UnionType) and str in get_args(annotation))


def _short(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def corrected_value(spec: CorrectableField, value: Any, profile: Profile) -> tuple[Any, str | None]:
    """The corrected value as a value of the field it corrects (an urgency one of the urgencies, an expert type one
    the profile knows, expert time a number...), or why it is not. A field the expert types the original of (no
    source) takes any text."""
    if spec.source is None:
        return value, None
    label, text = spec.label, str(value).strip()
    if spec.source == "decision.urgency":
        if text.lower() in URGENCIES:
            return text.lower(), None
        return None, f"{label}: {_short(value)!r} is not an urgency (one of {', '.join(URGENCIES)})"
    if spec.source == "decision.recommended_expert_type":
        known = expert_types(profile)
        if text in known:
            return text, None
        return None, f"{label}: {_short(value)!r} is not an expert type of {profile.name} (one of {', '.join(known)})"
    annotation = _annotation(spec.source)
    candidate: Any = value
    if isinstance(value, str) and _textual(annotation):
        candidate = text
    elif isinstance(value, str):
        try:
            candidate = json.loads(value)  # a list or a range typed as JSON
        except ValueError:
            candidate = [part.strip() for part in value.split(",") if part.strip()] if _listed(annotation) else text
    try:
        found = TypeAdapter(annotation).validate_python(candidate)
    except ValidationError as exc:
        first = exc.errors()[0]
        kind = "a number" if first["type"].startswith(("int_", "float_")) else "valid"
        return None, f"{label}: {_short(value)!r} is not {kind} ({first['msg']})"
    if found is None:
        return None, f"{label}: the corrected value is empty"
    if isinstance(found, int | float) and not isinstance(found, bool) and found < 0:
        return None, f"{label}: {_short(value)!r} is below zero"
    return (found.model_dump(mode="json") if isinstance(found, BaseModel) else found), None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {})


def nothing_to_correct(profile: Profile) -> str | None:
    """Why no correction can be made on the profile's requests (None: it has correctable fields)."""
    if profile.corrections.fields:
        return None
    return f"the {profile.name} profile has no correctable fields (its [corrections.fields] table is empty)"


def build(request: ExpertRequest, issue: Issue, decision: Decision, profile: Profile, expert_id: str,
          values: Mapping[str, Any], now: datetime) -> tuple[Correction, ExpertCorrection] | str:
    """The correction and its copy embedded in the request, or why it is refused."""
    field = str(values.get("field") or "")
    fields = profile.corrections.fields
    empty = nothing_to_correct(profile)
    if empty is not None:
        return empty
    if field not in fields:
        known = ", ".join(fields) or "none"
        return f"{field or 'no field'!s} is not a correctable field of {profile.name} (correctable: {known})"
    original = assessed(field, issue, decision, profile)
    if original is None:
        original = values.get("original_value")
    corrected = values.get("corrected_value")
    if _blank(original):
        return f"{fields[field].label}: the original value is empty (type what the assessment said)"
    if _blank(corrected):
        return f"{fields[field].label}: the corrected value is empty"
    corrected, wrong = corrected_value(fields[field], corrected, profile)
    if wrong is not None:
        return wrong
    if corrected == original or str(corrected).strip() == str(original).strip():
        return f"{fields[field].label}: the corrected value is the assessed one"
    try:
        embedded = ExpertCorrection(field=field, original_value=original, corrected_value=corrected,
                                    explanation=str(values.get("explanation") or ""),
                                    confidence=values.get("confidence", 1.0))
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{first['loc'][0] if first['loc'] else 'correction'}: {first['msg']}"
    correction = Correction(request_id=request.id, expert_id=expert_id, category=request.item_category,
                            profile=request.profile, created_at=now, **embedded.model_dump())
    return correction, embedded
