"""`amstui --demo --api v3|mkio` (issue 13 item 8): the monitor on an in-process v3 emulator,
driven with Textual's Pilot: rows appear, progress moves without per-job requests, a job
finishing with a failed output is in the store as such, cancel works. (The v3 columns and the
detail pane: `test_v3_ui.py`.)"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from amstui.ams.model import JobState
from amstui.ams.v3_client import AmsV3Client
from amstui.bootstrap.connect import Connection, connect_demo
from amstui.ui.app import AmstuiApp, AppOptions, make_app
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.demo_rig import FROZEN_START


def demo(api: str, jobs: int = 60) -> tuple[AmstuiApp, Connection]:
    connection = connect_demo(7, start=FROZEN_START, speed=0.0, jobs=jobs, api=api)
    options = AppOptions(
        account=connection.account,
        endpoint=connection.endpoint,
        interval=5.0,
        readonly=False,
        autostart=False,
        api=connection.api,
    )
    app = make_app(connection.client, options, now=connection.now, monotonic=lambda: 1000.0)
    return app, connection


async def settle(app: AmstuiApp, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("api", ["v3", "mkio"])
async def test_the_v3_demo_shows_jobs_and_progress_moves(api: str) -> None:
    app, connection = demo(api)
    assert isinstance(connection.client, AmsV3Client) and connection.api == api
    emulator = connection.emulator
    assert emulator is not None and emulator.v3 is not None
    async with app.run_test(size=(120, 40)) as pilot:
        await app.run_cycle()
        await settle(app, pilot)
        assert app.table.row_count == 60
        processing = [i for i, e in app.store.entries.items() if e.job.state == JobState.PROCESSING]
        assert processing and all("/" in i for i in processing)
        job_id = processing[0]
        before = app.store.entries[job_id].job.progress
        assert before is not None
        emulator.stats.reset()
        emulator.advance(20)
        await app.run_cycle()
        await settle(app, pilot)
        after = app.store.entries[job_id].job
        assert after.progress is not None and (
            after.progress > before or after.state != JobState.PROCESSING
        )
        # Progress came with the listings: no request for a single job's record.
        per_job = [e for e in emulator.stats.log if "/jobs/" in e["path"]]
        assert len(per_job) <= 1 + sum(1 for e in app.store.entries.values() if e.job.is_final)
        assert "Processing" in app.table.cell_text(job_id, "state") or after.is_final


async def test_the_v3_demo_cancels_a_job() -> None:
    app, connection = demo("v3", jobs=40)
    assert connection.emulator is not None
    async with app.run_test(size=(120, 40)) as pilot:
        await app.run_cycle()
        await settle(app, pilot)
        target = next(i for i, e in app.store.entries.items() if e.job.state == JobState.PROCESSING)
        assert app.table.jump_to(target)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCancel)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.store.entries[target].job.state in (JobState.CANCELING, JobState.CANCELED)
        connection.emulator.advance(60)
        await app.run_cycle()
        await settle(app, pilot)
        assert app.store.entries[target].job.state == JobState.CANCELED


async def test_the_v3_demo_has_finished_jobs_with_a_failed_output() -> None:
    app, _ = demo("v3", jobs=400)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.run_cycle()
        await settle(app, pilot)
        flagged = [e.job for e in app.store.entries.values() if e.job.finished_with_failed_output]
        assert flagged and all(j.state == JobState.FINISHED for j in flagged)
        assert all(j.tasks and any(t.state == JobState.ERROR for t in j.tasks) for j in flagged)


def test_demo_api_on_the_command_line() -> None:
    """`--demo --api v3` reaches the v3 demo from the command line (headless, no terminal)."""
    proc = subprocess.run(
        [sys.executable, "-m", "amstui", "jobs", "--demo", "--api", "v3", "--limit", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()[1:]
    assert len(rows) == 3 and all("/" in row.split()[0] for row in rows)
    bad = subprocess.run(
        [sys.executable, "-m", "amstui", "--demo", "--api", "v4"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


async def test_a_job_finishing_with_a_failed_output_says_so_in_its_notice() -> None:
    """Issue 13: the failed output is flagged in the toast too (its state alone says Finished)."""
    from dataclasses import replace

    from textual.notifications import Notify

    app, _ = demo("v3", jobs=400)
    titles: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            titles.append(str(message.notification.title))

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await app.run_cycle()
        await settle(app, pilot)
        job = next(e.job for e in app.store.entries.values() if e.job.finished_with_failed_output)
        app.store.upsert(replace(job, state=JobState.PROCESSING, end_time=None))
        app.store.flush()
        await settle(app, pilot)
        titles.clear()
        app.store.upsert(job)
        app.store.flush()
        await settle(app, pilot)
        assert any("output" in t and "failed" in t for t in titles), titles
        assert not any(t.startswith("✔") for t in titles), titles
