"""Injected file-system faults: a wrapper around the store's file operations that fails chosen calls."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from triagedesk import files


class Faulty(files.FileOps):
    """Fails the `after`-th and later calls of `op` (write, fsync, replace, mkstemp, link, truncate, open)
    on paths ending in `where`, with OSError(`code`); `short` makes a failing write first write half."""

    def __init__(self, op: str, code: int, after: int = 0, where: str = "", times: int = 1_000_000,
                 short: bool = False) -> None:
        self.op, self.code, self.after, self.where, self.times, self.short = op, code, after, where, times, short
        self.calls = 0
        self.failed = 0
        self._fd_paths: dict[int, str] = {}

    def _hit(self, op: str, path: str) -> None:
        if op != self.op or not path.endswith(self.where):
            return
        self.calls += 1
        if self.calls > self.after and self.failed < self.times:
            self.failed += 1
            raise OSError(self.code, os.strerror(self.code), path)

    def _path(self, fd: int) -> str:
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return self._fd_paths.get(fd, "")

    def open(self, path: Path, flags: int, mode: int = 0o644) -> int:
        self._hit("open", str(path))
        return super().open(path, flags, mode)

    def write(self, fd: int, data: memoryview | bytes) -> int:
        path = self._path(fd)
        if self.short and self.op == "write" and path.endswith(self.where) and self.calls >= self.after \
                and self.failed < self.times and len(data) > 1 and not getattr(self, "_halved", False):
            self._halved = True
            return super().write(fd, data[: len(data) // 2])
        self._hit("write", path)
        return super().write(fd, data)

    def fsync(self, fd: int) -> None:
        self._hit("fsync", self._path(fd))
        super().fsync(fd)

    def replace(self, source: Path, target: Path) -> None:
        self._hit("replace", str(target))
        super().replace(source, target)

    def link(self, source: Path, target: Path) -> None:
        self._hit("link", str(target))
        super().link(source, target)

    def truncate(self, fd: int, length: int) -> None:
        self._hit("truncate", self._path(fd))
        super().truncate(fd, length)

    def mkstemp(self, folder: Path, prefix: str) -> tuple[int, str]:
        self._hit("mkstemp", str(folder / prefix))
        return super().mkstemp(folder, prefix)


@contextmanager
def injected(fault: Faulty) -> Iterator[Faulty]:
    previous = files.OPS
    files.OPS = fault
    try:
        yield fault
    finally:
        files.OPS = previous


ENOSPC, EIO = errno.ENOSPC, errno.EIO
