"""`JobView`: the store's jobs in display order, kept up to date incrementally.

Each sort key has its own order (`SortedRows` of row keys, by `(sort value, created, row
key)`), kept up to date as jobs change: a changed job moves by one removal and one insertion
(binary search), never by a full sort, and only in the orders whose sort value it changed.
Choosing another sort key is then a switch to an order that is already there. The order of the
sort key in use is always kept; the others are built once the store is quiet (`build_orders`,
a slice at a time, called by the UI when idle) and dropped when a load changes thousands of
jobs at once (they are built again afterwards). A sort key whose order is not built yet is
built when chosen.

The sort values come from a snapshot of each job taken when the store reported it changed
(`Snap`): an order never depends on anything that moves without the store saying so (a
running job's duration as last observed, its ETA from the progress samples).

The filter is a mask over the current order: the set of matching rows and an order of their
own (the current order when there is no filter). Row `i` of the display is a position in that
order (from the end when the order is reversed), and the row of a job is found by binary
search: O(log n).

The view follows the store through its listener and tells its own subscribers that something
changed (they read what they need: `version`, row versions, `take_transitions`). Nothing here
knows of Textual.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime
from itertools import islice
from operator import itemgetter
from typing import Any

from amstui.ams.model import Job, JobState
from amstui.monitor.filter_index import SLICE, FilterIndex, FilterPass
from amstui.monitor.sorted_rows import KeyFunc, SortedRows
from amstui.monitor.store import JobEntry, JobStore, Transition

SORT_KEYS = ("created", "state", "name", "progress", "duration", "priority", "eta", "id")
#: Keys sorted largest first when first chosen.
DESCENDING_FIRST = ("created", "progress", "duration", "priority")
#: Changes at once from which the order is rebuilt rather than updated one job at a time
#: (and the orders of the other sort keys are dropped, to be built again when quiet).
BULK_AT = 2000
#: Rows a slice of `build_orders` takes (a millisecond or two at 100,000 jobs).
BUILD_SLICE = 2_000
#: Rows per bucket when an order is built in slices (one bucket is sorted in one go).
BUCKET_ROWS = 1_000
#: A slice moving rows of an order not in use takes this many times fewer rows (a move is a
#: removal and an insertion, ~20 times a sort value).
DRAIN_PER_BUILD = 20
#: Rows of an order not in use waiting to move from which it is dropped (built again later).
MAX_PENDING = 20_000
#: Sets of accounts kept shown (`_prefixed`) beyond those taken ahead (`keep_prefixed`).
MAX_PREFIXED_OTHERS = 4
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


#: What a job's sort values are read from, as of the store's last word on it: the job, its
#: gone flag, its running time in seconds (-1.0 if not started) taken at the change for a job
#: without an end time (None: read from the job, whose end time fixes it), and the seconds
#: left (inf if unknown), and its progress when it has tasks (the mean over them, kept: binary
#: searches read it a dozen times a change; None: the job's own, cheap, progress). A plain
#: tuple: 100,000 of them are made on a load.
Snap = tuple[Job, bool, float | None, float, float | None]


def _snap(entry: JobEntry, now: datetime) -> Snap:
    job = entry.job
    duration = None
    if job.end_time is None:
        elapsed = entry.elapsed(now)
        duration = elapsed.total_seconds() if elapsed is not None else -1.0
    eta = entry.eta(now) if job.state == JobState.PROCESSING else None
    progress = _progress_of(job) if job.task_count and job.state != JobState.FINISHED else None
    return (job, entry.gone, duration, eta.total_seconds() if eta is not None else _INF, progress)


_INF = float("inf")


def _state_value(s: Snap) -> int:
    # The State column's order (`STATE_ORDER`, then the state), gone last, as one int.
    return 900 if s[1] else STATE_ORDER.get(s[0].state, 7) * 100 + int(s[0].state)


def _duration_value(s: Snap) -> float:
    if s[2] is not None:
        return s[2]
    elapsed = s[0].elapsed()
    return elapsed.total_seconds() if elapsed is not None else -1.0


def _progress_of(job: Job) -> float:
    progress = job.progress
    return progress if progress is not None and progress == progress else -1.0


def _progress_value(s: Snap) -> float:
    return s[4] if s[4] is not None else _progress_of(s[0])


def _stamp(moment: datetime | None) -> float:
    return (moment or _NEVER).timestamp()


#: Each sort key's value, read from a snapshot.
SNAP_VALUES: dict[str, Callable[[Snap], Any]] = {
    "created": lambda s: s[0].created or _NEVER,
    "state": _state_value,
    "name": lambda s: s[0].name.lower(),
    "progress": _progress_value,
    "duration": _duration_value,
    "priority": lambda s: s[0].priority,
    "eta": lambda s: s[3],
    "id": lambda s: s[0].id,
}


def _stable_sort(rows: list[str], values: list[Any]) -> list[str]:
    """`rows` ordered by `values` (one per row), ties kept in their order."""
    if len(rows) < 2:
        return list(rows)
    ranks = sorted(range(len(rows)), key=values.__getitem__)
    return list(itemgetter(*ranks)(rows))


def _between(rows: SortedRows, reverse: bool, start: int, stop: int) -> list[str]:
    """Rows `start` to `stop` (excluded) of `rows` as shown (from the end when `reverse`)."""
    size = len(rows)
    start, stop = max(start, 0), min(stop, size)
    if start >= stop:
        return []
    if reverse:
        chunk = rows.between(size - stop, size - start)
        chunk.reverse()
        return chunk
    return rows.between(start, stop)


class RowPrefixes:
    """A filter on row keys that keeps the keys starting with one of `starts` (the rows of
    some accounts): the view tests it inline, one C call a row, not a Python call."""

    __slots__ = ("starts",)

    def __init__(self, starts: tuple[str, ...]) -> None:
        self.starts = starts

    def __call__(self, key: str) -> bool:
        return key.startswith(self.starts)


def _keeps_place(sort_key: str, old: Snap | None, new: Snap, created_moved: bool) -> bool:
    """A changed job sits where it was in the order of `sort_key` (its sort value and its
    creation, the tie-break, are the same)."""
    if old is None or created_moved:
        return False
    value = SNAP_VALUES[sort_key]
    return bool(value(old) == value(new))


def _note_move(
    placed_by: dict[Any, dict[str, Any]], key: Any, rows: SortedRows, job_id: str, old: Snap | None
) -> None:
    """Note a row of an order not in use to move later, under the key it sits under now
    (None: not there yet); the first note of a row holds until it moves."""
    placed = placed_by.setdefault(key, {})
    if job_id not in placed:
        placed[job_id] = rows.key(job_id) if old is not None else None


def _kept(rows: Iterable[str], keep: Callable[[str], bool]) -> set[str]:
    """The row keys `keep` keeps (a `RowPrefixes` tested inline, one C call a row)."""
    if isinstance(keep, RowPrefixes):
        starts = keep.starts
        return {row for row in rows if row.startswith(starts)}
    return {row for row in rows if keep(row)}


class _Build:
    """An order being built a slice at a time, so that no slice blocks the UI for long: the
    rows by creation when it started; their sort values, taken a slice at a time; the rows put
    in buckets by value (bounds from a sample of the values: a bucket for each bound's value,
    whose rows need no sort, and one for the values between two bounds, about `BUCKET_ROWS`
    rows each however many rows share a value); then the buckets emptied into the order one
    after another, each sorted (stable: it holds its rows in creation order); and the rows that
    changed meanwhile (placed afresh at the end). No step sorts all the rows at once (100,000
    rows take 30-60 ms in one go)."""

    __slots__ = (
        "base",
        "bounds",
        "buckets",
        "changed",
        "emitted",
        "ordered",
        "placed",
        "sort_key",
        "values",
    )

    def __init__(self, sort_key: str, base: list[str]) -> None:
        self.sort_key = sort_key
        self.base = base
        self.values: list[Any] = []
        self.bounds: list[Any] | None = None
        #: Buckets still to empty, the next one last (bucket 2k: values between bounds k-1
        #: and k; bucket 2k+1: values equal to bound k).
        self.buckets: list[list[int]] = []
        self.placed = 0
        #: Rows of the next bucket already in `ordered` (a big bucket takes several slices).
        self.emitted = 0
        self.ordered: list[str] = []
        self.changed: set[str] = set()

    def step(self, value: Callable[[str], Any], rows: int) -> bool:
        """One slice of about `rows` rows of work; True once the order is complete."""
        base, values = self.base, self.values
        done = len(values)
        if done < len(base):
            values += [value(row) for row in base[done : done + rows]]
            return False
        if self.bounds is None:
            self.bounds = _bucket_bounds(values, max(1, len(values) // BUCKET_ROWS))
            self.buckets = [[] for _ in range(2 * len(self.bounds) + 1)]
            return False
        placed = self.placed
        if placed < len(base):
            bounds, buckets, last = self.bounds, self.buckets, len(self.buckets) - 1
            size = len(bounds)
            stop = min(placed + rows, len(base))
            for index in range(placed, stop):
                v = values[index]
                at = bisect_left(bounds, v)
                equal = at < size and bounds[at] == v
                buckets[last - 2 * at - equal].append(index)
            self.placed = stop
            return False
        ordered, buckets, taken = self.ordered, self.buckets, 0
        while buckets and taken < rows:
            bucket = buckets[-1]
            start = self.emitted
            if start == 0 and len(buckets) % 2 == 1 and len(bucket) > 1:
                # A range between two bounds (an odd count left: buckets alternate range,
                # bound, ..., range): sorted when its turn comes. A bound's needs no sort.
                bucket.sort(key=values.__getitem__)
                taken += len(bucket)
            stop = min(len(bucket), start + max(rows - taken, 1))
            ordered += [base[index] for index in bucket[start:stop]]
            taken += stop - start + 1
            if stop < len(bucket):
                self.emitted = stop
            else:
                buckets.pop()
                self.emitted = 0
        return not buckets


class _PrefixBuild:
    """Some accounts' rows taken out of the order in use a slice at a time: the order's rows
    when the pass began, how far it is, the rows kept, and the rows that changed meanwhile
    (placed afresh at the end)."""

    __slots__ = ("at", "changed", "kept", "rows", "sort_key", "starts")

    def __init__(self, sort_key: str, starts: tuple[str, ...], rows: list[str]) -> None:
        self.sort_key, self.starts, self.rows = sort_key, starts, rows
        self.at = 0
        self.kept: list[str] = []
        self.changed: set[str] = set()


def _bucket_bounds(values: list[Any], buckets: int) -> list[Any]:
    """Distinct values splitting `values` into about `buckets` ranges of similar size, taken
    from a sample (a value that many rows share is a bound: its rows get a bucket of their
    own)."""
    sample = sorted(values[:: max(1, len(values) // (buckets * 16))])
    every = max(1, len(sample) // buckets)
    return sorted(set(sample[every - 1 :: every]))


class JobView:
    """Sorted and filtered order of a store's jobs (see the module docstring)."""

    __slots__ = (
        "_building",
        "_filter_generation",
        "_filter_index",
        "_keyfns",
        "_listeners",
        "_matched",
        "_order",
        "_orders",
        "_pending",
        "_prefix_build",
        "_prefixed",
        "_prefixed_pending",
        "_shown",
        "_snaps",
        "_transitions",
        "filter_text",
        "keep_prefixed",
        "key_filter",
        "last_batch",
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
        #: Jobs in the latest change the store reported (a load arrives in big batches).
        self.last_batch = 0
        self._snaps: dict[str, Snap] = {}
        self._keyfns: dict[str, KeyFunc] = {key: self._keyfn(key) for key in SORT_KEYS}
        #: The orders built, by sort key; `_order` is the one in use.
        self._orders: dict[str, SortedRows] = {}
        self._order = SortedRows(self._keyfns[sort_key])
        #: Orders not in use are moved lazily: per sort key, the rows whose place changed and
        #: the key each still sits under (None: not there yet); moved when the order is chosen
        #: or, a slice at a time, by `build_orders` when idle.
        self._pending: dict[str, dict[str, Any]] = {}
        #: The filter: matching rows and their order (None: no filter, the order in use).
        self._matched: set[str] | None = None
        self._shown: SortedRows | None = None
        #: The rows of some accounts (a `RowPrefixes` filter alone) in the order of a sort
        #: key, and their set, kept when another filter is chosen (the `a` key cycles through
        #: the accounts: a pass over every row each time, ~20 ms at 90,000); the changes since
        #: they were shown wait in `_prefixed_pending` (as `_pending` for the orders).
        self._prefixed: dict[tuple[str, tuple[str, ...]], tuple[SortedRows, set[str]]] = {}
        self._prefixed_pending: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
        #: The account filters whose rows `build_orders` takes ahead, in the order in use
        #: (several accounts: each account's), and the one being taken.
        self.keep_prefixed: tuple[tuple[str, ...], ...] = ()
        self._prefix_build: _PrefixBuild | None = None
        #: An order being built in slices (`build_orders`).
        self._building: _Build | None = None
        self._transitions: list[Transition] = []
        self._listeners: list[Callable[[], None]] = []
        self._filter_index = FilterIndex(store)
        self._filter_generation = 0
        self._reload()
        store.subscribe(self._on_store_change)

    def _keyfn(self, sort_key: str) -> KeyFunc:
        snaps, value = self._snaps, SNAP_VALUES[sort_key]

        def key(row: str) -> SortKey:
            s = snaps[row]
            return (value(s), s[0].created or _NEVER, row)

        return key

    # ------------------------------------------------------------------ reading

    @property
    def _rows(self) -> SortedRows:
        return self._order if self._shown is None else self._shown

    def __len__(self) -> int:
        return len(self._rows)

    def job_id_at(self, row: int) -> str | None:
        rows = self._rows
        size = len(rows)
        if not 0 <= row < size:
            return None
        return rows[size - 1 - row if self.reverse else row]

    def ids_between(self, start: int, stop: int) -> list[str]:
        """Job ids of rows `start` to `stop` (excluded), clamped to the view."""
        return _between(self._rows, self.reverse, start, stop)

    # A switch of sort key, seen before it is made (the table draws its rows ahead). Only
    # without a filter: a filtered order is made at the switch.

    def reverse_for(self, sort_key: str) -> bool:
        """The direction `set_sort(sort_key)` takes: the other one for the key in use, else
        largest first for the keys in `DESCENDING_FIRST`."""
        return not self.reverse if sort_key == self.sort_key else sort_key in DESCENDING_FIRST

    def _order_to_peek(self, sort_key: str) -> SortedRows | None:
        return None if self._matched is not None else self._orders.get(sort_key)

    def row_in(self, sort_key: str, reverse: bool, job_id: str | None) -> int | None:
        """The row `job_id` would be on after `set_sort(sort_key, reverse)` (None when that
        order is not built yet, a filter is on, or the job is unknown)."""
        order = self._order_to_peek(sort_key)
        if order is None or job_id is None or job_id not in self._snaps:
            return None
        placed = self._pending.get(sort_key)
        # A row waiting to move in that order sits under its old key meanwhile.
        key = placed[job_id] if placed and job_id in placed else order.key(job_id)
        index = order.index_of(job_id, key) if key is not None else None
        if index is None:
            return None
        return len(order) - 1 - index if reverse else index

    def ids_in(self, sort_key: str, reverse: bool, start: int, stop: int) -> list[str]:
        """`ids_between` after `set_sort(sort_key, reverse)`; [] as `row_in` gives None."""
        order = self._order_to_peek(sort_key)
        return [] if order is None else _between(order, reverse, start, stop)

    def row_of(self, job_id: str) -> int | None:
        """The row showing `job_id` (None if filtered out or unknown): a binary search."""
        if job_id not in self._snaps or (self._matched is not None and job_id not in self._matched):
            return None
        rows = self._rows
        index = rows.index_of(job_id, rows.key(job_id))
        if index is None:
            return None
        return len(rows) - 1 - index if self.reverse else index

    def matches(self, job: Job) -> bool:
        return self.predicate is None or self.predicate(job)

    def _matches(self, job_id: str, job: Job) -> bool:
        key_filter = self.key_filter
        return (key_filter is None or key_filter(job_id)) and self.matches(job)

    @property
    def orders_built(self) -> tuple[str, ...]:
        """The sort keys whose order is kept (tests and benchmarks read it)."""
        return tuple(self._orders)

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
            reverse = self.reverse_for(key)
        if key == self.sort_key:
            if reverse != self.reverse:
                self.reverse = reverse
                self._changed(order=True)
            return
        self.sort_key, self.reverse = key, reverse
        self._forget_prefixed([k for k in self._prefixed if k[0] != key])  # one sort key's
        self._drain(key)
        order = self._orders.get(key)
        if order is None:
            order = self._orders[key] = self._order_from(key, self._created_rows())
            if self._building is not None and self._building.sort_key == key:
                self._building = None
        self._order = order
        self._refilter()
        self._changed(order=True)

    @property
    def orders_pending(self) -> bool:
        """Orders of some sort keys are not built yet, or not moved up to date
        (`build_orders` has work)."""
        return (
            len(self._orders) < len(SORT_KEYS)
            or bool(self._pending)
            or bool(self._prefixed_pending)
            or self._prefix_build is not None
            or any((self.sort_key, starts) not in self._prefixed for starts in self.keep_prefixed)
        )

    def _drain(self, sort_key: str, limit: int | None = None) -> None:
        """Move (up to `limit`) rows of an order not in use to their current places."""
        placed = self._pending.get(sort_key)
        if placed is None:
            return
        order = self._orders.get(sort_key)
        if order is not None:
            moving = list(placed) if limit is None else list(islice(placed, limit))
            order.move(moving, placed, self._snaps.__contains__)
        if order is None or not placed:
            del self._pending[sort_key]

    def build_orders(self, rows: int = BUILD_SLICE) -> bool:
        """Build a slice (about `rows` rows) of the next order not kept yet; True while more
        is left to build. The UI calls it when idle, so that a change of sort key is a switch.
        """
        if self._pending:
            # Orders not in use first catch up with the jobs that changed (a slice at a time).
            self._drain(next(iter(self._pending)), max(1, rows // DRAIN_PER_BUILD))
            return self.orders_pending
        if self._prefixed_pending:
            # So do the accounts' rows kept (`a` then moves a few rows, not thousands).
            self._drain_prefixed(
                next(iter(self._prefixed_pending)), max(1, rows // DRAIN_PER_BUILD)
            )
            return self.orders_pending
        build = self._building
        if build is None:
            missing = [key for key in SORT_KEYS if key not in self._orders]
            if not missing:
                self._build_prefixed(rows)
                return self.orders_pending
            if "created" in missing:
                # The base of the others (rows by creation, the tie-break of every order).
                build = _Build("created", list(self._snaps))
            else:
                build = _Build(missing[0], self._orders["created"].to_list())
            self._building = build
        snaps = self._snaps
        if build.sort_key == "created":

            def value(row: str) -> Any:
                return (_stamp(snaps[row][0].created), row)

        else:
            snap_value = SNAP_VALUES[build.sort_key]

            def value(row: str) -> Any:
                return snap_value(snaps[row])

        if not build.step(value, rows):
            return True
        self._building = None
        self._orders[build.sort_key] = self._settled(build.sort_key, build.ordered, build.changed)
        return self.orders_pending

    def _settled(
        self,
        sort_key: str,
        ordered: list[str],
        changed: set[str],
        keep: Callable[[str], bool] | None = None,
    ) -> SortedRows:
        """An order built over several slices, with the jobs that changed meanwhile placed
        afresh (those still there, and kept by `keep`)."""
        if changed:
            ordered = [row for row in ordered if row not in changed]
        order = SortedRows(self._keyfns[sort_key], ordered, presorted=True)
        snaps = self._snaps
        for row in changed:
            if row in snaps and (keep is None or keep(row)):
                order.add(row)
        return order

    def _created_rows(self) -> list[str]:
        """Rows by (created, row key): the "created" order, or a fresh sort."""
        built = self._orders.get("created")
        if built is not None:
            self._drain("created")
            return built.to_list()
        snaps = self._snaps
        rows = sorted(snaps)
        rows.sort(key=lambda row: _stamp(snaps[row][0].created))
        return rows

    def _order_from(self, sort_key: str, by_created: list[str]) -> SortedRows:
        """The order of `sort_key`, from the rows by creation: a stable sort on the sort value
        alone keeps (created, row key) as the tie-break, and sorts plain floats, ints or
        strings (much faster than tuples)."""
        rows = by_created
        if sort_key != "created":
            value, snaps = SNAP_VALUES[sort_key], self._snaps
            rows = _stable_sort(by_created, [value(snaps[row]) for row in by_created])
        return SortedRows(self._keyfns[sort_key], rows, presorted=True)

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
        if predicate is None and isinstance(key_filter, RowPrefixes):
            self._shown, self._matched = self._prefixed_rows(key_filter.starts)
        else:
            self._matched = self._match_all() if filtered else None
            self._refilter()
        self._changed(order=True)

    def drop_pending_filter(self) -> None:
        """A filter being applied in slices stops at its next slice and changes nothing."""
        self._filter_generation += 1

    def set_filter_in_slices(
        self,
        predicate: Predicate | None,
        text: str = "",
        slice_size: int = SLICE,
        key_filter: Callable[[str], bool] | None = None,
    ) -> Coroutine[Any, Any, bool]:
        """`set_filter`, with the pass over the jobs made in slices that yield to the event loop
        (keys pressed meanwhile are handled); await the result. The view changes once, when the
        pass completes; False (and no change) when a newer filter, or `drop_pending_filter`,
        came after this call first. Few jobs, or no filter: at once when awaited."""
        self.drop_pending_filter()
        return self._filter_in_slices(
            predicate, text, slice_size, self._filter_generation, key_filter
        )

    async def _filter_in_slices(
        self,
        predicate: Predicate | None,
        text: str,
        slice_size: int,
        generation: int,
        key_filter: Callable[[str], bool] | None,
    ) -> bool:
        if self._filter_generation != generation:
            return False
        if predicate is None or len(self._snaps) <= slice_size:
            self.set_filter(predicate, text, key_filter)
            return True
        # A tuple, not a list: it lives through many turns of the loop, and the collector,
        # which walks a young container's items, leaves a tuple of strings alone once it
        # has seen it (a list of 100,000 ids is walked again by each middle collection,
        # 10-20 ms a time at 100,000 jobs).
        under_way = FilterPass(self._filter_index, tuple(self._snaps), predicate, slice_size)
        under_way.start()
        try:
            while not under_way.step():
                await asyncio.sleep(0)
                if self._filter_generation != generation:
                    return False
        finally:
            under_way.stop()
        matched = set(under_way.kept)
        if under_way.changed:
            # Jobs that changed during the pass: their matches are taken afresh.
            entries = self.store.entries
            for job_id in under_way.changed:
                entry = entries.get(job_id)
                if entry is not None and job_id in self._snaps and predicate(entry.job):
                    matched.add(job_id)
                else:
                    matched.discard(job_id)
        if key_filter is not None:
            matched = _kept(matched, key_filter)
        self.predicate, self.filter_text, self.key_filter = predicate, text, key_filter
        self._matched = matched
        self._refilter()
        self._changed(order=True)
        return True

    def _match_all(self) -> set[str]:
        rows: Iterable[str] = self._snaps
        if self.predicate is not None:
            rows = self._filter_index.select(list(self._snaps), self.predicate)
        keep = self.key_filter
        return set(rows) if keep is None else _kept(rows, keep)

    def _refilter(self) -> None:
        """The shown order from the matching rows (a pass over the order in use)."""
        matched = self._matched
        if matched is None:
            self._shown = None
            return
        if self.predicate is None and isinstance(self.key_filter, RowPrefixes):
            self._shown, self._matched = self._prefixed_rows(self.key_filter.starts)
            return
        self._shown = SortedRows(self._order.key, self._order.select(matched), presorted=True)

    def _prefixed_rows(self, starts: tuple[str, ...]) -> tuple[SortedRows, set[str]]:
        """The rows of some accounts in the order in use, and their set: kept from the last
        time they were shown (brought up to date with the changes since), or one pass over
        the order in use, which gives them in order (a pass over the jobs, then another
        over the order, took three times as long)."""
        cache_key = (self.sort_key, starts)
        found = self._prefixed.get(cache_key)
        if found is None:
            shown = self._order.select_prefixed(starts)
            found = SortedRows(self._order.key, shown, presorted=True), set(shown)
            # Kept: the accounts taken ahead, and the last few other sets of accounts shown
            # (each holds up to every row).
            others = [k for k in self._prefixed if k[1] not in self.keep_prefixed]
            self._forget_prefixed(others[: -(MAX_PREFIXED_OTHERS - 1) or None])
            self._prefixed[cache_key] = found
            return found
        self._drain_prefixed(cache_key)
        return found

    def _forget_prefixed(self, cache_keys: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        """Let kept account rows go (taken again when wanted)."""
        for cache_key in cache_keys:
            del self._prefixed[cache_key]
            self._prefixed_pending.pop(cache_key, None)

    def _drain_prefixed(
        self, cache_key: tuple[str, tuple[str, ...]], limit: int | None = None
    ) -> None:
        """Move (up to `limit`) kept account rows that changed to their places."""
        placed = self._prefixed_pending.get(cache_key)
        found = self._prefixed.get(cache_key)
        if placed is None or found is None:
            self._prefixed_pending.pop(cache_key, None)
            return
        rows, matched = found
        snaps = self._snaps
        moving = list(placed) if limit is None else list(islice(placed, limit))
        for row in moving:
            if row in snaps:
                matched.add(row)
            else:
                matched.discard(row)
        rows.move(moving, placed, snaps.__contains__)
        if not placed:
            del self._prefixed_pending[cache_key]

    def _build_prefixed(self, rows: int) -> None:
        """A slice of the rows of the next account filter in `keep_prefixed` not kept yet for
        the order in use (the `a` key then finds them ready)."""
        build = self._prefix_build
        if build is not None and build.sort_key != self.sort_key:
            build = self._prefix_build = None  # another order since: taken again
        if build is None:
            sort_key = self.sort_key
            wanted = [s for s in self.keep_prefixed if (sort_key, s) not in self._prefixed]
            if wanted:
                self._prefix_build = _PrefixBuild(sort_key, wanted[0], self._order.to_list())
            return
        starts = build.starts
        build.kept += [
            row for row in build.rows[build.at : build.at + rows] if row.startswith(starts)
        ]
        build.at += rows
        if build.at < len(build.rows):
            return
        self._prefix_build = None
        order = self._settled(build.sort_key, build.kept, build.changed, RowPrefixes(starts))
        self._prefixed[(build.sort_key, starts)] = (order, set(order.to_list()))

    def _reload(self, changed: set[str] | None = None) -> None:
        """The orders afresh: the order in use sorted again (the others are built when
        quiet), from snapshots taken again of the `changed` jobs (None: of every job; the
        others' snapshots hold, as they do for any change)."""
        now, snaps, entries = self.store.now(), self._snaps, self.store.entries
        if changed is None:
            snaps.clear()
            for job_id, entry in entries.items():
                snaps[job_id] = _snap(entry, now)
        else:
            # A load's batches: only its new and changed jobs are read again (the batches
            # of a first load at 100,000 jobs took a snapshot of every job each time).
            for job_id in changed:
                found = entries.get(job_id)
                if found is None:
                    snaps.pop(job_id, None)
                else:
                    snaps[job_id] = _snap(found, now)
        self._building = None
        self._orders = {}
        self._pending = {}
        self._prefixed = {}
        self._prefixed_pending = {}
        self._prefix_build = None
        by_created = self._created_rows()
        for key in dict.fromkeys(("created", self.sort_key)):
            self._orders[key] = self._order_from(key, by_created)
        self._order = self._orders[self.sort_key]
        if self._matched is not None:
            self._matched = self._match_all()
        self._refilter()

    def _on_store_change(self, job_ids: set[str], transitions: list[Transition]) -> None:
        self.last_batch = len(job_ids)
        if (len(job_ids) > BULK_AT or not self._snaps) and len(job_ids) * 8 > len(self._snaps):
            # A load (or a reload), or the first jobs: one sort beats thousands of insertions.
            self._reload(job_ids)
            self._transitions.extend(transitions)
            self._changed(order=True)
            return
        order = False
        now = self.store.now()
        entries, snaps, orders = self.store.entries, self._snaps, self._orders
        matched, shown, current = self._matched, self._shown, self._order
        building, pending = self._building, self._pending
        prefixed, prefixed_pending = self._prefixed, self._prefixed_pending
        prefix_build = self._prefix_build
        for job_id in job_ids:
            entry = entries.get(job_id)
            if entry is None:
                continue
            old = snaps.get(job_id)
            new = _snap(entry, now)
            was_shown = old is not None and (matched is None or job_id in matched)
            is_shown = matched is None or self._matches(job_id, entry.job)
            if old == new and was_shown == is_shown:
                continue
            if building is not None:
                building.changed.add(job_id)
            if prefix_build is not None:
                prefix_build.changed.add(job_id)
            moved: list[tuple[SortedRows, Any]] = []
            before_here: Any = None
            after_here: Any = None
            created_moved = old is not None and old[0].created != new[0].created
            for cache_key, (kept_rows, _) in prefixed.items():
                if kept_rows is shown or not job_id.startswith(cache_key[1]):
                    continue  # shown: moved below, as the order in use
                if not _keeps_place(cache_key[0], old, new, created_moved):
                    _note_move(prefixed_pending, cache_key, kept_rows, job_id, old)
            for sort_key, rows in orders.items():
                if _keeps_place(sort_key, old, new, created_moved):
                    continue  # this order keeps the job where it is
                keyfn = rows.key
                if rows is not current:
                    # Not in use: noted, moved later (`_drain`), under the key it sits under.
                    _note_move(pending, sort_key, rows, job_id, old)
                    continue
                before = keyfn(job_id) if old is not None else None
                snaps[job_id] = new
                after = keyfn(job_id)
                if old is not None:
                    snaps[job_id] = old
                before_here, after_here = before, after
                if before != after:
                    if before is not None:
                        rows.remove(job_id, before)
                    moved.append((rows, after))
            moved_here = before_here != after_here
            if shown is not None and was_shown and (moved_here or not is_shown):
                shown.remove(job_id, before_here)
            snaps[job_id] = new
            for rows, key in moved:
                rows.add(job_id, key)
            if shown is not None and matched is not None:
                if is_shown:
                    matched.add(job_id)
                    if moved_here or not was_shown:
                        shown.add(job_id, after_here)
                else:
                    matched.discard(job_id)
                order = order or was_shown != is_shown or (is_shown and moved_here)
            else:
                order = order or moved_here
        for sort_key in [k for k, placed in pending.items() if len(placed) > MAX_PENDING]:
            # Too far behind: built again when quiet, cheaper than moving every row.
            del pending[sort_key], orders[sort_key]
        self._forget_prefixed([k for k, p in prefixed_pending.items() if len(p) > MAX_PENDING])
        self._transitions.extend(transitions)
        self._changed(order=order)

    def _changed(self, *, order: bool) -> None:
        self.version += 1
        if order:
            self.order_version += 1
        for listener in list(self._listeners):
            listener()
