"""A process that has imported triagedesk once and forks a fresh `python -m triagedesk ARGS` process per call.

`run_cli` (tests/support/cli.py) sends it one JSON line per call over a Unix socket: the arguments, the whole
environment, the working directory and files for stdin, stdout and stderr. A monitor process is forked per call; it
forks the CLI process, answers with its pid, waits for it and answers with its exit code as `subprocess` reports
it (negative: killed by that signal). The CLI process is a real process of its own with the call's environment,
working directory and standard streams; only the imports are already done (~0.4 s of CPU each call saves).

Run as `python -m tests.support.zygote SOCKET_PATH`.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import signal
import socket
import sys
import traceback
from typing import Any

PRELOADED = ("triagedesk.cli", "triagedesk.app.stores", "triagedesk.app.reading", "triagedesk.app.dispatching",
             "triagedesk.dispatch.service", "triagedesk.commands.common", "triagedesk.formats.transfer",
             "triagedesk.sync.client")
"""What most commands import: pydantic's models, the store, the desk's parts, the dispatcher, the sync client."""


def _run_cli(call: dict[str, Any]) -> int:
    """In the forked CLI process: the call's world, then `python -m triagedesk`'s own run."""
    os.chdir(call["cwd"])
    os.environ.clear()
    os.environ.update(call["env"])
    for fd, path, flags in ((0, call["stdin"], os.O_RDONLY), (1, call["stdout"], os.O_WRONLY),
                            (2, call["stderr"], os.O_WRONLY)):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv = ["triagedesk", *call["args"]]
    sys.path[0] = call["cwd"]
    code = 0
    try:
        runpy.run_module("triagedesk", run_name="__main__", alter_sys=True)
    except SystemExit as stop:  # as the interpreter turns SystemExit into an exit status
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - what an uncaught exception does at the top of a process
        sys.excepthook(*sys.exc_info())
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 120  # what the interpreter exits with when flushing stdout fails at exit
    return code & 0xFF


def _monitor(conn: socket.socket, call: dict[str, Any]) -> None:
    """In the monitor process: fork the CLI process, say its pid, wait, say its exit code."""
    pid = os.fork()
    if pid == 0:
        conn.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        code = 1
        try:
            code = _run_cli(call)
        except BaseException:  # noqa: BLE001 - never let a forked child fall back into the zygote's loop
            traceback.print_exc()
        finally:
            os._exit(code)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    conn.sendall(json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode() + b"\n")


def serve(path: str) -> None:
    for name in PRELOADED:
        __import__(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # monitors are reaped by the kernel
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        with conn:
            line = conn.makefile("rb").readline()
            if not line:
                continue
            call = json.loads(line)
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    _monitor(conn, call)
                except BaseException:  # noqa: BLE001 - the monitor ends here whatever happens
                    traceback.print_exc()
                finally:
                    os._exit(0)


if __name__ == "__main__":
    serve(sys.argv[1])
