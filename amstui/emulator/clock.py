"""The emulator's virtual clock: a fixed start, a speed factor, and explicit steps.

`now()` = start + (real seconds since creation x speed) + stepped seconds. Tests use speed 0
and `advance()`; the demo runs faster than real time. Time never goes backwards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class VirtualClock:
    def __init__(
        self,
        start: datetime | None = None,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start is None:
            start = datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware start time")
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base = start.astimezone(UTC)
        self._real0 = monotonic()
        self._speed = speed
        self._last = self._base

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            try:
                elapsed = timedelta(seconds=(self._monotonic() - self._real0) * self._speed)
                moment = self._base + elapsed
            except OverflowError:  # past datetime's range: the clock stops there
                moment = self._last
            if moment < self._last:
                moment = self._last
            self._last = moment
            return moment

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._base += timedelta(seconds=seconds)
        return self.now()

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        current = self.now()
        with self._lock:
            self._base = current
            self._real0 = self._monotonic()
            self._speed = speed
