"""Cheap filter passes over many jobs.

Each job's name and id are lower-cased once into a *haystack*, `name.lower() + "\\n" +
id.lower()`, with `name_end` where the name stops. A filter term never holds a newline (filter
text is split on whitespace), so a substring found in a haystack lies wholly in the name or
wholly in the id: `needle in haystack` is "in the name or the id", `haystack.find(needle, 0,
name_end)` "in the name", `haystack.find(needle, name_end + 1)` "in the id". A pass over 100,000
jobs is then a run of plain substring tests, not millions of calls lower-casing the same names.

Haystacks are built when a filter first needs them and follow the store from then on: a job
the store reports changed (its version moved) gets its haystack rebuilt at once, so a pass never
reads a stale one and never has to check versions.

A filter that knows haystacks implements `HaystackPredicate` (`amstui.ui.job_filter` builds
them); any other predicate over jobs is simply called for each job. `FilterPass` runs a pass in
slices, so that a caller can yield to its event loop between them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from amstui.ams.model import Job
from amstui.monitor.store import JobStore, Transition

#: Between the name and the id in a haystack (never part of a filter term).
SEPARATOR = "\n"
#: Keys tested per slice of a `FilterPass` (a few milliseconds).
SLICE = 5_000

#: A filter's terms on names and ids, tested on a haystack and its name end.
HaystackTest = Callable[[str, int], bool]


@runtime_checkable
class HaystackPredicate(Protocol):
    """A filter split in two: `haystack_test` (its terms on names and ids; None if it has
    none) and `job_test` (the other terms, on the job; None if it has none). A job passes when
    it passes both. `needles`, when not None, says the filter is exactly "each of these
    substrings is in the name or the id"."""

    def __call__(self, job: Job) -> bool: ...

    @property
    def haystack_test(self) -> HaystackTest | None: ...

    @property
    def job_test(self) -> Callable[[Job], bool] | None: ...

    @property
    def needles(self) -> tuple[str, ...] | None: ...


def haystack_of(job: Job) -> tuple[str, int]:
    """The lower-cased `name \\n id` of a job and where its name ends."""
    name = job.name.lower()
    return f"{name}{SEPARATOR}{job.id.lower()}", len(name)


class FilterIndex:
    """The haystacks of a store's jobs (see the module docstring)."""

    __slots__ = ("_ends", "_haystacks", "_store", "built", "passes")

    def __init__(self, store: JobStore) -> None:
        self._store = store
        #: job id -> haystack, and job id -> name end; empty until a filter needs them.
        self._haystacks: dict[str, str] = {}
        self._ends: dict[str, int] = {}
        #: Haystacks built (tests read it).
        self.built = 0
        #: Passes under way: each hears of the jobs that change before it completes.
        self.passes: list[FilterPass] = []
        store.subscribe(self._on_store_change)

    def __len__(self) -> int:
        return len(self._haystacks)

    def _on_store_change(self, job_ids: set[str], transitions: list[Transition]) -> None:
        for under_way in self.passes:
            under_way.changed.update(job_ids)
        if not self._haystacks:
            return  # not in use: nothing to keep up to date
        entries = self._store.entries
        for job_id in job_ids:
            entry = entries.get(job_id)
            if entry is not None:
                self._build(job_id, entry.job)

    def _build(self, job_id: str, job: Job) -> str:
        haystack, name_end = haystack_of(job)
        self._haystacks[job_id] = haystack
        self._ends[job_id] = name_end
        self.built += 1
        return haystack

    def haystack(self, job_id: str) -> tuple[str, int] | None:
        """The haystack of a job of the store (None for an unknown id)."""
        haystack = self._haystacks.get(job_id)
        if haystack is None:
            entry = self._store.entries.get(job_id)
            if entry is None:
                return None
            haystack = self._build(job_id, entry.job)
        return haystack, self._ends[job_id]

    def select(
        self,
        keys: Sequence[str],
        predicate: Callable[[Job], bool],
        start: int = 0,
        stop: int | None = None,
    ) -> list[str]:
        """The row keys (the store's job ids) among `keys[start:stop]` whose job the predicate
        keeps, in their order. Keys of jobs unknown to the store are dropped."""
        stop = len(keys) if stop is None else min(stop, len(keys))
        chunk = keys[start:stop] if start or stop != len(keys) else keys
        entries = self._store.entries
        test = predicate.haystack_test if isinstance(predicate, HaystackPredicate) else None
        if test is None:
            return [k for k in chunk if (e := entries.get(k)) is not None and predicate(e.job)]
        haystacks = self._haystacks
        if len(haystacks) < len(entries):
            # The first pass builds them (slice by slice when it runs in slices).
            for key in chunk:
                if key not in haystacks and (entry := entries.get(key)) is not None:
                    self._build(key, entry.job)
        needles = predicate.needles if isinstance(predicate, HaystackPredicate) else None
        if needles is not None and len(needles) == 1:
            (needle,) = needles
            return [k for k in chunk if needle in haystacks.get(k, "")]
        if needles is not None:
            return [k for k in chunk if all(n in haystacks.get(k, "") for n in needles)]
        ends = self._ends
        kept = [k for k in chunk if test(haystacks.get(k, ""), ends.get(k, 0))]
        job_test = predicate.job_test if isinstance(predicate, HaystackPredicate) else None
        if job_test is None:
            return kept
        return [k for k in kept if (e := entries.get(k)) is not None and job_test(e.job)]


class FilterPass:
    """A filter applied to a snapshot of keys one slice at a time: `step` until it returns
    True, then read `kept`, and `changed`, the ids of the jobs the store reported changed
    meanwhile (their keys in `kept` may be out of date). Between `start` and `stop` the pass
    hears of changes."""

    __slots__ = ("_index", "_keys", "_next", "changed", "kept", "predicate", "slice")

    def __init__(
        self,
        index: FilterIndex,
        keys: Sequence[str],
        predicate: Callable[[Job], bool],
        slice_size: int = SLICE,
    ) -> None:
        self._index = index
        self._keys = keys
        self._next = 0
        self.predicate = predicate
        self.slice = max(1, slice_size)
        self.kept: list[str] = []
        self.changed: set[str] = set()

    def start(self) -> None:
        self._index.passes.append(self)

    def stop(self) -> None:
        if self in self._index.passes:
            self._index.passes.remove(self)

    @property
    def done(self) -> bool:
        return self._next >= len(self._keys)

    def step(self) -> bool:
        """Test the next slice; True once every key was tested."""
        start = self._next
        self._next = start + self.slice
        self.kept += self._index.select(self._keys, self.predicate, start, self._next)
        return self.done
