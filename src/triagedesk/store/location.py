"""Where a store lives: `--db PATH`, else `TRIAGEDESK_DB`, else `desk.json` in the user data folder."""

from __future__ import annotations

import os
from pathlib import Path


def default_path() -> Path:
    """`TRIAGEDESK_DB` if set, else `desk.json` in the user data dir."""
    env = os.environ.get("TRIAGEDESK_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("triagedesk")) / "desk.json"


def store_path(db_path: str | None) -> Path:
    """`--db PATH` if given, else the default store."""
    return Path(db_path).expanduser() if db_path else default_path()


__all__ = ["default_path", "store_path"]
