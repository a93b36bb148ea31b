"""The benchmark harness: figures with medians, goals and ratios against a baseline of the same run."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """One measured figure: our median, the baseline's median in the same run, and the goal."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    goal: str = ""
    ok: bool | None = None
    notes: str = ""
    runs: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.value:
            return None
        return self.baseline / self.value

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """Time the block with the garbage collector collected first and paused, as every figure is timed:
    `with stopwatch() as took: ...`, then `took[0]` is the wall time in seconds."""
    took: list[float] = []
    gc.collect()
    gc.disable()
    start = time.perf_counter()
    try:
        yield took
    finally:
        took.append(time.perf_counter() - start)
        gc.enable()


def median_time(work: Callable[[], Any], repeats: int,
                setup: Callable[[], Any] | None = None) -> tuple[float, list[float]]:
    """Median wall time of `work` over `repeats` runs, with the garbage collector paused while timing."""
    runs = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        with stopwatch() as took:
            work()
        runs.append(took[0])
    return statistics.median(runs), runs
