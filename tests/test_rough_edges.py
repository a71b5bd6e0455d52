"""What a new user hit in the monitor (issue 10): each test shows the behaviour now."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.notifications import Notify

from amstui.ams.model import JobState
from amstui.ui.demo_rig import frozen_rig
from amstui.ui.help_screen import HelpScreen
from amstui.ui.key_footer import KeyFooter


def plain(widget: Any) -> str:
    console = Console(width=300, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def screen_text(app: Any) -> str:
    return app.export_screenshot().replace("&#160;", " ")


async def test_ctrl_c_quits() -> None:
    rig = frozen_rig(jobs=10)
    async with rig.app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not rig.app.is_running or rig.app.return_code == 0


async def test_readonly_c_says_why_and_cancel_is_not_offered() -> None:
    rig = frozen_rig(jobs=20, readonly=True)
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(str(message.notification.message))

    async with rig.app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await rig.cycle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert any("Read-only" in n for n in notes), notes
        footer = screen_text(rig.app).splitlines()
        assert "Cancel" not in "".join(line for line in footer if "Quit" in line)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(rig.app.screen, HelpScreen)
        assert any("Cancel" in d and "read-only" in d for _, d in rig.app.screen.rows)


async def test_help_shows_remapped_keys() -> None:
    rig = frozen_rig(jobs=5, keymap=(("app.refresh", "f5"),))
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(rig.app.screen, HelpScreen)
        rows = dict((d, k) for k, d in rig.app.screen.rows)
        assert rows["Refresh"] == "f5"


async def test_footer_keeps_quit_at_80_columns() -> None:
    rig = frozen_rig(jobs=10)
    async with rig.app.run_test(size=(80, 24)) as pilot:
        await rig.cycle(pilot)
        assert rig.app.query_one(KeyFooter)
        last = screen_text(rig.app)
        assert "q Quit" in last or ("q" in last and "Quit" in last)


async def test_empty_table_says_why() -> None:
    rig = frozen_rig(jobs=20)
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Loading jobs" in screen_text(rig.app)
        await rig.cycle(pilot)
        rig.app.apply_filter("no-job-is-named-like-this")
        await pilot.pause()
        assert "The filter hides all" in screen_text(rig.app)


async def test_auth_reason_readable_on_the_status_line() -> None:
    rig = frozen_rig(jobs=20)
    async with rig.app.run_test(size=(160, 40)) as pilot:
        await rig.cycle(pilot)
        rig.app.engine.status.state = "auth"
        rig.app.engine.status.reason = "could not get a token: " + "the reason " * 5 + "END"
        rig.app.refresh_status()
        await pilot.pause()
        assert "END" in plain(rig.app.query_one("#status"))


async def test_filter_bang_alone_is_explained_and_double_bang_is_the_term() -> None:
    rig = frozen_rig(jobs=40)
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        rig.app.apply_filter("!")
        await pilot.pause()
        assert "needs a term" in plain(rig.app.query_one("#status"))
        assert rig.app.table.row_count == len(rig.app.store)
        rig.app.apply_filter("!!encoding")
        await pilot.pause()
        names = [
            rig.app.store.entries[i].job.name.lower() for i in rig.app.view.ids_between(0, 999)
        ]
        assert names and all("encoding" in n for n in names)


async def test_tasks_column_final_for_jobs_that_end_while_watched() -> None:
    rig = frozen_rig(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        emu = rig.emulator
        running = {v.id for v in emu.sim.views(emu.now()) if v.state == JobState.PROCESSING}
        done: list[str] = []
        for _ in range(40):
            await rig.cycle(pilot, advance=15)
            done = [i for i in running if app.store.entries[i].job.state == JobState.FINISHED]
            if done:
                break
        assert done
        for job_id in done:
            job = app.store.entries[job_id].job
            assert job.tasks is not None
            total = len(job.tasks)
            assert app.table.cell_text(job_id, "tasks") == f"{total}/{total}"


def test_screenshots_render_with_fallback_fonts() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "screenshots"
    for name in ("table", "detail", "help", "cancel"):
        svg = (folder / f"{name}.svg").read_text(encoding="utf-8")
        assert "DejaVu Sans Mono" in svg and "monospace" in svg
        runs = svg.count(" textLength=")
        assert runs and svg.count('lengthAdjust="spacingAndGlyphs"') == runs


def test_status_line_never_ends_in_a_dangling_separator() -> None:
    from amstui.ui.status_line import SEPARATOR, status_text

    parts = ["401 of 401 jobs", "22 active", "sort: created ▼", "nb:jid:UUID:" + "0" * 36]
    for width in range(10, 120):
        text = status_text("", parts, width).plain
        assert not text.rstrip().endswith(SEPARATOR.strip()), (width, text)
        assert len(text) <= max(width, len(parts[0]))
    assert status_text("[b]x[/b]", ["[red]y"], 80).plain == f"[b]x[/b]{SEPARATOR}[red]y"
