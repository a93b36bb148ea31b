"""A token bucket per key (a client address, a token): `rate` requests a second, bursts of twice that."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """A token bucket per key: `rate` requests a second, bursts of twice that."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(rate * 2, 1.0)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._buckets) > 10_000:  # forget idle keys rather than grow without bound
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            tokens_left, seen = self._buckets.get(key, (self.burst, now))
            tokens_left = min(self.burst, tokens_left + (now - seen) * self.rate)
            if tokens_left < 1:
                self._buckets[key] = (tokens_left, now)
                return False
            self._buckets[key] = (tokens_left - 1, now)
            return True
