"""Durable file writes for every layer: replace a file atomically (temp file, fsync, rename, fsync the folder).

Every file-system call the store makes goes through `OPS`, so a test can swap in a wrapper that fails a
chosen call with `OSError(ENOSPC)` or `OSError(EIO)` (see tests/store/adversarial/faults.py).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from triagedesk.domain.errors import UserError


class FileOps:
    """The file-system calls the store and `atomic_write` make; tests replace `OPS` to inject faults."""

    def open(self, path: Path, flags: int, mode: int = 0o644) -> int:
        return os.open(path, flags, mode)

    def write(self, fd: int, data: memoryview | bytes) -> int:
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def replace(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    def truncate(self, fd: int, length: int) -> None:
        os.ftruncate(fd, length)

    def link(self, source: Path, target: Path) -> None:
        os.link(source, target)

    def mkstemp(self, folder: Path, prefix: str) -> tuple[int, str]:
        # O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600, an unpredictable name in the target's own folder
        return tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")


OPS = FileOps()


def reason(exc: BaseException) -> str:
    """An OS error as a few words (`No space left on device`), for one-line messages."""
    if isinstance(exc, OSError):
        return exc.strerror or errno.errorcode.get(exc.errno or 0, "") or str(exc) or type(exc).__name__
    return str(exc) or type(exc).__name__


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """Write every byte (a short write is continued; an error raises)."""
    view = memoryview(data)
    while view:
        written = OPS.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        view = view[written:]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        OPS.fsync(fd)
    finally:
        os.close(fd)


def _target_mode(path: Path, default: int) -> int:
    """The mode the new file gets: the replaced file's own (a 0600 file stays 0600), else `default`."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return default
    if stat.S_ISDIR(found.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    return stat.S_IMODE(found.st_mode)


def stage(path: Path, data: bytes | Iterable[bytes], mode: int = 0o644) -> Path:
    """Write `data` to a new temporary file beside `path` and fsync it (see `atomic_write`); `put_in_place`
    then renames it over `path`. On failure the temporary file is removed and the error raised."""
    path = Path(path)
    target_mode = _target_mode(path, mode)
    fd, tmp_name = OPS.mkstemp(path.parent, f".{path.name}.")
    tmp = Path(tmp_name)
    try:
        try:
            for chunk in ((data,) if isinstance(data, bytes | bytearray | memoryview) else data):
                write_all(fd, chunk)
            os.fchmod(fd, target_mode)
            OPS.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    return tmp


def put_in_place(staged: Path, path: Path) -> None:
    """Rename a `stage`d file over `path` and fsync the folder; on failure the staged file is removed."""
    try:
        OPS.replace(staged, path)
    except BaseException:
        try:
            staged.unlink()
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes | Iterable[bytes], mode: int = 0o644) -> None:
    """Replace `path` with `data` (bytes, or chunks of them written as they come) all at once, or leave it as it was.

    The temporary file is created by `tempfile` in the same folder (O_EXCL, no symlink followed, a name
    nobody can predict), written, fsynced, given the replaced file's mode, renamed over `path`, and the
    folder fsynced. On any failure the temporary file is removed and the error raised; `path` is untouched.
    """
    put_in_place(stage(path, data, mode), Path(path))


STORE_SUFFIXES = ("", ".journal", ".lock", ".prev", ".journal.prev")


def is_store_file(path: Path) -> bool:
    """Whether `path` holds one of a triagedesk store's own files (a snapshot or a journal), by its first bytes."""
    try:  # never waits: a pipe or a device is no store file (opening /dev/stdout on a pipe reads that pipe)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        head = os.read(fd, 32) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return False
    finally:
        os.close(fd)
    return head.startswith((b'{"_meta":{"1":{', b"#triagedesk-journal", b"#triagedesk-snapshot"))


def write_user_file(path: Path, data: bytes, protect: Path | None = None) -> None:
    """Write a file the user named (`--out`): atomically, keeping its mode, never over a store's own files.

    Every failure is one line (`UserError`), the target untouched. A symbolic link is written through (the file
    it names is replaced, the link kept): renaming over the link itself replaced `/dev/stdout` with a file.
    """
    try:
        mode = os.stat(Path(path).expanduser()).st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise UserError(f"{path}: not a regular file (a device, folder or pipe); refusing to replace it")
    target = _resolved(Path(path).expanduser())
    guarded = {protect.with_name(protect.name + suffix) for suffix in STORE_SUFFIXES} if protect else set()
    resolved = {_resolved(p) for p in guarded}
    if target in resolved or is_store_file(target) or _beside_a_store(target) \
            or _beside_a_store(Path(path).expanduser()):
        raise UserError(f"{path}: is a triagedesk store file; refusing to write over it")
    try:
        atomic_write(target, data)
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {reason(exc)}") from None


def _beside_a_store(path: Path) -> bool:
    """`PATH.prev`, `PATH.journal`, ... of a store at PATH: names the store keeps for itself, even if absent now."""
    for suffix in STORE_SUFFIXES:
        if suffix and path.name.endswith(suffix) and len(path.name) > len(suffix):
            if is_store_file(path.with_name(path.name[: -len(suffix)])):
                return True
    return False


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()
