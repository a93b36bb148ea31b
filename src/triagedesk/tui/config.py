"""The desk's settings: pydantic-settings models read from config.toml with environment overrides, written back
with tomlkit (the user's comments and layout kept)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomlkit
import tomlkit.exceptions
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from triagedesk.app.actor import config_path
from triagedesk.display import one_line
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


class NotSaved(Exception):
    """config.toml is not written: it has an error the desk will not write over (the message says where)."""


@dataclass
class Loaded:
    """What the desk read from config.toml at start."""

    settings: Settings
    problems: list[str] = field(default_factory=list)
    """One line per thing that was wrong (that setting, or the whole file, fell back to its default)."""
    unreadable: str | None = None
    """`FILE:LINE: what` when the file could not be read at all: then the desk never writes it this run."""


def _syntax_error(path: Path, text: str) -> str | None:
    """`FILE:LINE: what` for a file that is not TOML (tomlkit's parser, the one that writes it back), else None."""
    try:
        tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        what = str(exc).split(f" at line {exc.line}")[0]
        return one_line(f"{path}:{exc.line}: {what}")
    except tomlkit.exceptions.TOMLKitError as exc:
        return one_line(f"{path}: {exc}")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return one_line(f"{path}: {exc}")
    return None


def _drop(data: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the deepest key of `loc` that the data holds (the one bad setting); False when it holds none of it
    (the error came from the environment)."""
    node: Any = data
    parent: dict[str, Any] | None = None
    key: Any = None
    for part in loc:
        if not isinstance(node, dict) or part not in node:
            break
        parent, key, node = node, part, node[part]
    if parent is None:
        return False
    del parent[key]
    return True


def read_settings() -> Loaded:
    """The settings from config.toml under the environment. A file that is not TOML is not used at all (the
    defaults; `unreadable` says where); a value that is wrong falls back to its default alone, each said once."""
    path = settings_path()
    data: dict[str, Any] = {}
    found = Loaded(Settings.model_construct())
    if path.exists():
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            found.unreadable = one_line(f"{path}: {exc}")
        else:
            found.unreadable = _syntax_error(path, text)
            if found.unreadable is None:
                data = tomllib.loads(text)
    if found.unreadable:
        found.problems.append(f"{found.unreadable}; using the defaults")
    for _ in range(200):  # each round drops one bad setting
        try:
            found.settings = Settings.model_validate(data)
            return found
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(map(str, err["loc"]))
            if not _drop(data, tuple(err["loc"])):
                found.problems.append(f"environment: {where}: {err['msg']}; using the defaults")
                return found
            found.problems.append(f"{path}: {where}: {err['msg']}; using its default")
    return found


def load_settings() -> tuple[Settings, str | None]:
    """The settings, and one line saying what was wrong in the file (those settings fall back to their defaults)."""
    found = read_settings()
    return found.settings, "; ".join(found.problems) or None


def _table_of(document: Any, name: str, path: Path) -> Any:
    """The document's `[name]` table, made when missing; NotSaved when the user's file holds something else."""
    if name not in document:
        document[name] = tomlkit.table(is_super_table=True)
    table = document[name]
    if not isinstance(table, dict):
        raise NotSaved(f"{path}: {name} is not a table; not written over")
    return table


def save_settings(settings: Settings, base: Settings | None = None) -> Path:
    """Write what changed from `base` (by default what the file holds now): the theme, the saved views added,
    changed or deleted; every other line of the user's file, comments included, is kept (tomlkit); atomically.
    A file that is not TOML is never written over (NotSaved)."""
    path = settings_path()
    text = ""
    if path.exists():
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise NotSaved(one_line(f"{path}: {exc}")) from exc
        broken = _syntax_error(path, text)
        if broken:
            raise NotSaved(broken)
    if base is None:
        base = read_settings().settings
    document = tomlkit.parse(text)
    if settings.theme != base.theme:
        document["theme"] = settings.theme
    gone = [name for name in base.views if name not in settings.views]
    changed = {name: view for name, view in settings.views.items() if base.views.get(name) != view}
    if gone or changed:
        views = _table_of(document, "views", path)
        for name in gone:
            views.pop(name, None)
        for name, view in changed.items():
            table = tomlkit.table()
            for key, value in view.model_dump().items():
                if value is not None:
                    table[key] = value
            views[name] = table
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomlkit.dumps(document).encode("utf-8"))
    return path
