"""Full garbage collections only while the user is not typing.

With a big account loaded, the monitor freezes what it loaded out of the cyclic collector's
reach (`gc.freeze`). What a steady refresh replaces afterwards (jobs, tasks, snapshots) is
still walked, and Python's own rule starts a full collection whenever a quarter more objects
reached the oldest generation since the last one: at 100,000 jobs under a refresh of ~400
jobs a second, a full collection of 30-85 ms came every few seconds, and a middle one of
15-25 ms twice a second, wherever keys were being pressed.

So, while this schedule runs: young collections stay automatic (the middle generation is
collected after fewer young ones, so each of its pauses is short), the oldest generation is
never collected automatically, and `tick` (called every few seconds) collects it when no key
came for `QUIET_AFTER_KEY` seconds and `EVERY` seconds have passed, or after
`AT_LEAST_EVERY` seconds whatever the keys do, so that cyclic garbage cannot pile up (Textual's
row strips hold themselves in their own caches: a strip the table drops is such garbage).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: Allocations between two young collections, and young collections per middle one.
YOUNG = 10_000
MIDDLE = 3
#: The oldest generation's threshold while the schedule runs: never reached.
NEVER = 2**31 - 1
#: Seconds without a key before a full collection may run.
QUIET_AFTER_KEY = 2.0
#: Seconds between full collections when the user is quiet, and at most between two at all.
EVERY = 15.0
AT_LEAST_EVERY = 600.0


class FullCollections:
    """The schedule of full collections (see the module docstring)."""

    __slots__ = ("_clock", "_saved", "last_full", "last_key", "runs")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        self.last_key = float("-inf")
        self.last_full = clock()
        #: Full collections run by `tick`.
        self.runs = 0

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        """Take over the oldest generation (the thresholds in force are kept for `stop`)."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            self.last_full = self._clock()
        gc.set_threshold(YOUNG, MIDDLE, NEVER)

    def stop(self) -> None:
        """The thresholds as they were before `start`."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def key_pressed(self) -> None:
        self.last_key = self._clock()

    def due(self) -> bool:
        now = self._clock()
        since = now - self.last_full
        if since >= AT_LEAST_EVERY:
            return True
        return since >= EVERY and now - self.last_key >= QUIET_AFTER_KEY

    def tick(self) -> bool:
        """A full collection if one is due; True if it ran."""
        if self._saved is None or not self.due():
            return False
        gc.collect()  # frozen objects are not walked
        self.last_full = self._clock()
        self.runs += 1
        return True
