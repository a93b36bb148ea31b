"""The desk's settings: pydantic-settings models read from config.toml with environment overrides, written back
with tomlkit (the user's comments and layout kept)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import tomlkit
import tomlkit.exceptions
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

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
        """A filter's token or name, or an earlier version's spelling (`never_escalated`), read as its token."""
        from triagedesk.app.queue import STATUS_FILTERS, status_filter

        found = status_filter(value)
        if found is None:
            raise ValueError(f"unknown status filter {value!r}; one of {', '.join(STATUS_FILTERS)}")
        return found

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        from triagedesk.app.queue import SORTS

        if value not in SORTS:
            raise ValueError(f"unknown sort {value!r}; one of {', '.join(SORTS)}")
        return value


class Settings(BaseSettings):
    """Everything in `config.toml` (`TRIAGEDESK_CONFIG` moves the file). The environment overrides the file:
    `TRIAGEDESK_THEME`, `TRIAGEDESK_DESK__ACTOR`, `TRIAGEDESK_DESK__REFRESH_SECONDS`, ..."""

    model_config = SettingsConfigDict(env_prefix="TRIAGEDESK_", env_nested_delimiter="__", extra="forbid")

    theme: str = "triagedesk-dark"
    desk: DeskSettings = Field(default_factory=DeskSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    views: dict[str, SavedView] = Field(default_factory=dict)
    """Saved queue views by name."""
    keys: dict[str, str] = Field(default_factory=dict)
    """Your keys: an action's name (`triagedesk keys` lists them) -> the key(s) that take it (`ctrl+a`, `F5`)."""
    aliases: dict[str, str] = Field(default_factory=dict)
    """Words for the `:` command line: `mine = "view mine"`."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment over what the caller read from the file (`load_settings`)."""
        return env_settings, init_settings


def settings_path() -> Path:
    return config_path()


def load_settings() -> tuple[Settings, str | None]:
    """The settings, and a one-line problem when the file is bad (the defaults, and the environment, are used)."""
    path = settings_path()
    problem = None
    data: dict[str, Any] = {}
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
        try:
            settings = Settings()
        except ValidationError:  # the environment itself is wrong: the defaults alone
            settings = Settings.model_construct()
    return settings, problem


def save_settings(settings: Settings) -> Path:
    """Write what the desk changes (the theme, the saved views) into the user's file, keeping every comment and
    everything else the user wrote there (tomlkit); atomically."""
    path = settings_path()
    try:
        document = tomlkit.parse(path.read_text("utf-8")) if path.exists() else tomlkit.document()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError):
        document = tomlkit.document()  # a broken file was already reported at start: it is replaced
    document["theme"] = settings.theme
    views = tomlkit.table(is_super_table=True)
    for name, view in settings.views.items():
        table = tomlkit.table()
        for key, value in view.model_dump().items():
            if value is not None:
                table[key] = value
        views[name] = table
    if settings.views or "views" in document:
        document["views"] = views
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomlkit.dumps(document).encode("utf-8"))
    return path
