"""A store file's identity (which file is in force) and the previous copy kept beside it for `db repair`."""

from __future__ import annotations

import os
from pathlib import Path

from triagedesk import files

Identity = tuple[int, ...]


def keep_previous(path: Path) -> None:
    """Keep the file about to be replaced as `PATH.prev` (a hard link: no copy), for `db repair`."""
    previous = path.with_name(path.name + ".prev")
    staging = path.with_name(f".{path.name}.prev-{os.getpid()}")
    try:
        if staging.exists():
            staging.unlink()
        files.OPS.link(path, staging)
        files.OPS.replace(staging, previous)
    except OSError:
        try:
            staging.unlink()
        except OSError:
            pass  # best effort: a file system without hard links keeps no previous copy


def identity_of(found: os.stat_result) -> Identity:
    """A file's identity: inode and device."""
    return (found.st_ino, found.st_dev)


def snapshot_identity(found: os.stat_result) -> Identity:
    """A snapshot's identity: inode and change time, so a new snapshot on a reused inode still differs."""
    return (found.st_ino, found.st_dev, found.st_ctime_ns)


def safe_identity(path: Path) -> Identity | None:
    try:
        return snapshot_identity(os.stat(path))
    except OSError:
        return None
