"""The refresh engine and job store against the in-process emulator with a stepped clock."""

from __future__ import annotations

import math

import pytest

from amstui.ams.auth import BearerTokenAuth, NoCredential
from amstui.ams.client import AmsV2Client, RetryPolicy
from amstui.ams.model import JobState
from amstui.emulator.app import Emulator
from amstui.monitor.engine import DISCOVERY_OVERLAP, RefreshEngine
from amstui.monitor.store import JobStore
from tests.conftest import make_emulator


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def engine_for(emulator: Emulator, **kw: object) -> tuple[RefreshEngine, JobStore, FakeMonotonic]:
    async def no_sleep(seconds: float) -> None:
        return None

    client = AmsV2Client(
        "http://127.0.0.1/api/",
        auth=BearerTokenAuth(NoCredential(), "s"),
        transport=emulator.transport(),
        retry=RetryPolicy(max_attempts=2, max_retry_after=0.5),
        sleep=no_sleep,
    )
    store = JobStore(now=emulator.now)
    clock = FakeMonotonic()
    engine = RefreshEngine(client, store, now=emulator.now, monotonic=clock, **kw)  # type: ignore[arg-type]
    return engine, store, clock


async def test_cost_stays_within_the_minimum_over_10_cycles() -> None:
    emulator = make_emulator(jobs=1000, active=100, concurrency=30, seed=21, task_seconds=60)
    engine, store, _ = engine_for(emulator, interval=5.0)
    await engine.cycle()  # initial load: the whole account
    assert len(store) == 1000
    previous_active = {v.id for v in emulator.sim.views(emulator.now()) if not v.state.is_final}
    engine.selected = next(iter(previous_active))
    totals = []
    for _ in range(10):
        emulator.advance(5)
        views = emulator.sim.views(emulator.now())
        active = {v.id for v in views if not v.state.is_final}
        newest = store.newest_created
        assert newest is not None
        listed = {v.id for v in views if v.id in active or v.created > newest - DISCOVERY_OVERLAP}
        processing = sum(1 for v in views if v.state == JobState.PROCESSING)
        newly_final = len(previous_active - active)
        emulator.stats.reset()
        report = await engine.cycle()
        requests = emulator.stats.total
        # A job that ended costs its final record and its final tasks (the Tasks column).
        bound = math.ceil(len(listed) / 1000) + processing + 2 * newly_final + 1
        assert requests <= bound, (requests, bound, report)
        assert requests == report.requests
        assert report.listed == len(listed) and report.processing == processing
        totals.append((requests, len(views)))
        previous_active = active
    # Far below the naive 2N (one job query and one tasks query per job per cycle).
    assert all(r < 2 * n / 5 for r, n in totals)
    assert any(e.job.tasks for e in store.entries.values())


async def test_jobs_finish_and_transitions_are_reported() -> None:
    emulator = make_emulator(jobs=20, active=20, concurrency=5, task_seconds=30)
    engine, store, _ = engine_for(emulator)
    seen: list[tuple[str, JobState]] = []
    store.subscribe(
        lambda ids, transitions: seen.extend((t.job.id, t.job.state) for t in transitions)
    )
    await engine.cycle()
    assert seen == []  # the initial load reports nothing
    for _ in range(60):
        emulator.advance(30)
        await engine.cycle()
    assert seen and all(state.is_final for _, state in seen)
    assert all(e.job.is_final for e in store.entries.values())
    # Final jobs are never polled again.
    emulator.stats.reset()
    report = await engine.cycle()
    assert emulator.stats.total == 1 and report.processing == 0 and report.finalized == 0


async def test_progress_and_eta() -> None:
    emulator = make_emulator(jobs=10, active=10, concurrency=10, task_seconds=600, error_rate=0)
    engine, store, _ = engine_for(emulator)
    await engine.cycle()
    emulator.advance(10)
    await engine.cycle()
    emulator.advance(10)
    await engine.cycle()
    running = [e for e in store.entries.values() if e.job.state == JobState.PROCESSING]
    assert running
    entry = running[0]
    assert entry.job.progress is not None and 0 < entry.job.progress < 100
    eta = entry.eta(emulator.now())
    assert eta is not None and eta.total_seconds() > 0


async def test_purged_job_is_marked_gone_not_dropped() -> None:
    emulator = make_emulator()
    engine, store, _ = engine_for(emulator)
    await engine.cycle()
    victim = next(i for i, e in store.entries.items() if e.job.state == JobState.PROCESSING)
    emulator.sim.remove(victim)
    await engine.cycle()
    entry = store.get(victim)
    assert entry is not None and entry.gone and entry.job.id == victim


async def test_throttling_backs_the_engine_off_and_marks_rows_stale() -> None:
    emulator = make_emulator()
    engine, store, clock = engine_for(emulator)
    await engine.cycle()
    emulator.faults.apply_spec("503=10,503-retry-after=20")
    await engine.cycle()
    assert engine.status.state == "degraded" and "throttled" in engine.status.reason
    assert 19 <= engine.backoff_remaining() <= 20
    active = store.active_ids()
    assert active and all(store.entries[i].stale_since is not None for i in active)
    emulator.faults.clear()
    emulator.stats.reset()
    skipped = await engine.cycle()
    assert skipped.skipped.startswith("backing off") and emulator.stats.total == 0
    clock.t += 21
    emulator.advance(5)
    await engine.cycle()
    assert engine.status.state == "live"
    assert all(store.entries[i].stale_since is None for i in store.active_ids())


