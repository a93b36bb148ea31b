"""A profile's checks of its facts and texts: every fact a part or a text names is one the issue has."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triagedesk.domain.scoring.profiles import Part


def known_source(path: str) -> bool:
    """An issue field path (`research.primary_hypothesis`) or `decision.<field>`."""
    from triagedesk.domain.models import Decision, Issue, Research

    head, _, rest = path.partition(".")
    if head == "decision":
        return rest in Decision.model_fields
    if head == "research":
        return rest in Research.model_fields
    return not rest and head in Issue.model_fields


def check_parts(parts: dict[str, Part], known: set[str], where: str) -> None:
    for part_name, part in parts.items():
        if part.fact not in known:
            raise ValueError(f"{where}.{part_name}.fact: unknown fact {part.fact!r}")


class Probe(dict):
    """Format arguments that accept every known fact and fail on any other name."""

    def __init__(self, known: set[str]) -> None:
        super().__init__({name: 1.0 for name in known})
        self["matched_keywords"] = "x"

    def __missing__(self, key: str) -> Any:
        raise KeyError(key)


def check_template(template: str, known: set[str], where: str) -> None:
    try:
        template.format_map(Probe(known))
    except KeyError as exc:
        raise ValueError(f"{where}: unknown fact {exc.args[0]!r} in the text") from None
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{where}: {exc}") from None
