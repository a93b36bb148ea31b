"""Themes as validated data files (`themes/*.toml` and the user's theme folder) turned into Textual themes."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from triagedesk.domain.errors import format_loc
from triagedesk.resources import config_dir, themes_dir

DEFAULT_THEME = "triagedesk-dark"
APP_VARIABLES = ("urgency-critical", "urgency-high", "urgency-medium", "urgency-low", "score-high", "score-low",
                 "sla-ok", "sla-at-risk", "sla-breached")
"""triagedesk's own theme variables; a theme may leave any out (the defaults below apply)."""

VARIABLE_DEFAULTS = {
    "urgency-critical": "#FF5F66", "urgency-high": "#FF9F43", "urgency-medium": "#F5D547",
    "urgency-low": "#6CCB7E", "score-high": "#FF7A7A", "score-low": "#7FB8FF",
    "sla-ok": "#5CC97B", "sla-at-risk": "#F2B33D", "sla-breached": "#FF5F66",
}


class ThemeFile(BaseModel):
    """A theme file: Textual's colour fields plus a `[variables]` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("primary", "secondary", "accent", "warning", "error", "success", "foreground",
                     "background", "surface", "panel", "boost")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{value!r} is not a colour") from None
        return value

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: dict[str, str]) -> dict[str, str]:
        for key in APP_VARIABLES:
            if key in value:
                try:
                    Color.parse(value[key])
                except ColorParseError:
                    raise ValueError(f"{key}: {value[key]!r} is not a colour") from None
        return value

    def to_theme(self) -> Theme:
        fields = self.model_dump(exclude={"variables"})
        return Theme(**fields, variables={**VARIABLE_DEFAULTS, **self.variables})


def theme_dirs() -> list[Path]:
    return [themes_dir(), config_dir() / "themes"]


def load_themes() -> tuple[list[Theme], list[str]]:
    """Every valid theme, and one message per bad file (file: key: problem)."""
    themes: list[Theme] = []
    problems: list[str] = []
    for folder in theme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text("utf-8"))
                themes.append(ThemeFile.model_validate(data).to_theme())
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{path}: cannot read: {exc}")
            except tomllib.TOMLDecodeError as exc:
                problems.append(f"{path}: invalid TOML: {exc}")
            except ValidationError as exc:
                err = exc.errors()[0]
                problems.append(f"{path}: {format_loc(err['loc'])}: {err['msg']}")
    return themes, problems
