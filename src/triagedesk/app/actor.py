"""Who acts: the person written to the audit log (config `actor`, else the login name), never a role."""

from __future__ import annotations

import getpass
import os
import tomllib
from pathlib import Path

from triagedesk.resources import config_dir

ROLE_NAMES = frozenset({"coordinator", "expert", "lead", "cli", "system"})
"""Names of roles or programs: never a person."""


def config_path() -> Path:
    """The desk's config file (`TRIAGEDESK_CONFIG` moves it)."""
    env = os.environ.get("TRIAGEDESK_CONFIG")
    return Path(env).expanduser() if env else config_dir() / "config.toml"


def login_name() -> str:
    """Who is at the keyboard: the login name (LOGNAME, USER, the passwd entry)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (a bare container)
        name = ""
    return name or (f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown-user")


def configured_actor() -> str | None:
    """`[desk] actor` from the config file, when set (a broken file reads as unset: the desk reports it)."""
    try:
        data = tomllib.loads(config_path().read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = data.get("desk", {}).get("actor") if isinstance(data.get("desk"), dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def person(configured: str | None = None, expert_id: str | None = None) -> str:
    """The actor: the configured name, else the expert's own id on an expert desk, else the login name."""
    if configured and configured.strip():
        return configured.strip()
    if expert_id:
        return expert_id
    return login_name()
