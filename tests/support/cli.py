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
    differs = {k for k in full_env.keys() | os.environ.keys() if full_env.get(k) != os.environ.get(k)}
    at_import = {k for k in differs if k in IMPORT_TIME_ENV or k.startswith(("PYTHON", "LC_", "LANG"))}
    zygote = None if fresh or at_import else _zygote()
    if zygote is None:
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=full_env, cwd=cwd,
                              timeout=timeout, stdin=None if stdin is not None else subprocess.DEVNULL)
    return zygote.run(command, stdin, full_env, cwd, timeout)


class Zygote:
    """The forking process for this test process (one per pytest worker), started on first use."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="triagedesk-zygote-")
        self.socket = os.path.join(self.folder, "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.zygote", self.socket], cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the CLI zygote did not start")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def run(self, command: list[str], stdin: str | None, env: dict[str, str], cwd: Path | None,
            timeout: float) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(dir=self.folder) as folder:
            streams = {name: os.path.join(folder, name) for name in ("stdin", "stdout", "stderr")}
            Path(streams["stdin"]).write_text(stdin or "", locale.getpreferredencoding(False))
            Path(streams["stdout"]).touch()
            Path(streams["stderr"]).touch()
            call = {"args": command[3:], "env": env, "cwd": str(Path(cwd or os.getcwd()).resolve()), **streams}
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(self.socket)
                conn.sendall(json.dumps(call).encode() + b"\n")
                answers = conn.makefile("rb")
                pid = json.loads(answers.readline())["pid"]
                expired = threading.Event()
                timer = threading.Timer(timeout, _kill, (pid, expired))
                timer.start()
                try:
                    line = answers.readline()
                finally:
                    timer.cancel()
            out, err = (_text(streams[name]) for name in ("stdout", "stderr"))
            if not line:
                raise RuntimeError(f"the CLI zygote lost {command[3:]}")
            code = json.loads(line)["code"]
            if expired.is_set():
                raise subprocess.TimeoutExpired(command, timeout, out, err)
        return subprocess.CompletedProcess(command, code, out, err)


def _kill(pid: int, expired: threading.Event) -> None:
    expired.set()
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


def _text(path: str) -> str:
    """The stream as `subprocess.run(text=True)` decodes it (locale encoding, universal newlines)."""
    with open(path, encoding=locale.getpreferredencoding(False), newline=None) as stream:
        return stream.read()


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
