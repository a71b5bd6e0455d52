"""The monitor's v3 view (issue 13, item 6), driven with Textual's Pilot on the frozen v3 demo
(ARM and MK.IO shapes): Transform and Outputs columns, the job name in the Id column, progress
moving, a Finished job with a failed output flagged in the table and the detail, the detail's
outputs / job fields / ARM headers, the `transform:` filter, cancel, and faults."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from amstui.ams.model import Job, JobState
from amstui.monitor import labels
from amstui.ui.app import AmstuiApp
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.demo_rig import Rig, frozen_rig
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.job_filter import FilterError, parse_filter
from amstui.ui.jobs_table import COLUMNS, columns_for
from tests.conftest import open_detail


def plain(widget: Any) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def cell(app: AmstuiApp, job_id: str, column: str) -> str:
    return app.table.cell_text(job_id, column)


def screen_text(app: AmstuiApp) -> str:
    """Every line of the table as drawn on screen."""
    table = app.table
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


def first(app: AmstuiApp, test: Any) -> str:
    return next(i for i, e in app.store.entries.items() if test(e.job))


@pytest.mark.parametrize("api", ["v3", "mkio"])
async def test_a_v3_account_shows_transforms_outputs_and_moving_progress(api: str) -> None:
    rig = frozen_rig(jobs=80, api=api)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        keys = app.table.column_keys
        assert "transform" in keys and "outputs" in keys and "tasks" not in keys
        drawn = screen_text(app)
        assert "Transform" in drawn and "Outputs" in drawn and "Tasks" not in drawn
        job_id = first(app, lambda j: j.state == JobState.PROCESSING and j.outputs)
        job = app.store.entries[job_id].job
        transform, name = job_id.split("/", 1)
        assert job.transform == transform and cell(app, job_id, "transform") == transform
        # No Id column (the name and the transform are the id) and so room for the ETA.
        assert "id" not in keys and "eta" in keys
        assert cell(app, job_id, "name") == name
        assert name[:10] in drawn
        outputs = job.outputs or ()
        done = sum(1 for o in outputs if o.state == JobState.FINISHED)
        assert cell(app, job_id, "outputs") == f"{done}/{len(outputs)}"
        before = job.progress
        assert before is not None
        before_cell = cell(app, job_id, "progress")
        await rig.cycle(pilot, advance=20)
        after = app.store.entries[job_id].job
        assert after.progress is not None
        assert after.progress > before or after.state != JobState.PROCESSING
        assert cell(app, job_id, "progress") != before_cell


async def test_a_v2_account_keeps_its_columns() -> None:
    rig = frozen_rig(jobs=20)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        assert app.table.column_keys == tuple(c.key for c in columns_for(120))
        assert "transform" not in app.table.column_keys and "tasks" in app.table.column_keys
    # The v2 set is exactly the table's historic one; v3 only swaps and adds.
    assert [c.key for c in columns_for(120, api="v2")] == [
        c.key for c in COLUMNS if c.min_terminal <= 120 < c.max_terminal
    ]
    assert "transform" not in [c.key for c in columns_for(80, api="v3")]
    assert "id" not in [c.key for c in columns_for(80, api="v3")]
    assert "name" in [c.key for c in columns_for(80, api="v3")]


async def test_a_finished_job_with_a_failed_output_is_flagged_in_table_and_detail() -> None:
    rig = frozen_rig(jobs=400, api="v3")
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        job_id = first(app, lambda j: j.finished_with_failed_output)
        job = app.store.entries[job_id].job
        failed = len(job.failed_outputs)
        state = cell(app, job_id, "state")
        assert state.startswith(labels.FAILED_OUTPUT_GLYPH) and "Finished" in state
        assert f"✖{failed}" in cell(app, job_id, "outputs")
        # A Finished job whose outputs all finished is not flagged.
        clean = first(app, lambda j: j.state == JobState.FINISHED and not j.failed_outputs)
        assert cell(app, clean, "state").startswith(labels.STATE_GLYPHS[JobState.FINISHED])
        assert "✖" not in cell(app, clean, "outputs")
        screen = await open_detail(app, pilot, job_id)
        word = labels.job_state_word(job)
        assert "output" in word and "failed" in word
        assert word in screen.section_text("title")
        assert word in screen.section_text("timing")
        outputs = screen.section_text("tasks")
        error = job.failed_outputs[0].error
        assert error is not None
        assert error.code in outputs and "Category" in outputs and "Retry" in outputs
        assert error.category in outputs


def _detail_job(job: Job) -> bool:
    return bool(job.state == JobState.PROCESSING and job.outputs and job.inputs and job.created_by)


async def test_the_detail_of_a_v3_job_shows_outputs_job_fields_and_arm_headers() -> None:
    rig = frozen_rig(jobs=120, api="v3")
    app = rig.app
    # Service text is data: markup-like values are shown verbatim.
    for sim_job in rig.emulator.sim.job_list():
        sim_job.correlation = {"tenant": "[b]acme[/b]", "order": "42"}
        sim_job.description = "nightly [red]batch[/red]"
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        job_id = first(app, _detail_job)
        job = app.store.entries[job_id].job
        screen = await open_detail(app, pilot, job_id)
        assert "job" in screen.section_names()
        fields = screen.section_text("job")
        assert job.transform and job.transform in fields
        assert job.inputs[0][:40] in fields
        assert "tenant = [b]acme[/b]" in fields and "order = 42" in fields
        assert "nightly [red]batch[/red]" in fields
        assert job.created_by and job.created_by in fields
        outputs = screen.section_text("tasks")
        assert "Outputs" in screen.section_text("tasks-title")
        for output in job.outputs or ():
            assert output.label in outputs and f"{output.progress}%" in outputs
        assert "Started" in outputs and "Ended" in outputs
        raw = screen.section_text("raw")
        assert "x-ms-correlation-request-id" in raw and "Reads remaining" in raw
        exchange = app.store.exchanges(job_id)[-1]
        assert (exchange.header("x-ms-request-id") or "?") in raw
        reads = exchange.header("x-ms-ratelimit-remaining-subscription-reads")
        assert reads and reads in raw
        assert '"properties"' in raw  # the ARM JSON itself
        await pilot.press("escape")
        await pilot.pause()
        # A v2 job's detail keeps its Tasks and no v3 section.
    rig2 = frozen_rig(jobs=20)
    async with rig2.app.run_test(size=(120, 40)) as pilot:
        await rig2.cycle(pilot)
        v2_id = first(rig2.app, lambda j: bool(j.tasks))
        assert rig2.app.table.jump_to(v2_id)
        await pilot.press("enter")
        await pilot.pause()
        await rig2.app.workers.wait_for_complete()
        await pilot.pause()
        screen = rig2.app.screen
        assert isinstance(screen, DetailScreen)
        assert "job" not in screen.section_names()
        assert "Tasks" in screen.section_text("tasks-title")
        assert "Reads remaining" not in screen.section_text("raw")


async def test_the_transform_filter() -> None:
    rig = frozen_rig(jobs=120, api="v3")
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        transforms = {e.job.transform for e in app.store.entries.values()}
        assert len(transforms) > 1
        target = sorted(t for t in transforms if t)[0]
        await pilot.press("slash")
        await pilot.press(*f"transform:{target.upper()}")
        await pilot.press("enter")
        await pilot.pause()
        expected = sum(
            1
            for e in app.store.entries.values()
            if target.lower() in (e.job.transform or "").lower()
        )
        assert 0 < app.table.row_count == expected < len(app.store.entries)
        for row in range(app.table.row_count):
            job_id = app.table.job_id_at(row) or ""
            assert (app.store.entries[job_id].job.transform or "").lower() == target.lower()


def test_transform_filter_terms() -> None:
    v3 = Job("Encode/a", "a", JobState.QUEUED, None, transform="ContentAwareEncoding")
    v2 = Job("nb:jid:UUID:1", "transform-me", JobState.QUEUED, None)
    match = parse_filter("transform:aware")
    assert match is not None and match(v3) and not match(v2)
    # A pass over many jobs (in slices) tests the transform on the job, not on the haystack.
    assert match.haystack_test is None and match.job_test is not None
    assert match.job_test(v3) and not match.job_test(v2)
    negated = parse_filter("!TRANSFORM:aware")
    assert negated is not None and not negated(v3) and negated(v2)
    empty = parse_filter("transform:")
    assert empty is not None and empty(v3) and not empty(v2)
    with pytest.raises(FilterError):
        parse_filter("transfrm:x state:nope")


async def test_cancel_works_on_a_v3_account() -> None:
    rig = frozen_rig(jobs=40, api="v3")
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        target = first(app, lambda j: j.state == JobState.PROCESSING)
        assert app.table.jump_to(target)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCancel)
        await pilot.press("y")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.store.entries[target].job.state in (JobState.CANCELING, JobState.CANCELED)
        await rig.cycle(pilot, advance=60)
        assert app.store.entries[target].job.state == JobState.CANCELED
        assert "Canceled" in cell(app, target, "state")


@pytest.mark.parametrize("api", ["v3", "mkio"])
async def test_faults_leave_v3_rows_stale_then_recovered(api: str) -> None:
    rig: Rig = frozen_rig(jobs=40, api=api)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        rows = app.table.row_count
        active = app.store.active_ids()
        assert active
        rig.emulator.faults.apply_spec("503=50,503-retry-after=30")
        await rig.cycle(pilot, advance=5)
        assert app.is_running and app.table.row_count == rows
        assert "throttled" in app.engine.status.reason
        assert all(app.store.entries[i].stale_since is not None for i in active)
        assert "⚠" in cell(app, active[0], "duration")
        rig.emulator.faults.clear()
        app.engine.status.backoff_until = None  # the fake monotonic clock does not move
        await rig.cycle(pilot, advance=5)
        assert app.engine.status.state == "live"
        assert all(app.store.entries[i].stale_since is None for i in app.store.active_ids())
        assert app.table.row_count >= rows  # no job lost (new ones may have arrived)
