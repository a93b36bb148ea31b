"""Seed 002's expert corrections held to the profile: a correctable field, its assessed value, a real change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from triagedesk.domain.models import Decision, Issue
from triagedesk.domain.records import Correction, ExpertCorrection, ExpertRequest
from triagedesk.domain.scoring.profiles import Profile


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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {})


def build(request: ExpertRequest, issue: Issue, decision: Decision, profile: Profile, expert_id: str,
          values: Mapping[str, Any], now: datetime) -> tuple[Correction, ExpertCorrection] | str:
    """The correction and its copy embedded in the request, or why it is refused."""
    field = str(values.get("field") or "")
    fields = profile.corrections.fields
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
