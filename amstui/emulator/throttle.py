"""ARM's request limits as a token bucket per subscription (2024 model): reads 250, refilled
25 a second; writes 200, refilled 10 a second. Real time, not the virtual clock: throttling is
about how fast a client calls, not about the account's simulated day."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self, capacity: float, refill: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.refill = refill
        self._monotonic = monotonic
        self._tokens = capacity
        self._at = monotonic()
        self._lock = threading.Lock()

    def _update(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.refill)
        self._at = now

    def take(self) -> tuple[bool, int]:
        """Spend one token if there is one: (allowed, tokens left as a whole number)."""
        with self._lock:
            self._update()
            if self._tokens >= 1:
                self._tokens -= 1
                return True, int(self._tokens)
            return False, 0

    def retry_after(self) -> int:
        """Whole seconds until a token is back (at least 1)."""
        with self._lock:
            self._update()
            return max(1, math.ceil((1 - self._tokens) / self.refill))


class ArmLimits:
    """Reads and writes buckets; `enforce` False only counts (the headers still go down)."""

    def __init__(self, enforce: bool, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.enforce = enforce
        self.reads = TokenBucket(250, 25, monotonic)
        self.writes = TokenBucket(200, 10, monotonic)

    def take(self, write: bool) -> tuple[bool, int, int]:
        """(allowed, remaining, retry-after seconds when refused)."""
        bucket = self.writes if write else self.reads
        allowed, left = bucket.take()
        if allowed or not self.enforce:
            return True, left, 0
        return False, 0, bucket.retry_after()
