"""The four screenshot views (table, detail with raw JSON, help, cancel dialog), as coroutines
that bring a frozen demo app to that view (each takes the Pilot, as snap_compare's
run_before does). Shared by screenshots/generate.py and the SVG
snapshot tests, so that the README shows exactly what the tests check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from amstui.ams.model import JobState
from amstui.ui.app import AmstuiApp


async def _loaded(app: AmstuiApp, pilot: Any) -> None:
    """Two refresh cycles 15 virtual seconds apart: progress has moved and ETAs show."""
    for step in (0, 15):
        if step:
            app.demo_emulator.advance(step)  # type: ignore[attr-defined]
        await app.run_cycle()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()


async def _on_processing_job(app: AmstuiApp, pilot: Any) -> None:
    await _loaded(app, pilot)
    table = app.table
    for row in range(table.row_count):
        job_id = table.coordinate_to_cell_key((row, 0)).row_key.value  # type: ignore[arg-type]
        entry = app.store.get(job_id or "")
        if entry is not None and entry.job.state == JobState.PROCESSING and entry.job.tasks:
            table.move_cursor(row=row)
            break
    await pilot.pause()


async def table_view(pilot: Any) -> None:
    app: AmstuiApp = pilot.app
    await _loaded(app, pilot)
    await pilot.press("j", "j")
    await pilot.pause()


async def detail_view(pilot: Any) -> None:
    app: AmstuiApp = pilot.app
    await _on_processing_job(app, pilot)
    await pilot.press("enter")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("J")  # scroll to the raw OData response
    await pilot.pause()


async def help_view(pilot: Any) -> None:
    app: AmstuiApp = pilot.app
    await _loaded(app, pilot)
    await pilot.press("question_mark")
    await pilot.pause()


async def cancel_view(pilot: Any) -> None:
    app: AmstuiApp = pilot.app
    await _on_processing_job(app, pilot)
    await pilot.press("c")
    await pilot.pause()


VIEWS: dict[str, Callable[[Any], Awaitable[None]]] = {
    "table": table_view,
    "detail": detail_view,
    "help": help_view,
    "cancel": cancel_view,
}
