"""`JobView`: the store's jobs in display order, kept up to date incrementally.

The order is a sorted list of keys `(sort value, created, job id)`; a changed job moves by one
removal and one insertion (binary search), never by a full sort. The filter is a mask over that
order: a second sorted list holding only the keys of matching jobs (the same list when there is
no filter). Row `i` of the display is an index into that list (from the end when the order is
reversed), and the row of a job is found by binary search on its key: O(log n).

Sort values that move with time (running duration, ETA) are taken when the job last changed;
a re-sort (`set_sort`) takes them afresh.

The view follows the store through its listener and tells its own subscribers that something
changed (they read what they need: `version`, row versions, `take_transitions`). Nothing here
knows of Textual.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left, insort
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from amstui.ams.model import Job, JobState
from amstui.monitor.filter_index import SLICE, FilterIndex, FilterPass
from amstui.monitor.store import JobEntry, JobStore, Transition

SORT_KEYS = ("created", "state", "name", "progress", "duration", "priority", "eta", "id")
#: Keys sorted largest first when first chosen.
DESCENDING_FIRST = ("created", "progress", "duration", "priority")
#: Changes at once from which the order is rebuilt rather than updated one job at a time.
BULK_AT = 2000
_NEVER = datetime.min.replace(tzinfo=UTC)
#: Sort order of states: running work first, finished last (the State column's order).
STATE_ORDER = {
    JobState.PROCESSING: 0,
    JobState.CANCELING: 1,
    JobState.SCHEDULED: 2,
    JobState.QUEUED: 3,
    JobState.ERROR: 4,
    JobState.CANCELED: 5,
    JobState.FINISHED: 6,
}

Predicate = Callable[[Job], bool]
SortKey = tuple[Any, datetime, str]


def sort_value(entry: JobEntry, key: str, now: datetime) -> Any:
    """The value rows sort by for a sort key (comparable across all jobs)."""
    job = entry.job
    if key == "state":
        if entry.gone:
            return (9, 0)
        return (STATE_ORDER.get(job.state, 7), int(job.state))
    if key == "name":
        return job.name.lower()
    if key == "progress":
        return job.progress if job.progress is not None else -1.0
    if key == "duration":
        elapsed = entry.elapsed(now)
        return elapsed.total_seconds() if elapsed is not None else -1.0
    if key == "priority":
        return job.priority
    if key == "eta":
        eta = entry.eta(now)
        return eta.total_seconds() if eta is not None else float("inf")
    if key == "id":
        return job.id
    return job.created or _NEVER


class JobView:
    """Sorted and filtered order of a store's jobs (see the module docstring)."""

    __slots__ = (
        "_filter_generation",
        "_filter_index",
        "_key_of",
        "_keys",
        "_listeners",
        "_shown",
        "_transitions",
        "filter_text",
        "key_filter",
        "order_version",
        "predicate",
        "reverse",
        "sort_key",
        "store",
        "version",
    )

    def __init__(self, store: JobStore, sort_key: str = "created", reverse: bool = True) -> None:
        self.store = store
        self.sort_key = sort_key
        self.reverse = reverse
        self.predicate: Predicate | None = None
        #: A second filter on row keys (several accounts: `account:NAME`), None for none.
        self.key_filter: Callable[[str], bool] | None = None
        self.filter_text = ""
        #: Moves on every change the view saw (rows, order, filter).
        self.version = 0
        #: Moves only when the rows or their order change (not when a row's cells do).
        self.order_version = 0
        self._keys: list[SortKey] = []
        self._shown: list[SortKey] = self._keys
        self._key_of: dict[str, SortKey] = {}
        self._transitions: list[Transition] = []
        self._listeners: list[Callable[[], None]] = []
        self._filter_index = FilterIndex(store)
        self._filter_generation = 0
        self._rebuild()
        store.subscribe(self._on_store_change)

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._shown)

    def job_id_at(self, row: int) -> str | None:
        size = len(self._shown)
        if not 0 <= row < size:
            return None
        return self._shown[size - 1 - row if self.reverse else row][2]

    def ids_between(self, start: int, stop: int) -> list[str]:
        """Job ids of rows `start` to `stop` (excluded), clamped to the view."""
        size = len(self._shown)
        start, stop = max(start, 0), min(stop, size)
        if start >= stop:
            return []
        if self.reverse:
            chunk = self._shown[size - stop : size - start]
            return [key[2] for key in reversed(chunk)]
        return [key[2] for key in self._shown[start:stop]]

    def row_of(self, job_id: str) -> int | None:
        """The row showing `job_id` (None if filtered out or unknown): a binary search."""
        key = self._key_of.get(job_id)
        if key is None:
            return None
        index = bisect_left(self._shown, key)
        if index >= len(self._shown) or self._shown[index] != key:
            return None
        return len(self._shown) - 1 - index if self.reverse else index

    def matches(self, job: Job) -> bool:
        return self.predicate is None or self.predicate(job)

    def _matches(self, job_id: str, job: Job) -> bool:
        key_filter = self.key_filter
        return (key_filter is None or key_filter(job_id)) and self.matches(job)

    def take_transitions(self) -> list[Transition]:
        """Jobs that ended since the last call (a cycle's endings arrive together)."""
        taken, self._transitions = self._transitions, []
        return taken

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # ------------------------------------------------------------------ changing

    def set_sort(self, key: str, reverse: bool | None = None) -> None:
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}")
        if reverse is None:
            reverse = not self.reverse if key == self.sort_key else key in DESCENDING_FIRST
        if key == self.sort_key and key not in ("duration", "eta"):
            if reverse != self.reverse:
                self.reverse = reverse
                self._changed(order=True)
            return
        self.sort_key, self.reverse = key, reverse
        self._rebuild()
        self._changed(order=True)

    def set_filter(
        self,
        predicate: Predicate | None,
        text: str = "",
        key_filter: Callable[[str], bool] | None = None,
    ) -> None:
        self.drop_pending_filter()  # a filter being applied in slices is overtaken
        filtered = predicate is not None or key_filter is not None
        self.predicate, self.filter_text = predicate, text if filtered else ""
        self.key_filter = key_filter
        self._refilter()
        self._changed(order=True)

    def drop_pending_filter(self) -> None:
        """A filter being applied in slices stops at its next slice and changes nothing."""
        self._filter_generation += 1

    def set_filter_in_slices(
        self, predicate: Predicate | None, text: str = "", slice_size: int = SLICE
    ) -> Coroutine[Any, Any, bool]:
        """`set_filter`, with the pass over the jobs made in slices that yield to the event loop
        (keys pressed meanwhile are handled); await the result. The view changes once, when the
        pass completes; False (and no change) when a newer filter, or `drop_pending_filter`,
        came after this call first. Few jobs, or no filter: at once when awaited."""
        self.drop_pending_filter()
        return self._filter_in_slices(predicate, text, slice_size, self._filter_generation)

    async def _filter_in_slices(
        self, predicate: Predicate | None, text: str, slice_size: int, generation: int
    ) -> bool:
        if self._filter_generation != generation:
            return False
        if predicate is None or len(self._keys) <= slice_size or self.key_filter is not None:
            self.set_filter(predicate, text)
            return True
        source = self._keys
        under_way = FilterPass(self._filter_index, list(source), predicate, slice_size)
        under_way.start()
        try:
            while not under_way.step():
                await asyncio.sleep(0)
                if self._filter_generation != generation:
                    return False
        finally:
            under_way.stop()
        if self._keys is not source:
            # Re-sorted or reloaded meanwhile: every key moved; a plain pass over the new ones.
            self.set_filter(predicate, text)
            return True
        shown = under_way.kept
        if under_way.changed:
            # Jobs that changed during the pass: their keys and matches are taken afresh.
            changed, entries = under_way.changed, self.store.entries
            shown = [key for key in shown if key[2] not in changed]
            for job_id in changed:
                key, entry = self._key_of.get(job_id), entries.get(job_id)
                if key is not None and entry is not None and predicate(entry.job):
                    insort(shown, key)
        self.predicate, self.filter_text = predicate, text
        self._shown = shown
        self._changed(order=True)
        return True

    def _key(self, job_id: str, entry: JobEntry, now: datetime) -> SortKey:
        # `job_id` is the store's key: the job's id, or a row key when several accounts
        # share the view (equal ids in two accounts stay two rows).
        job = entry.job
        return (sort_value(entry, self.sort_key, now), job.created or _NEVER, job_id)

    def _rebuild(self) -> None:
        now = self.store.now()
        key_of = {job_id: self._key(job_id, e, now) for job_id, e in self.store.entries.items()}
        self._key_of = key_of
        self._keys = sorted(key_of.values())
        self._refilter()

    def _refilter(self) -> None:
        predicate, keep = self.predicate, self.key_filter
        if predicate is None and keep is None:
            self._shown = self._keys
            return
        base = self._keys if predicate is None else self._filter_index.select(self._keys, predicate)
        self._shown = base if keep is None else [key for key in base if keep(key[2])]

    def _on_store_change(self, job_ids: set[str], transitions: list[Transition]) -> None:
        if len(job_ids) > BULK_AT and len(job_ids) * 8 > len(self._key_of):
            # A load (or a reload): one sort beats thousands of insertions into a long list.
            self._rebuild()
            self._transitions.extend(transitions)
            self._changed(order=True)
            return
        order = False
        now = self.store.now()
        entries = self.store.entries
        filtered = self._shown is not self._keys
        for job_id in job_ids:
            entry = entries.get(job_id)
            if entry is None:
                continue
            old = self._key_of.get(job_id)
            new = self._key(job_id, entry, now)
            was_shown = old is not None and (not filtered or _contains(self._shown, old))
            shown = self._matches(job_id, entry.job)
            if old == new and was_shown == shown:
                continue
            order = True
            if old != new:
                if old is not None:
                    _remove(self._keys, old)
                insort(self._keys, new)
                self._key_of[job_id] = new
            if filtered:
                if was_shown and old is not None:
                    _remove(self._shown, old)
                if shown:
                    insort(self._shown, new)
        self._transitions.extend(transitions)
        self._changed(order=order)

    def _changed(self, *, order: bool) -> None:
        self.version += 1
        if order:
            self.order_version += 1
        for listener in list(self._listeners):
            listener()


def _contains(keys: list[SortKey], key: SortKey) -> bool:
    index = bisect_left(keys, key)
    return index < len(keys) and keys[index] == key


def _remove(keys: list[SortKey], key: SortKey) -> None:
    index = bisect_left(keys, key)
    if index < len(keys) and keys[index] == key:
        del keys[index]
