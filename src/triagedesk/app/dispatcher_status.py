"""`STORE.dispatcher`: the file naming who holds the dispatcher lease, until when (the desk's header reads it)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


def status_path(store_path: str | os.PathLike[str]) -> Path:
    """`STORE.dispatcher`: who holds the dispatcher lease for this store, until when (the desk's header reads it)."""
    return Path(f"{store_path}.dispatcher")


def write_status(store_path: str | os.PathLike[str], holder: str, expires: float, where: str) -> None:
    path = status_path(store_path)
    temp = path.with_name(path.name + f".{os.getpid()}.tmp")
    temp.write_text(json.dumps({"holder": holder, "expires": expires, "where": where}), encoding="utf-8")
    os.replace(temp, path)


def read_status(store_path: str | os.PathLike[str], now: float | None = None) -> dict[str, Any] | None:
    """The active dispatcher, if its lease has not expired (None: none, or a file that is not ours)."""
    try:
        data = json.loads(status_path(store_path).read_text(encoding="utf-8"))
        expires = float(data["expires"])
        holder = str(data["holder"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if expires < (time.time() if now is None else now):
        return None
    return {"holder": holder, "expires": expires, "where": str(data.get("where", ""))}
