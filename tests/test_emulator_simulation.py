"""The simulated account: determinism, lifecycle, aggregation, cancel, purge, the virtual clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amstui.ams.model import JobState
from amstui.emulator.clock import VirtualClock
from amstui.emulator.serialize import format_date
from tests.conftest import START, make_emulator


def test_same_seed_same_jobs() -> None:
    a, b = make_emulator(seed=5), make_emulator(seed=5)
    assert [(j.id, j.name, j.created) for j in a.sim.jobs.values()] == [
        (j.id, j.name, j.created) for j in b.sim.jobs.values()
    ]
    a.advance(300)
    b.advance(300)
    assert a.sim.views(a.now()) == b.sim.views(b.now())
    c = make_emulator(seed=6)
    assert [j.id for j in c.sim.jobs.values()] != [j.id for j in a.sim.jobs.values()]


def test_knobs_shape_the_population() -> None:
    emu = make_emulator(jobs=300, active=40, concurrency=10)
    states = [v.state for v in emu.sim.views(emu.now())]
    assert len(states) == 300
    assert sum(1 for s in states if not s.is_final) == 40
    assert sum(1 for s in states if s == JobState.PROCESSING) == 10
    names = [v.name for v in emu.sim.views(emu.now())]
    assert any(n.startswith("Encoding") and "into" in n for n in names)
    assert all(1 <= len(j.tasks) <= 3 for j in emu.sim.jobs.values())


def test_lifecycle_runs_to_the_end_with_a_stepped_clock() -> None:
    emu = make_emulator(jobs=30, active=30, concurrency=3, error_rate=0.3)
    seen: dict[str, list[JobState]] = {}
    for _ in range(400):
        for view in emu.sim.views(emu.now()):
            history = seen.setdefault(view.id, [])
            if not history or history[-1] != view.state:
                history.append(view.state)
        emu.advance(30)
    order = {JobState.QUEUED: 0, JobState.SCHEDULED: 1, JobState.PROCESSING: 2}
    for history in seen.values():
        assert history[-1].is_final
        states = [order.get(s, 3) for s in history]
        assert states == sorted(states), history  # never goes backwards
    finals = {h[-1] for h in seen.values()}
    assert JobState.FINISHED in finals and JobState.ERROR in finals
    assert any(JobState.SCHEDULED in h for h in seen.values())


def test_job_fields_over_a_lifetime() -> None:
    emu = make_emulator(jobs=20, active=20, concurrency=2, error_rate=0.0)
    queued = next(
        v for v in emu.sim.views(emu.now()) if v.state in (JobState.QUEUED, JobState.SCHEDULED)
    )
    assert queued.start_time is None and queued.end_time is None and queued.running_duration_ms == 0
    progress: list[float] = []
    for _ in range(2000):
        view = emu.sim.find(queued.id, emu.now())
        assert view is not None
        assert view.last_modified == view.created  # never moves, as in the capture
        if view.state == JobState.PROCESSING:
            assert view.start_time is not None and view.running_duration_ms == 0.0
            progress.append(sum(t.progress for t in view.tasks) / len(view.tasks))
        if view.state.is_final:
            break
        emu.advance(20)
    assert view.state == JobState.FINISHED
    assert view.end_time is not None and view.start_time is not None
    expected_ms = (view.end_time - view.start_time).total_seconds() * 1000
    assert view.running_duration_ms == pytest.approx(expected_ms, abs=1)
    assert progress == sorted(progress) and len(progress) > 2
    task = view.tasks[0]
    assert task.progress == 100.0 and task.state == JobState.FINISHED
    codes = [code for code, _, _ in task.events]
    assert codes[0] == "WaitingForFreeResources" and "Processing" in codes and "Finished" in codes


def test_errors_carry_documented_codes_and_make_the_job_error() -> None:
    emu = make_emulator(jobs=40, active=40, concurrency=8, error_rate=1.0)
    emu.advance(86400)
    views = emu.sim.views(emu.now())
    for v in views:
        failed_task = next(t for t in v.tasks if t.state == JobState.ERROR)
        # A failed output of a transform output with onError: ContinueJob leaves the job
        # Finished; any other failure makes it Error.
        expected = JobState.FINISHED if failed_task.sim.continue_on_error else JobState.ERROR
        assert v.state == expected, (v.name, [t.state for t in v.tasks])
    assert {v.state for v in views} == {JobState.ERROR, JobState.FINISHED}
    failed = [t for v in views for t in v.tasks if t.state == JobState.ERROR]
    assert failed and all(t.error_details for t in failed)
    documented = {
        "ErrorDownloadingInputAssetMalformedContent",
        "ErrorDownloadingInputAssetServiceFailure",
        "ErrorParsingConfiguration",
        "ErrorExecutingTaskMalformedContent",
        "ErrorExecutingTaskUnsupportedFormat",
        "ErrorProcessingTask",
        "ErrorUploadingOutputAsset",
        "TransientError",
    }
    assert {t.error_details[0][0] for t in failed} <= documented


def test_cancel_goes_through_canceling() -> None:
    emu = make_emulator()
    job = next(v for v in emu.sim.views(emu.now()) if v.state == JobState.PROCESSING)
    assert emu.sim.cancel(job.id, emu.now()) == JobState.PROCESSING
    assert emu.sim.find(job.id, emu.now()).state == JobState.CANCELING  # type: ignore[union-attr]
    emu.advance(3)
    done = emu.sim.find(job.id, emu.now())
    assert done is not None and done.state == JobState.CANCELED and done.end_time is not None
    emu.advance(3600)
    assert emu.sim.find(job.id, emu.now()).state == JobState.CANCELED  # type: ignore[union-attr]


def test_arrivals_and_purge() -> None:
    emu = make_emulator(jobs=50, active=5, arrival_rate=6.0, purge_days=20, history_days=30)
    before = set(emu.sim.jobs)
    # History spans 30 days but retention is 20: the first advance purges the old part.
    emu.advance(600)
    after = set(emu.sim.jobs)
    assert after - before, "jobs arrive as the clock moves"
    cutoff = emu.now() - timedelta(days=20)
    assert all(j.created >= cutoff for j in emu.sim.jobs.values())
    assert before - after, "jobs older than retention are purged"


def test_virtual_clock() -> None:
    ticks = [0.0]
    clock = VirtualClock(START, speed=10, monotonic=lambda: ticks[0])
    ticks[0] = 2.0
    assert clock.now() == START + timedelta(seconds=20)
    clock.advance(5)
    assert clock.now() == START + timedelta(seconds=25)
    clock.set_speed(0)
    ticks[0] = 100.0
    assert clock.now() == START + timedelta(seconds=25)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_date_formats() -> None:
    moment = START.replace(microsecond=580000)
    assert format_date(moment, "naive") == "2026-03-02T09:30:00.58"
    assert format_date(START, "naive") == "2026-03-02T09:30:00"
    assert format_date(moment, "iso") == "2026-03-02T09:30:00.5800000Z"
    assert format_date(START, "msdate") == f"/Date({int(START.timestamp() * 1000)})/"


def test_fast_uuid_text_matches_uuid4() -> None:
    import random
    import uuid

    from amstui.emulator.simulation import uuid4_text

    rng = random.Random(8)
    for _ in range(2000):
        bits = rng.getrandbits(128)
        assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))
