"""The job store: what the monitor knows about each job, and what changed.

Keyed by job Id. A job is never dropped: one that vanishes from the server is marked gone, and
rows keep their last known values (flagged stale, with the time it started) when a refresh
fails. Raw exchanges are kept only for a bounded number of jobs (most recently fetched).
Listeners get the set of changed ids after each batch of changes (`flush`).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from amstui.ams.exchange import Exchange
from amstui.ams.model import Job, JobState
from amstui.monitor import timing

#: Jobs whose raw exchanges are kept (the detail pane of others refetches on open).
MAX_EXCHANGES = 200
#: Progress samples kept per job for the ETA estimate.
MAX_SAMPLES = 12


@dataclass(slots=True)
class JobEntry:
    job: Job
    stale_since: datetime | None = None
    gone: bool = False
    #: The job's own record was fetched (list entries lack nothing but tasks; this marks a
    #: GET Jobs('id') done, e.g. the final record).
    record_fetched: bool = False
    #: None until the job is seen processing with a progress (an empty deque costs ~600
    #: bytes: 60 MB over 100,000 jobs, nearly all of them final).
    samples: deque[tuple[datetime, float]] | None = None
    #: Moves whenever anything shown of the job changes (row caches are keyed by it).
    version: int = 0
    #: When the latest record of the job arrived (service time).
    observed_at: datetime | None = None

    def elapsed(self, now: datetime) -> timedelta | None:
        """The job's running time as last seen: a running job's time is counted up to its
        latest record, not past it, so that it never exceeds the final time the service
        reports when the job ends between two refreshes (a duration never goes backwards)."""
        job = self.job
        if job.end_time is None and self.observed_at is not None:
            now = min(now, self.observed_at)
        return job.elapsed(now)

    def eta(self, now: datetime) -> timedelta | None:
        """Remaining time from the observed progress rate; None until it can be estimated."""
        if self.job.state != JobState.PROCESSING or self.samples is None:
            return None
        return timing.eta(self.samples or ())

    def stale_for(self, now: datetime) -> timedelta | None:
        if self.stale_since is None:
            return None
        return max(now - self.stale_since, timedelta(0))


@dataclass(frozen=True, slots=True)
class Transition:
    """A job reached a final state (or vanished) while being watched."""

    job: Job
    previous: JobState
    gone: bool = False
    #: The account the job belongs to, when several accounts share one view.
    account: str | None = None


Listener = Callable[[set[str], list[Transition]], None]


class JobStore:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.entries: dict[str, JobEntry] = {}
        self._exchanges: OrderedDict[str, tuple[Exchange, ...]] = OrderedDict()
        self._pending: set[str] = set()
        self._transitions: list[Transition] = []
        self._listeners: list[Listener] = []
        #: The newest Created seen (drives the discovery query).
        self.newest_created: datetime | None = None
        #: Ids of jobs neither final nor gone, kept up to date (the status line counts them).
        self._active: set[str] = set()
        self._version = 0

    def now(self) -> datetime:
        return self._now()

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, job_id: str) -> JobEntry | None:
        return self.entries.get(job_id)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def active_ids(self) -> list[str]:
        return list(self._active)

    @property
    def active_count(self) -> int:
        return len(self._active)

    def _touch(self, job_id: str) -> None:
        """`job_id` changed: listeners hear of it at the next flush; its version moves."""
        entry = self.entries.get(job_id)
        if entry is not None:
            self._version += 1
            entry.version = self._version
        self._pending.add(job_id)

    def _track(self, entry: JobEntry) -> None:
        if entry.gone or entry.job.is_final:
            self._active.discard(entry.job.id)
        else:
            self._active.add(entry.job.id)

    # ------------------------------------------------------------------ changes

    def upsert(self, job: Job, *, record: bool = False, watch: bool = True) -> None:
        """A fresh copy of `job` (from a list or its own record)."""
        self._upsert(job, record, watch, self._now())

    def upsert_many(self, jobs: Iterable[Job], *, watch: bool = True) -> None:
        """Fresh copies of listed jobs, all observed at one moment (a page of a listing)."""
        now = self._now()
        for job in jobs:
            self._upsert(job, False, watch, now)

    def _upsert(self, job: Job, record: bool, watch: bool, now: datetime) -> None:
        entry = self.entries.get(job.id)
        if job.created is not None and (
            self.newest_created is None or job.created > self.newest_created
        ):
            self.newest_created = job.created
        if entry is None:
            entry = JobEntry(job=job, record_fetched=record, observed_at=now)
            self.entries[job.id] = entry
            self._track(entry)
            if job.state == JobState.PROCESSING:
                self._sample(entry, now)
            self._touch(job.id)
            return
        previous = entry.job
        merged = previous.merged(job)
        changed = merged != previous or entry.stale_since is not None or entry.gone
        entry.job = merged
        entry.observed_at = now
        entry.stale_since = None
        entry.gone = False
        entry.record_fetched = entry.record_fetched or record
        self._track(entry)
        self._sample(entry, now)
        if watch and merged.is_final and not previous.is_final:
            self._transitions.append(Transition(merged, previous.state))
        if changed:
            self._touch(job.id)

    def _sample(self, entry: JobEntry, now: datetime) -> None:
        progress = entry.job.progress
        if entry.job.state != JobState.PROCESSING or progress is None:
            entry.samples = None
            return
        samples = entry.samples
        if samples is None:
            samples = entry.samples = deque(maxlen=MAX_SAMPLES)
        elif samples and samples[-1][1] == progress:
            return
        samples.append((now, progress))

    def mark_gone(self, job_id: str) -> None:
        entry = self.entries.get(job_id)
        if entry is None or entry.gone:
            return
        entry.gone = True
        entry.stale_since = None
        self._track(entry)
        self._transitions.append(Transition(entry.job, entry.job.state, gone=True))
        self._touch(job_id)

    def mark_stale(self, job_ids: Iterable[str]) -> None:
        now = self._now()
        for job_id in job_ids:
            entry = self.entries.get(job_id)
            if entry is not None and entry.stale_since is None and not entry.gone:
                entry.stale_since = now
                self._touch(job_id)

    def mark_all_stale(self) -> None:
        self.mark_stale(self.active_ids())

    def record_exchanges(self, job_id: str, exchanges: tuple[Exchange, ...]) -> None:
        if not exchanges:
            return
        self._exchanges[job_id] = exchanges
        self._exchanges.move_to_end(job_id)
        while len(self._exchanges) > MAX_EXCHANGES:
            self._exchanges.popitem(last=False)
        self._touch(job_id)

    def exchanges(self, job_id: str) -> tuple[Exchange, ...]:
        return self._exchanges.get(job_id, ())

    def flush(self, transitions: bool = True) -> None:
        """Tell listeners what changed since the last flush.

        Transitions can be held back (`transitions=False`) until the end of a refresh cycle,
        so that a cycle's endings are reported together and in a stable order, whatever
        order the concurrent refreshes finished in.
        """
        ended = self._transitions if transitions else []
        if not self._pending and not ended:
            return
        changed, self._pending = self._pending, set()
        if transitions:
            self._transitions = []
            ended = sorted(ended, key=lambda t: (t.gone, int(t.job.state), t.job.name, t.job.id))
        for listener in self._listeners:
            listener(changed, ended)
