"""A stand-in CLI that prints what a process sees of its start (tests/project/test_cli_runner.py runs it forked
and fresh): the time zone, its path and folder, signal dispositions, a value read at import, a late thread."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

from triagedesk.store import journal


def _late() -> None:
    threading.main_thread().join()  # the interpreter waits for this thread before it exits
    print("a thread that is not a daemon finished after main", flush=True)


def main() -> None:
    seen = {
        "zone": list(time.tzname), "hour at 0": time.localtime(0).tm_hour, "argv": sys.argv[1:],
        "program": os.path.basename(sys.argv[0]), "path0": sys.path[0], "cwd": os.getcwd(),
        "signals": {name: str(signal.getsignal(getattr(signal, name))) for name in ("SIGCHLD", "SIGINT", "SIGPIPE")},
        "compact bytes": journal.COMPACT_MIN_BYTES, "threads": threading.active_count(),
    }
    print(json.dumps(seen, sort_keys=True))
    threading.Thread(target=_late).start()
    if sys.argv[1:2] == ["fail"]:
        sys.exit("the probe failed as asked")


if __name__ == "__main__":
    main()
