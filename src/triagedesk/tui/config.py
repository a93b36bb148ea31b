"""The desk's settings: nested pydantic models, a TOML file in the user config dir, environment overrides."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from triagedesk.app.actor import config_path
from triagedesk.files import atomic_write


class DeskSettings(BaseModel):
    """How the coordinator desk behaves."""

    refresh_seconds: float = Field(0.5, gt=0.05, le=10)
    """How often the desk checks the store for other desks' changes."""
    timers_shown: int = Field(40, ge=1, le=500)
    """How many of the most pressing clocks the Timers pane shows."""
    actor: str | None = Field(None, min_length=1, max_length=80)
    """The person written to the audit log for this desk's actions (unset: the login name; never a role)."""


class AnalyticsSettings(BaseModel):
    """The lead's analytics tab."""

    period_days: int = Field(30, ge=1, le=3650)
    """The default period."""


class SavedView(BaseModel):
    """A named queue view: its filters and its sort (`[views.NAME]` in config.toml)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field("", max_length=200)
    urgency: Literal["critical", "high", "medium", "low"] | None = None
    status: str = "all"
    profile: str | None = None
    assignee: str | None = None
    """`unassigned`, `mine` or an expert id."""
    sort: str = "urgency"
    reverse: bool = False

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        from triagedesk.app.queue import STATUS_FILTERS

        if value not in STATUS_FILTERS:
            raise ValueError(f"unknown status filter {value!r}; one of {', '.join(STATUS_FILTERS)}")
        return value

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        from triagedesk.app.queue import SORTS

        if value not in SORTS:
            raise ValueError(f"unknown sort {value!r}; one of {', '.join(SORTS)}")
        return value


class Settings(BaseModel):
    """Everything in `config.toml` (`TRIAGEDESK_CONFIG` moves the file; `TRIAGEDESK_THEME` overrides the theme)."""

    theme: str = "triagedesk-dark"
    desk: DeskSettings = Field(default_factory=DeskSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    views: dict[str, SavedView] = Field(default_factory=dict)
    """Saved queue views by name."""


def settings_path() -> Path:
    return config_path()


def load_settings() -> tuple[Settings, str | None]:
    """The settings, and a one-line problem when the file is bad (the defaults are used then)."""
    path = settings_path()
    problem = None
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problem = f"{path}: {exc}; using the defaults"
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        problem = f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}; using the defaults"
        settings = Settings()
    theme = os.environ.get("TRIAGEDESK_THEME")
    if theme:
        settings = settings.model_copy(update={"theme": theme})
    return settings, problem


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    # a JSON string is a TOML basic string, once DEL (allowed in JSON, not in TOML) is escaped too
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically (the theme choice persists across runs)."""
    data = settings.model_dump()
    lines = [f"theme = {_toml_value(data['theme'])}"]
    for section in ("desk", "analytics"):
        lines.append(f"\n[{section}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in data[section].items() if value is not None)
    for name, view in data["views"].items():
        lines.append(f"\n[views.{_toml_value(name)}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in view.items() if value is not None)
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path