@pytest.mark.parametrize(("spec", "state"), [("500=10", "degraded"), ("malformed=1", "degraded")])
async def test_faults_keep_last_values(spec: str, state: str) -> None:
    emulator = make_emulator()
    engine, store, _ = engine_for(emulator)
    await engine.cycle()
    before = {i: e.job for i, e in store.entries.items()}
    emulator.faults.apply_spec(spec)
    await engine.cycle()
    assert engine.status.state == state
    assert {i: e.job for i, e in store.entries.items()} == before
    emulator.faults.clear()
    await engine.cycle()
    assert engine.status.state == "live"


async def test_budget_serves_the_selected_and_visible_first() -> None:
    emulator = make_emulator(jobs=100, active=40, concurrency=20)
    engine, store, _ = engine_for(emulator, interval=1.0, requests_per_second=4)
    engine._limiter.rate = 0  # pacing is the limiter's job; here only the plan is tested
    await engine.cycle()
    processing = [i for i, e in store.entries.items() if e.job.state == JobState.PROCESSING]
    engine.selected = processing[-1]
    engine.visible = frozenset(processing[-3:-1])
    emulator.advance(5)
    emulator.stats.reset()
    report = await engine.cycle()
    assert report.deferred > 0 and emulator.stats.total == 4
    per_job = [e["path"] for e in emulator.stats.log if "Jobs('" in e["path"]]
    # Budget 4 = discovery 1 + 3: the selected job's tasks and record, then one visible row.
    assert len(per_job) == 3
    sel = engine.selected.split(":")[-1]
    assert sum(sel in p for p in per_job) == 2
    assert any(v.split(":")[-1] in per_job[2] for v in engine.visible)


async def test_cancel_then_refresh() -> None:
    emulator = make_emulator()
    engine, store, _ = engine_for(emulator)
    await engine.cycle()
    target = next(i for i, e in store.entries.items() if e.job.state == JobState.PROCESSING)
    await engine.cancel(target)
    assert store.entries[target].job.state == JobState.CANCELING
    emulator.advance(5)
    await engine.cycle()
    assert store.entries[target].job.state == JobState.CANCELED


async def test_first_load_publishes_the_newest_page_before_the_rest() -> None:
    from amstui.monitor.engine import FIRST_PAGE

    emulator = make_emulator(jobs=1500, active=20, seed=3)
    engine, store, _ = engine_for(emulator, interval=5.0)
    flushes: list[int] = []
    store.subscribe(lambda ids, transitions: flushes.append(len(store)))
    await engine.cycle()
    assert len(store) == 1500
    assert flushes[0] == FIRST_PAGE  # on screen while the other 1,300 are listed
    newest = sorted(
        (v for v in emulator.sim.views(emulator.now())), key=lambda v: v.created, reverse=True
    )
    assert {v.id for v in newest[:FIRST_PAGE]} <= set(list(store.entries)[:FIRST_PAGE])


def test_a_running_duration_never_goes_past_the_final_one() -> None:
    """Issue 10: a job that ends between two refreshes must not show a longer running time
    than its final one (the demo showed `89% 1m15s` then `Finished 59s`)."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from amstui.ams.model import Job

    clock = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    store = JobStore(now=lambda: clock[0])
    start = clock[0] - timedelta(seconds=50)
    running = Job(id="j", name="n", state=JobState.PROCESSING, created=start, start_time=start)
    store.upsert(running)
    entry = store.entries["j"]
    assert entry.elapsed(clock[0]) == timedelta(seconds=50)
    # The job ends 5 s later; the next refresh comes 30 s after that.
    clock[0] += timedelta(seconds=35)
    shown_before = entry.elapsed(clock[0])
    assert shown_before == timedelta(seconds=50)  # as last seen, not counted past it
    store.upsert(replace(running, state=JobState.FINISHED, end_time=start + timedelta(seconds=55)))
    final = store.entries["j"].elapsed(clock[0])
    assert final == timedelta(seconds=55) and final >= shown_before


def test_only_a_job_seen_processing_keeps_progress_samples() -> None:
    """Samples for the ETA are made when a job is first seen processing with a progress and
    dropped when it stops: a final job holds none (an empty deque each cost ~60 MB over
    100,000 jobs, nearly all of them final)."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from amstui.ams.model import Job, Task

    clock = [datetime(2026, 3, 2, 9, 30, tzinfo=UTC)]
    store = JobStore(lambda: clock[0])
    final = Job(id="nb:jid:UUID:1", name="done", state=JobState.FINISHED, created=clock[0])
    store.upsert(final)
    assert store.entries[final.id].samples is None
    running = Job(id="nb:jid:UUID:2", name="run", state=JobState.PROCESSING, created=clock[0])
    store.upsert(running)
    entry = store.entries[running.id]
    assert entry.samples is None and entry.eta(clock[0]) is None  # no progress known yet
    for step, progress in enumerate((10.0, 20.0, 30.0)):
        clock[0] += timedelta(seconds=10 * (step > 0))
        task = Task(id="t", name="t", state=JobState.PROCESSING, progress=progress)
        store.upsert(replace(running, tasks=(task,)))
    assert entry.samples is not None and len(entry.samples) == 3
    assert entry.eta(clock[0]) == timedelta(seconds=70)  # 10 % per 10 s, 70 % to go
    store.upsert(replace(running, state=JobState.FINISHED))
    assert entry.samples is None and entry.eta(clock[0]) is None
