"""Work done beside this process, on the machine's other core: a function run in a forked copy of the process,
its result handed back (pickled) when asked for. Where there is no fork or one core, it runs when asked."""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Beside(Generic[T]):
    """`work()` running in a forked child from now on; `result()` waits for it (its exception is raised here)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._pid = 0
        self._source = -1
        if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
            return
        reading, writing = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reading)
            os.close(writing)
            return
        if pid == 0:  # the child: never returns
            os.close(reading)
            _run(work, writing)
        os.close(writing)
        self._pid, self._source = pid, reading

    def result(self) -> T:
        if not self._pid:
            return self._work()
        parts = []
        try:
            while part := os.read(self._source, 1 << 20):
                parts.append(part)
        finally:
            self.close()
        if not parts:
            raise RuntimeError("the work beside this process stopped without a result")
        ok, value = pickle.loads(b"".join(parts))
        if not ok:
            raise value
        found: T = value
        return found

    def close(self) -> None:
        """End the child if it still runs (a result not waited for), and reap it."""
        if not self._pid:
            return
        pid, self._pid = self._pid, 0
        os.close(self._source)
        try:
            os.kill(pid, signal.SIGKILL)  # nothing to kill once it has written its result and exited
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


def _run(work: Callable[[], object], out: int) -> None:
    code = 0
    try:
        try:
            payload = pickle.dumps((True, work()))
        except BaseException as exc:  # noqa: BLE001  # handed to the parent, which raises it
            code = 1
            try:
                payload = pickle.dumps((False, exc))
            except Exception:  # noqa: BLE001  # an exception that will not pickle: its words
                payload = pickle.dumps((False, RuntimeError(repr(exc))))
        view = memoryview(payload)
        while view:
            view = view[os.write(out, view):]
    finally:
        os._exit(code)  # nothing of this process's buffers or exit handlers runs twice


__all__ = ["Beside"]
