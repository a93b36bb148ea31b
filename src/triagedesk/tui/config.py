"""The desk's settings: nested pydantic models, a TOML file in the user config dir, environment overrides."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from triagedesk.resources import config_dir
from triagedesk.files import atomic_write


class DeskSettings(BaseModel):
    """How the coordinator desk behaves."""

    refresh_seconds: float = Field(0.5, gt=0.05, le=10)
    """How often the desk checks the store for other desks' changes."""
    timers_shown: int = Field(40, ge=1, le=500)
    """How many of the most pressing clocks the Timers pane shows."""
    actor: str = Field(default_factory=lambda: os.environ.get("USER", "coordinator"))
    """The name written to the audit log for this desk's actions."""


class AnalyticsSettings(BaseModel):
    """The lead's analytics tab."""

    period_days: int = Field(30, ge=1, le=3650)
    """The default period."""


class Settings(BaseModel):
    """Everything in `config.toml` (`TRIAGEDESK_CONFIG` moves the file; `TRIAGEDESK_THEME` overrides the theme)."""

    theme: str = "triagedesk-dark"
    desk: DeskSettings = Field(default_factory=DeskSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)


def settings_path() -> Path:
    env = os.environ.get("TRIAGEDESK_CONFIG")
    return Path(env).expanduser() if env else config_dir() / "config.toml"


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
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically (the theme choice persists across runs)."""
    data = settings.model_dump()
    lines = [f"theme = {_toml_value(data['theme'])}"]
    for section in ("desk", "analytics"):
        lines.append(f"\n[{section}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in data[section].items())
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path
