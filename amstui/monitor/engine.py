"""The refresh engine: what to fetch each cycle, in which order, within which budget.

One cycle (see the cost model in DESIGN.md):
1. discovery: one list query (paged by 1,000) for every job that is not final plus every job
   created since the newest one seen; the first cycle lists the whole scope;
2. per-job refreshes where the list is not enough:
   - the tasks of each Processing job (progress lives only on tasks; AMS v2 has no $expand),
   - the final record of each job that was active and left the discovery result (it finished,
     failed, was canceled, or vanished: 404 marks it gone),
   - the selected job's own record (its raw response feeds the detail pane);
   final jobs are never polled again;
3. per-job refreshes go through the host's runner (the TUI: a Textual worker per job, exclusive
   in its group, so the latest refresh of a job wins; headless: plain asyncio), at most
   `max_in_flight` at once and, with a request budget, selected job first, then visible rows;
4. 429/503 that outlast the client's retries back the whole engine off (Retry-After honoured,
   but clamped to `MIN_BACKOFF`..`MAX_BACKOFF`); a manual refresh (`refresh_now`, the `r` key)
   ends a backoff at once;
5. any failure of a cycle, whatever its type, leaves the engine degraded (or offline, auth)
   with the rows it could not refresh marked stale: it never reads `live` while cycles fail.

So a cycle costs about ceil(L/1000) + P + T + 1 requests instead of the naive 2N.

On AMS v3 the backend declares (`ListingTraits`) that its listings carry every output's
progress, so step 2 has no per-job progress request; where it lists per transform (ARM),
`plan.TransformSchedule` says which transforms a cycle lists, and the interval stretches while
the service reports few reads left (`plan.ReadsGauge`): about transforms + T + 1 a cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from amstui.ams.backend import (
    Fetched,
    JobQuery,
    JobsBackend,
    TransformLister,
    listing_traits,
    reads_remaining,
)
from amstui.ams.errors import (
    AmsError,
    AuthenticationError,
    NotFoundError,
    ProtocolError,
    ThrottledError,
    TransportError,
)
from amstui.ams.model import ACTIVE_STATES, Job, JobState
from amstui.monitor.plan import ReadsGauge, TransformSchedule
from amstui.monitor.store import JobStore

log = logging.getLogger("amstui.monitor")

#: Runs one per-job refresh: (group key "job_id:kind", the work) -> done.
Runner = Callable[[str, Callable[[], Coroutine[Any, Any, None]]], Awaitable[None]]
#: Jobs created this long before the newest one seen are still asked for (clock skew between
#: the service's writers, and jobs committed out of order).
DISCOVERY_OVERLAP = timedelta(seconds=60)
#: Bounds of a backoff, whatever a server's Retry-After says.
MIN_BACKOFF = 1.0
MAX_BACKOFF = 300.0
#: Jobs listed (newest first) and shown before the rest of a first load.
FIRST_PAGE = 200
#: The rest of a first load is published as it arrives, each time the jobs not yet published
#: are at least this many and at least as many as the published ones: the status line counts
#: up while a publication's cost (about the store's size) stays at twice one in all.
PUBLISH_AT_LEAST = 1000


async def run_directly(key: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    await work()


@dataclass(slots=True)
class EngineStatus:
    state: str = "connecting"  # connecting | live | degraded | offline | auth
    reason: str = ""
    #: monotonic() of the last good cycle: "updated Ns ago" is real time, even in the demo.
    last_good_at: float | None = None
    backoff_until: float | None = None
    paused: bool = False
    cycles: int = 0


@dataclass(slots=True)
class CycleReport:
    listed: int = 0
    discovery_requests: int = 0
    processing: int = 0
    finalized: int = 0
    selected: int = 0
    requests: int = 0
    deferred: int = 0
    skipped: str = ""
    errors: list[str] = field(default_factory=list)


class RateLimiter:
    """A token bucket: at most `rate` request starts per second (0 = unlimited)."""

    def __init__(self, rate: float, monotonic: Callable[[], float]) -> None:
        self.rate = rate
        self._monotonic = monotonic
        self._tokens = max(rate, 1.0)
        self._stamp = monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:
            while True:
                now = self._monotonic()
                self._tokens = min(
                    max(self.rate, 1.0), self._tokens + (now - self._stamp) * self.rate
                )
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


class RefreshEngine:
    def __init__(
        self,
        backend: JobsBackend,
        store: JobStore,
        *,
        now: Callable[[], datetime],
        interval: float = 5.0,
        max_in_flight: int = 8,
        requests_per_second: float = 0.0,
        scope: JobQuery | None = None,
        runner: Runner = run_directly,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.store = store
        self.now = now
        self.interval = interval
        self.scope = scope or JobQuery()
        self.runner = runner
        self.monotonic = monotonic
        self.status = EngineStatus()
        self.selected: str | None = None
        self.visible: frozenset[str] = frozenset()
        self.max_in_flight = max_in_flight
        self.requests_per_second = requests_per_second
        self._semaphore = asyncio.Semaphore(max_in_flight)
        self._limiter = RateLimiter(requests_per_second, monotonic)
        self._loaded = False
        #: Jobs of the first listing already put into the store as their pages arrived.
        self._absorbed: dict[str, Any] = {}
        self._unpublished = 0
        self._throttle_streak = 0
        self._request_times: deque[float] = deque()
        #: What the backend's listings carry (v3: progress; ARM: listed per transform).
        self.traits = listing_traits(backend)
        self.schedule = TransformSchedule(fixed=self.traits.fixed_transforms)
        self.reads = ReadsGauge()

    # ------------------------------------------------------------------ accounting

    def _count(self, fetched: Fetched[Any] | None = None, n: int | None = None) -> int:
        count = n if n is not None else (fetched.requests if fetched else 0)
        stamp = self.monotonic()
        for _ in range(count):
            self._request_times.append(stamp)
        return count

    def requests_per_minute(self) -> int:
        horizon = self.monotonic() - 60
        while self._request_times and self._request_times[0] < horizon:
            self._request_times.popleft()
        return len(self._request_times)

    def since_last_good(self) -> float | None:
        if self.status.last_good_at is None:
            return None
        return max(0.0, self.monotonic() - self.status.last_good_at)

    def backoff_remaining(self) -> float:
        if self.status.backoff_until is None:
            return 0.0
        return max(0.0, self.status.backoff_until - self.monotonic())

    async def _call(self, make: Callable[[], Awaitable[Fetched[Any]]]) -> Fetched[Any]:
        await self._limiter.acquire()
        async with self._semaphore:
            try:
                fetched = await make()
            except AmsError:
                self._count(n=1)
                raise
        self._count(fetched)
        return fetched

    # ------------------------------------------------------------------ the cycle

    async def cycle(self) -> CycleReport:
        report = CycleReport()
        if self.status.paused:
            report.skipped = "paused"
            return report
        wait = self.backoff_remaining()
        if wait > 0:
            report.skipped = f"backing off {wait:.0f}s"
            return report
        # The jobs neither final nor gone, as the store keeps them (a pass over every entry
        # here held the event loop 20-40 ms each cycle at 100,000 jobs).
        before = set(self.store.active_ids())
        first_page = 0
        if not self._loaded and not self.scope.ids and self.scope.limit is None:
            first_page = await self._first_page()
        try:
            listed = await self._discover(report)
            report.discovery_requests += first_page
        except Exception as exc:  # any failure, typed or not, is a failed cycle
            self._fail(exc, report)
            self.store.mark_all_stale()
            self.store.flush()
            return report
        self.status.cycles += 1
        seen = {job.id for job in listed}
        absorbed, self._absorbed = self._absorbed, {}
        for job in listed:
            if absorbed.get(job.id) is not job:  # not put into the store as its page came
                self.store.upsert(job, watch=self._loaded)
        initial = not self._loaded
        self._loaded = True
        self.store.flush()

        plan: list[tuple[int, str, str]] = []  # (priority, job id, kind)
        for job in listed:
            if job.state == JobState.PROCESSING:
                report.processing += 1
                if not self.traits.carries_progress:
                    plan.append((self._priority(job.id), job.id, "tasks"))
        if not initial:
            for job_id in sorted(before - seen):
                plan.append((self._priority(job_id), job_id, "final"))
                report.finalized += 1
        selected = self.selected
        if selected is not None and selected in self.store.entries:
            entry = self.store.entries[selected]
            if not entry.gone and not (entry.job.is_final and entry.record_fetched):
                already = {k for _, j, k in plan if j == selected}
                if "final" not in already:
                    plan.append((0, selected, "record"))
                    report.selected = 1
        plan.sort()
        budget = self._cycle_budget(report.discovery_requests)
        if budget is not None and len(plan) > budget:
            deferred = plan[budget:]
            plan = plan[:budget]
            report.deferred = len(deferred)
            self.store.mark_stale(job_id for _, job_id, _ in deferred)
        await asyncio.gather(*(self._run(job_id, kind, report) for _, job_id, kind in plan))
        report.requests += report.discovery_requests
        self._settle(report)
        self._pace()
        self.store.flush()  # the cycle's endings are published together, here
        return report

    async def _first_page(self) -> int:
        """On a first load, the newest jobs first, published at once: a big account's table
        is on screen (and usable) while the rest of it is listed. Returns the requests made."""
        try:
            fetched = await self._call(
                lambda: self.backend.list_jobs(replace(self.scope, limit=FIRST_PAGE))
            )
        except AmsError:
            return 1  # the full listing that follows reports the failure
        for job in fetched.value:
            self.store.upsert(job, watch=False)
        self.store.flush()
        return fetched.requests

    def _priority(self, job_id: str) -> int:
        if job_id == self.selected:
            return 0
        return 1 if job_id in self.visible else 2

    def _cycle_budget(self, spent: int) -> int | None:
        if self.requests_per_second <= 0:
            return None
        return max(1, math.floor(self.requests_per_second * self.interval) - spent)

    @property
    def loaded(self) -> bool:
        """True once a first full listing is in (the table has every job the account had)."""
        return self._loaded

    async def _discover(self, report: CycleReport) -> list[Any]:
        scope = self.scope
        if self.traits.per_transform and not scope.ids:
            return await self._discover_per_transform(report)
        if scope.ids:
            # Watching given jobs (`amstui wait`): list exactly those, final or not; a job
            # missing from the answer is looked up once and marked gone on 404.
            query = scope
        elif not self._loaded or self.store.newest_created is None:
            query = scope
        else:
            query = JobQuery(
                states=ACTIVE_STATES,
                created_after=self.store.newest_created - DISCOVERY_OVERLAP,
                either=True,
                name_startswith=scope.name_startswith,
                newest_first=True,
            )
        if not self._loaded and not scope.ids:
            # A first load: pages go into the store as they arrive (published now and then).
            self._absorbed, self._unpublished = {}, 0
            fetched = await self._call(lambda: self.backend.list_jobs(query, self._absorb))
        else:
            fetched = await self._call(lambda: self.backend.list_jobs(query))
        report.discovery_requests = fetched.requests
        report.listed = len(fetched.value)
        return list(fetched.value)

    def _absorb(self, jobs: Sequence[Job]) -> None:
        """A page of a first load, into the store at once; published when the jobs not yet
        published are `PUBLISH_AT_LEAST` and as many as the published ones (doubling)."""
        before = len(self.store)
        self.store.upsert_many(jobs, watch=False)
        for job in jobs:
            self._absorbed[job.id] = job
        self._unpublished += len(self.store) - before
        published = len(self.store) - self._unpublished
        if self._unpublished >= max(PUBLISH_AT_LEAST, published):
            self._unpublished = 0
            self.store.flush(transitions=False)

    async def _discover_per_transform(self, report: CycleReport) -> list[Any]:
        """ARM-shaped v3: the transform list when due, then one listing per due transform."""
        schedule = self.schedule
        requests = 0
        if schedule.needs_transform_list():
            lister = cast(TransformLister, self.backend)
            transforms = await self._call(lister.list_transforms)
            schedule.set_transforms(transforms.value)
            requests += transforms.requests
        newest = self.store.newest_created
        initial = not self._loaded or newest is None
        entries = self.store.entries
        active = {entries[job_id].job.transform for job_id in self.store.active_ids()}
        due = schedule.due(active, everything=initial)
        moment = self.now()
        jobs: list[Any] = []
        if due:
            if initial or newest is None:
                query = replace(self.scope, transforms=due)
            else:
                query = JobQuery(
                    states=ACTIVE_STATES,
                    created_after=schedule.window_start(due, newest) - DISCOVERY_OVERLAP,
                    either=True,
                    name_startswith=self.scope.name_startswith,
                    newest_first=True,
                    transforms=due,
                )
            if initial:  # pages go into the store as they arrive, as in `_discover`
                self._absorbed, self._unpublished = {}, 0
                fetched = await self._call(lambda: self.backend.list_jobs(query, self._absorb))
            else:
                fetched = await self._call(lambda: self.backend.list_jobs(query))
            requests += fetched.requests
            jobs = list(fetched.value)
        schedule.listed_at(due, moment)
        schedule.next_cycle()
        report.discovery_requests = requests
        report.listed = len(jobs)
        return jobs

    def current_interval(self) -> float:
        """The refresh interval, stretched while the service reports few reads left."""
        return self.reads.interval(self.interval)

    def _pace(self) -> None:
        self.reads.observe(reads_remaining(self.backend))
        words = self.reads.status(self.interval)
        if words and self.status.state in ("live", "degraded"):
            self.status.reason = f"{self.status.reason}; {words}" if self.status.reason else words

    async def _run(self, job_id: str, kind: str, report: CycleReport) -> None:
        async def work() -> None:
            await self._refresh(job_id, kind, report)

        # One runner group per job and kind: a newer refresh of the same data replaces an
        # older one, while a job's tasks and its record can be fetched side by side.
        await self.runner(f"{job_id}:{kind}", work)

    async def _refresh(self, job_id: str, kind: str, report: CycleReport) -> None:
        if self.backoff_remaining() > 0:
            self.store.mark_stale([job_id])
            return
        try:
            if kind == "tasks":
                fetched_tasks = await self._call(lambda: self.backend.get_tasks(job_id))
                report.requests += len(fetched_tasks.exchanges)
                entry = self.store.get(job_id)
                if entry is not None:
                    self.store.upsert(entry.job.with_tasks(fetched_tasks.value))
                    self._keep_exchanges(job_id, tasks=fetched_tasks.exchanges)
            else:
                fetched_job = await self._call(lambda: self.backend.get_job(job_id))
                report.requests += len(fetched_job.exchanges)
                final = fetched_job.value
                entry = self.store.get(job_id)
                known_tasks = entry is not None and entry.job.task_count is not None
                if kind == "final" and final.task_count is None and known_tasks:
                    # The record carries no tasks (v2): the counts last seen are those of a
                    # running job. The final tasks come with the final record.
                    fetched_tasks = await self._call(lambda: self.backend.get_tasks(job_id))
                    report.requests += len(fetched_tasks.exchanges)
                    final = final.with_tasks(fetched_tasks.value)
                    self._keep_exchanges(job_id, tasks=fetched_tasks.exchanges)
                self.store.upsert(final, record=True)
                self._keep_exchanges(job_id, record=fetched_job.exchanges)
        except NotFoundError:
            report.requests += 1
            self.store.mark_gone(job_id)
        except AmsError as exc:
            report.errors.append(f"{job_id[-12:]}: {exc}")
            self.store.mark_stale([job_id])
            if isinstance(exc, ThrottledError):
                self._back_off(exc)
        except Exception as exc:  # not the AMS layer's own error: still only this job's failure
            log.exception("refreshing %s failed", job_id)
            report.errors.append(f"{job_id[-12:]}: internal error ({type(exc).__name__})")
            self.store.mark_stale([job_id])
        finally:
            self.store.flush(transitions=False)

    def _keep_exchanges(
        self, job_id: str, *, record: tuple[Any, ...] = (), tasks: tuple[Any, ...] = ()
    ) -> None:
        """The detail pane shows the job's own record and its tasks: keep the last of each."""
        old = self.store.exchanges(job_id)
        old_record = next((e for e in old if "/Tasks" not in e.url), None)
        old_tasks = next((e for e in old if "/Tasks" in e.url), None)
        new_record = record[-1] if record else old_record
        new_tasks = tasks[-1] if tasks else old_tasks
        self.store.record_exchanges(job_id, tuple(e for e in (new_record, new_tasks) if e))

    # ------------------------------------------------------------------ outcomes

    def _fail(self, exc: Exception, report: CycleReport) -> None:
        if not isinstance(exc, AmsError):
            log.exception("discovery failed")
            reason = f"internal error ({type(exc).__name__}); see the log file"
            report.errors.append(reason)
            self.status.state, self.status.reason = "degraded", reason
            return
        report.errors.append(str(exc))
        log.warning("discovery failed: %s", exc)
        if isinstance(exc, ThrottledError):
            self._back_off(exc)
        elif isinstance(exc, AuthenticationError):
            self.status.state, self.status.reason = "auth", exc.message
        elif isinstance(exc, TransportError):
            self.status.state, self.status.reason = "offline", exc.message
        elif isinstance(exc, ProtocolError):
            self.status.state, self.status.reason = "degraded", f"malformed response: {exc.message}"
        else:
            self.status.state, self.status.reason = "degraded", exc.message

    def _back_off(self, exc: ThrottledError) -> None:
        self._throttle_streak += 1
        delay = exc.retry_after
        if delay is None or not math.isfinite(delay):
            delay = min(120.0, self.interval * 2 ** min(self._throttle_streak, 5))
        delay = min(MAX_BACKOFF, max(MIN_BACKOFF, delay))
        self.status.backoff_until = self.monotonic() + delay
        code = exc.status or "throttled"
        self.status.state = "degraded"
        self.status.reason = f"throttled (HTTP {code}), backing off {delay:.0f}s"

    def _settle(self, report: CycleReport) -> None:
        if self.backoff_remaining() > 0:
            return
        self._throttle_streak = 0
        self.status.backoff_until = None
        self.status.last_good_at = self.monotonic()
        if report.errors:
            self.status.state = "degraded"
            self.status.reason = f"{len(report.errors)} job refresh(es) failed: {report.errors[0]}"
        else:
            self.status.state, self.status.reason = "live", ""

    # ------------------------------------------------------------------ on demand

    async def refresh_job(self, job_id: str, *, with_tasks: bool = True) -> None:
        """The job's own record (and tasks): for the detail pane, after a cancel, on `r`."""
        report = CycleReport()
        with_tasks = with_tasks and not self.traits.carries_progress  # v3: the record has them
        kinds = ["record", "tasks"] if with_tasks else ["record"]
        await asyncio.gather(*(self._run(job_id, kind, report) for kind in kinds))
        self.store.flush()

    async def cancel(self, job_id: str) -> None:
        """Cancel a job (raises the backend's errors), then refresh it."""
        fetched = await self._call(lambda: self.backend.cancel_job(job_id))
        del fetched
        await self.refresh_job(job_id, with_tasks=False)

    def refresh_now(self) -> None:
        """A manual refresh (the `r` key): end any backoff, so the next cycle runs at once."""
        self.status.backoff_until = None

    def set_paused(self, paused: bool) -> None:
        self.status.paused = paused

    async def run(self, wake: asyncio.Event) -> None:
        """Cycle forever: every `interval` seconds (from the start of one cycle to the start
        of the next, so a change is seen within an interval and one discovery query, however
        long the per-job refreshes took), or at once when `wake` is set."""
        while True:
            started = self.monotonic()
            try:
                await self.cycle()
            except Exception:  # keep the loop alive; the host logs it
                log.exception("refresh cycle failed")
            spent = max(0.0, self.monotonic() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    wake.wait(), timeout=max(0.0, self.current_interval() - spent)
                )
            wake.clear()
