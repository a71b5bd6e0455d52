"""Garbage collections kept out of the way of keys: none at all while keys come, and full
ones only while the user is not typing.

With a big account loaded, the monitor freezes what it loaded out of the cyclic collector's
reach (`gc.freeze`). What a steady refresh replaces afterwards (jobs, tasks, snapshots) is
still walked, and Python's own rule starts a full collection whenever a quarter more objects
reached the oldest generation since the last one: at 100,000 jobs under a refresh of ~400
jobs a second, a full collection of 30-85 ms came every few seconds, and a middle one of
15-25 ms twice a second, wherever keys were being pressed.

So, while this schedule runs: young collections stay automatic (the middle generation is
collected after fewer young ones, so each of its pauses is short), the oldest generation is
never collected automatically, and `tick` collects it when no key
came for `QUIET_AFTER_KEY` seconds and `EVERY` seconds have passed, or after
`AT_LEAST_EVERY` seconds whatever the keys do, so that cyclic garbage cannot pile up (Textual's
row strips hold themselves in their own caches: a strip the table drops is such garbage).

Young and middle collections still took 5-35 ms each at 100,000 jobs (each walks what the new
objects point to: a new list of 100,000 job ids is 100,000 visits), and they start wherever
the allocations reach the threshold, a few times a second: 33 of them in 14 s of the UI
benchmark, inside the handling of keys and their frames. So a key also turns the automatic
collector off (`gc.disable`) until no key came for `KEYS_QUIET` seconds. Meanwhile `tick`
(every quarter second) collects the young and middle generations in one go once more than
`HELD_AT_MOST` objects wait, so that garbage cannot pile up under keys without end, and once
more when the keys stop. In the same 14 s: 7 collections of 13-67 ms (126-275 ms in all)
instead of 33 of up to 34 ms (344 ms), and the UI benchmark's key p95 went from 33-43 ms to
24-32 ms.
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
#: Seconds without a key before automatic collections come back.
KEYS_QUIET = 0.5
#: Objects waiting for a collection (the young generation's count) above which `tick`
#: collects while keys hold the collector off.
HELD_AT_MOST = 25_000
#: Seconds between full collections when the user is quiet, and at most between two at all.
EVERY = 15.0
AT_LEAST_EVERY = 600.0


class FullCollections:
    """The schedule of full collections (see the module docstring)."""

    __slots__ = ("_clock", "_held", "_saved", "held_collections", "last_full", "last_key", "runs")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        #: The collector was turned off by a key (`key_pressed`).
        self._held = False
        self.last_key = float("-inf")
        self.last_full = clock()
        #: Full collections run by `tick`.
        self.runs = 0
        #: Collections `tick` made while keys held the collector off.
        self.held_collections = 0

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
        """The thresholds as they were before `start`, and the collector on again if a key
        turned it off."""
        self._release()
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    @property
    def held(self) -> bool:
        """Automatic collections are off until the keys stop."""
        return self._held

    def key_pressed(self) -> None:
        self.last_key = self._clock()
        if self._saved is not None and not self._held and gc.isenabled():
            gc.disable()
            self._held = True

    def _release(self) -> None:
        if self._held:
            self._held = False
            gc.enable()

    def due(self) -> bool:
        now = self._clock()
        since = now - self.last_full
        if since >= AT_LEAST_EVERY:
            return True
        return since >= EVERY and now - self.last_key >= QUIET_AFTER_KEY

    def tick(self) -> bool:
        """Automatic collections back once the keys stopped (or too much waits for one), and
        a full collection if one is due; True if a full one ran."""
        if self._held:
            quiet = self._clock() - self.last_key >= KEYS_QUIET
            if quiet or gc.get_count()[0] >= HELD_AT_MOST:
                # The young and middle generations at once: what survives goes to the
                # oldest, and no middle collection of their survivors follows (70-85 ms at
                # three times `HELD_AT_MOST`).
                gc.collect(1)
                self.held_collections += 1
            if quiet:
                self._release()
        if self._saved is None or not self.due():
            return False
        gc.collect()  # frozen objects are not walked
        self.last_full = self._clock()
        self.runs += 1
        return True
