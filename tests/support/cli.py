"""The CLI as a user runs it, in a process of its own (`python -m triagedesk`): the completed process.

Each call is a new process with the call's arguments, environment, working directory and standard streams. By
default it is forked from a process that has already imported triagedesk (tests/support/zygote.py), which saves
each call ~0.4 s of CPU; `fresh=True` starts the interpreter from nothing (for what happens at start: imports,
start-up time), as does an environment that changes what is read at import time.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT_TIME_ENV = ("TRIAGEDESK_LOCK_TIMEOUT", "TRIAGEDESK_COMPACT_BYTES")
"""Environment variables triagedesk reads when a module is imported (tests/project/test_tests_layout.py keeps
this list true): a call setting one differently runs fresh."""


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120, fresh: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `python -m triagedesk ARGS` in a process of its own, as a user would."""
    full_env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1", **(env or {})}
    command = [sys.executable, "-m", "triagedesk", *args]
    zygote = None if fresh else _zygote()
    if zygote is None or read_at_import_differs(zygote.env, full_env):
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=full_env, cwd=cwd,
                              timeout=timeout, stdin=None if stdin is not None else subprocess.DEVNULL)
    return zygote.run(command, stdin, full_env, cwd, timeout)


def read_at_import_differs(imported_with: dict[str, str], env: dict[str, str]) -> set[str]:
    """The variables read at import time that differ between the zygote's start and a call: compared with the
    environment the zygote imported under, not the test process's current one (a test may have changed it since)."""
    keys = {k for k in imported_with.keys() | env.keys()
            if k in IMPORT_TIME_ENV or k.startswith(("PYTHON", "LC_", "LANG"))}
    return {k for k in keys if imported_with.get(k) != env.get(k)}


class Zygote:
    """The forking process for this test process (one per pytest worker), started on first use."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="triagedesk-zygote-")
        self.socket = os.path.join(self.folder, "socket")
        self.env = dict(os.environ)
        """The environment it imported triagedesk under (a call reading another value at import runs fresh)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.zygote", self.socket], cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.env)
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the CLI zygote did not start")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def run(self, command: list[str], stdin: str | None, env: dict[str, str], cwd: Path | None,
            timeout: float) -> subprocess.CompletedProcess[str]:
        """The call's process gets pipes (or /dev/null for no stdin), as `subprocess.run` gives: a command that
        checks what its output is (a pipe, not a file) or leaves a child holding it behaves as it would fresh."""
        deadline = time.monotonic() + timeout
        encoding = locale.getpreferredencoding(False)
        if stdin is None:
            child_in, feed = os.open(os.devnull, os.O_RDONLY), None
        else:
            child_in, feed = os.pipe()
        out_read, child_out = os.pipe()
        err_read, child_err = os.pipe()
        call = {"module": command[2], "args": command[3:], "env": env,
                "cwd": str(Path(cwd or os.getcwd()).resolve())}
        chunks: dict[int, list[bytes]] = {out_read: [], err_read: []}
        readers = [threading.Thread(target=_drain, args=(fd, chunks[fd]), daemon=True) for fd in chunks]
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(self.socket)
                socket.send_fds(conn, [b"F"], [child_in, child_out, child_err])
                conn.sendall(json.dumps(call).encode() + b"\n")
            finally:
                for fd in (child_in, child_out, child_err):
                    os.close(fd)
            for reader in readers:
                reader.start()
            if feed is not None:
                threading.Thread(target=_feed, args=(feed, (stdin or "").encode(encoding)), daemon=True).start()
            answers = conn.makefile("rb")
            pid = json.loads(answers.readline() or b'{"pid": null}')["pid"]
            if pid is None:
                raise RuntimeError(f"the CLI zygote lost {command[3:]}")
            conn.settimeout(max(0.0, deadline - time.monotonic()))
            try:
                line = answers.readline()
            except TimeoutError:
                line = None
            for reader in readers:
                reader.join(max(0.0, deadline - time.monotonic()))
            expired = line is None or any(reader.is_alive() for reader in readers)
            if expired:
                _kill(pid)
        out, err = (_text(b"".join(chunks[fd]), encoding) for fd in (out_read, err_read))
        if expired:
            raise subprocess.TimeoutExpired(command, timeout, out, err)
        if not line:
            raise RuntimeError(f"the CLI zygote lost {command[3:]}")
        return subprocess.CompletedProcess(command, json.loads(line)["code"], out, err)


def _drain(fd: int, chunks: list[bytes]) -> None:
    """Read a pipe to its end: when every process holding its other end (the CLI's children too) has closed it."""
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)


def _feed(fd: int, data: bytes) -> None:
    """Write the call's stdin and close it (a process that stops reading early is not an error, as in subprocess)."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        pass
    finally:
        os.close(fd)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


def _text(data: bytes, encoding: str) -> str:
    """The bytes as `subprocess.run(text=True)` decodes them (locale encoding, universal newlines)."""
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


_ZYGOTE: list[Zygote] = []
_LOCK = threading.Lock()


def _zygote() -> Zygote | None:
    with _LOCK:
        if _ZYGOTE and _ZYGOTE[0] is not None and _ZYGOTE[0].process.poll() is None:
            return _ZYGOTE[0]
        if _ZYGOTE or os.environ.get("TRIAGEDESK_TEST_FRESH_CLI") == "1":
            return None  # it died once: every call runs fresh from now on
        try:
            _ZYGOTE.append(Zygote())
        except (OSError, RuntimeError):
            _ZYGOTE.append(None)  # type: ignore[arg-type]
            return None
        atexit.register(_ZYGOTE[0].close)
        return _ZYGOTE[0]
