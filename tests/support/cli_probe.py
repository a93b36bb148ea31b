"""A stand-in CLI that prints what a process sees of its start (tests/project/test_cli_runner.py runs it forked and
fresh): the time zone, its path and folder, signal dispositions, a value read at import, its standard streams, a late
thread, a child outliving it."""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import threading
import time

from triagedesk.store import journal


def _late() -> None:
    threading.main_thread().join()  # the interpreter waits for this thread before it exits
    print("a thread that is not a daemon finished after main", flush=True)


def _kind(fd: int) -> str:
    mode = os.fstat(fd).st_mode
    return "pipe" if stat.S_ISFIFO(mode) else "device" if stat.S_ISCHR(mode) else "file" if stat.S_ISREG(mode) \
        else "other"


def _outlive_parent() -> None:
    """A child that writes once the probe has exited, on the output it inherited (as an export's worker could)."""
    parent = os.getpid()  # taken before the fork: the probe may have exited before the child first looks
    if os.fork() == 0:
        while os.getppid() == parent:
            time.sleep(0.01)
        os.write(1, b"a child wrote after its parent exited\n")
        os._exit(0)


def main() -> None:
    seen = {
        "zone": list(time.tzname), "hour at 0": time.localtime(0).tm_hour, "argv": sys.argv[1:],
        "program": os.path.basename(sys.argv[0]), "path0": sys.path[0], "cwd": os.getcwd(),
        "signals": {name: str(signal.getsignal(getattr(signal, name))) for name in ("SIGCHLD", "SIGINT", "SIGPIPE")},
        "compact bytes": journal.COMPACT_MIN_BYTES, "threads": threading.active_count(),
        "streams": [_kind(fd) for fd in (0, 1, 2)], "stdin": sys.stdin.read(),
    }
    print(json.dumps(seen, sort_keys=True))
    threading.Thread(target=_late).start()
    if sys.argv[1:2] == ["orphan"]:
        _outlive_parent()
    if sys.argv[1:2] == ["fail"]:
        sys.exit("the probe failed as asked")


if __name__ == "__main__":
    main()
