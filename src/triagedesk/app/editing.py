"""Editing an issue or an expert record: each field validated by the domain model, the change audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from triagedesk.domain.errors import UserError
from triagedesk.domain.inputs import hostile
from triagedesk.domain.models import Expert, Issue

if TYPE_CHECKING:
    from triagedesk.store.repositories import Store

LOCKED = frozenset({"id", "created_at", "profile"})
"""Fields an edit never changes (the id is the record's name; the profile decides what it is)."""


class FieldErrors(UserError):
    """Every field that failed, by name: the form shows each beside its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_errors(model: type[BaseModel], current: BaseModel, changes: dict[str, Any]) -> dict[str, str]:
    """Each changed field's problem, validated as the whole record would be."""
    locked = sorted(set(changes) & LOCKED)
    unknown = sorted(set(changes) - set(model.model_fields))
    errors = {name: "cannot be changed" for name in locked}
    errors.update({name: "unknown field" for name in unknown})
    errors.update({name: problem.split(": ", 1)[-1] for name, value in changes.items()
                   if (problem := hostile(value)) is not None})  # beyond 64 bits, non-finite: never storable
    if errors:
        return errors
    try:
        model.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "record"
            errors.setdefault(name, err["msg"])
    return errors


def edit(store: Store, kind: str, key: str, changes: dict[str, Any], actor: str, note: str = "") -> BaseModel:
    """Apply `changes` to issue or expert `key`: validated first (nothing written on any error), one audited write."""
    model: type[BaseModel] = Issue if kind == "issues" else Expert
    repository = store.repository(kind)
    with store.transaction():
        current = repository.require(key)
        errors = field_errors(model, current, changes)
        if errors:
            raise FieldErrors(errors)
        updated = model.model_validate({**current.model_dump(), **changes})
        if updated == current:
            return current
        return repository.save(updated, actor=actor, action="edit", note=note)
