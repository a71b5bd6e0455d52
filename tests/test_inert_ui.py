"""Service and user text is data everywhere in the monitor: markup-like strings and control
characters reach the table, the detail pane, the cancel dialog, toasts, the status line and the
palette verbatim (control characters as visible escapes), never as markup or raw escapes."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.notifications import Notify

from amstui.ams.model import JobState
from amstui.monitor.inert_text import inert
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.demo_rig import frozen_rig
from amstui.ui.detail_screen import DetailScreen

HOSTILE = st.text(
    alphabet=st.sampled_from([*"[]/=@#bi red link:\\ ", "\x1b", "\x07", "\u202e", "\x9b"]),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")


def plain(widget: Any) -> str:
    console = Console(width=300, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def _through_the_ui(name: str) -> None:
    rig = frozen_rig(jobs=30)
    app = rig.app
    notes: list[Notify] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(message)

    async with app.run_test(size=(160, 40), message_hook=hook) as pilot:
        created = rig.emulator.sim.create_job(rig.emulator.now(), name=name)
        await rig.cycle(pilot)
        job_id = created.id
        assert app.store.entries[job_id].job.name == name
        shown = inert(name)
        # Table: the row's cell, and what is on screen.
        assert app.table.jump_to(job_id)
        await pilot.pause()
        assert app.table.cell_text(job_id, "name").rstrip("…") in shown
        # Cancel dialog: the name exactly as the service has it.
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCancel)
        assert shown in plain(app.screen.query_one("#confirm-job"))
        await pilot.press("n")
        await pilot.pause()
        # Detail pane title.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert shown[:40] in plain(app.screen.query_one("#detail-title"))
        await pilot.press("escape")
        await pilot.pause()
        # Toast when it ends.
        app.store.upsert(replace(app.store.entries[job_id].job, state=JobState.FINISHED))
        app.store.flush()
        await pilot.pause()
        assert any(shown[:60] in str(n.notification.message) for n in notes)
        assert all(not n.notification.markup for n in notes if shown[:60] in n.notification.message)
        # Status line: the filter text as typed.
        app.apply_filter(name)
        await pilot.pause()
        status = plain(app.query_one("#status"))
        assert "\x1b" not in status and "\x07" not in status
        assert inert(name.strip()).split()[0] in status or "filter not applied" in status
        # Palette.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Jump")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(HOSTILE)
@example("[prod] encode [/] Ep.1")
@example("Ep [/] 2")
@example("\x1b]52;c;aGk=\x07\x1b]0;title\x07\x1b[2J[red]x")
def test_hostile_text_is_shown_verbatim_and_inert(name: str) -> None:
    asyncio.run(_through_the_ui(name))
