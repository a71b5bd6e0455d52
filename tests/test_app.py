"""Pilot tests: the monitor driven as a user would, against the in-process emulator with a
stepped clock (the app does not refresh on its own here; each cycle is run explicitly)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.notifications import Notify

from amstui.ams.model import JobState
from amstui.ui import app as app_module
from amstui.ui.app import AmstuiApp
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.demo_rig import Rig, frozen_rig
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.help_screen import HelpScreen


async def settle(app: AmstuiApp, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def cycle(rig: Rig, pilot: Any, advance: float = 0.0) -> None:
    await rig.cycle(pilot, advance)


def demo(**kw: Any) -> Rig:
    return frozen_rig(**kw)


def plain(widget: Any) -> str:
    """What a Static shows, as plain text."""
    import io

    from rich.console import Console

    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def cell(app: AmstuiApp, job_id: str, column: str) -> str:
    return app.table.cell_text(job_id, column)


async def test_jobs_appear_and_progress_advances() -> None:
    rig = demo(jobs=60)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.table.row_count == 0
        await cycle(rig, pilot)
        assert app.table.row_count == 60
        emu = rig.emulator
        processing = [v.id for v in emu.sim.views(emu.now()) if v.state == JobState.PROCESSING]
        job_id = processing[0]
        before = app.store.entries[job_id].job.progress
        assert before is not None and f"{before:3.0f}%" in cell(app, job_id, "progress")
        await cycle(rig, pilot, advance=20)
        after = app.store.entries[job_id].job.progress
        assert after is not None and after > before
        assert f"{after:3.0f}%" in cell(app, job_id, "progress")


async def test_a_job_finishes_row_and_notification_update() -> None:
    rig = demo(jobs=40)
    app = rig.app
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(f"{message.notification.title}: {message.notification.message}")

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await cycle(rig, pilot)
        emu = rig.emulator
        running = {v.id for v in emu.sim.views(emu.now()) if v.state == JobState.PROCESSING}
        for _ in range(40):
            await cycle(rig, pilot, advance=15)
            done = [i for i in running if app.store.entries[i].job.is_final]
            if done:
                break
        assert done
        job = app.store.entries[done[0]].job
        assert job.state.label in cell(app, done[0], "state")
        assert any(job.name[:40] in n for n in notes), notes


async def test_cursor_stays_on_its_job_through_sorts_and_inserts() -> None:
    rig = demo(jobs=80)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        for _ in range(7):
            await pilot.press("j")
        target = app.table.cursor_job_id
        assert target is not None and app.table.cursor_row == 7
        await pilot.press("s", "s")  # columns in on-screen order: created, id, then state
        await pilot.pause()
        assert app.table.sort_key == "state" and app.table.cursor_job_id == target
        await pilot.press("S")  # reverse
        await pilot.pause()
        assert app.table.cursor_job_id == target
        await pilot.press("s", "s")  # progress, then duration
        await pilot.pause()
        assert app.table.sort_key == "duration" and app.table.cursor_job_id == target
        emu = rig.emulator
        for _ in range(5):
            emu.sim.create_job(emu.now(), name="Inserted job")
        await cycle(rig, pilot, advance=5)
        assert app.table.row_count == len(app.store) >= 85
        assert app.table.cursor_job_id == target


async def test_filter_and_sort() -> None:
    rig = demo(jobs=120)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        await pilot.press("slash")
        await pilot.press(*"state:error")
        await pilot.press("enter")
        await pilot.pause()
        errors = [i for i, e in app.store.entries.items() if e.job.state == JobState.ERROR]
        assert errors and app.table.row_count == len(errors)
        await pilot.press("escape")
        await pilot.pause()
        assert app.table.row_count == 120
        # A bad regex filters nothing and says why.
        await pilot.press("slash", *"/(a+)+$/")
        await pilot.pause(0.3)  # the filter follows typing after a short pause
        assert app.table.row_count == 120
        assert "filter not applied" in plain(app.query_one("#status"))
        await pilot.press("escape")
        await pilot.press("4")  # quick filter: failed jobs
        await pilot.pause()
        assert app.table.row_count == len(errors)
        await pilot.press("0")
        await pilot.pause()
        # Newest first by default; sort by name ascending after cycling to it.
        created = [
            app.store.entries[app.table.job_id_at(r)].job.created
            for r in range(app.table.row_count)
        ]
        assert created == sorted(created, reverse=True)
        await pilot.press(*"s" * 6)  # on-screen order: created, id, state, progress, ...
        await pilot.pause()
        assert app.table.sort_key == "name"
        names = [
            app.store.entries[app.table.job_id_at(r)].job.name.lower()
            for r in range(app.table.row_count)
        ]
        assert names == sorted(names)


async def test_cancel_with_confirmation() -> None:
    rig = demo(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        target = next(i for i, e in app.store.entries.items() if e.job.state == JobState.PROCESSING)
        assert app.table.jump_to(target)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCancel)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.store.entries[target].job.state == JobState.PROCESSING
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert app.store.entries[target].job.state == JobState.CANCELING
        assert "Canceling" in cell(app, target, "state")
        await cycle(rig, pilot, advance=10)
        assert app.store.entries[target].job.state == JobState.CANCELED
        assert "Canceled" in cell(app, target, "state")


async def test_readonly_blocks_cancel() -> None:
    rig = demo(jobs=40, readonly=True)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        target = next(i for i, e in app.store.entries.items() if e.job.state == JobState.PROCESSING)
        app.table.jump_to(target)
        await pilot.press("c")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmCancel)
        emu = rig.emulator
        assert emu.stats.by_route.get("CancelJob", 0) == 0
        assert app.store.entries[target].job.state == JobState.PROCESSING


async def test_detail_pane_shows_raw_json_and_request_id() -> None:
    rig = demo(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        target = next(i for i, e in app.store.entries.items() if e.job.state == JobState.PROCESSING)
        app.table.jump_to(target)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.job_id == target
        raw = screen.section_text("raw")
        emu = rig.emulator
        record = app.store.exchanges(target)[0]
        assert record.request_id and record.request_id in raw
        assert '"odata.metadata"' in raw and target in raw
        assert "GET http://127.0.0.1/api/Jobs('" in raw
        timing = screen.section_text("timing")
        assert "Created" in timing and "StartTime" in timing and "Queue wait" in timing
        tasks = screen.section_text("tasks")
        assert "WaitingForFreeResources" in tasks
        # Live while open: progress moves on the next cycle.
        before = app.store.entries[target].job.progress
        await cycle(rig, pilot, advance=10)
        assert app.store.entries[target].job.progress != before
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
        assert emu.stats.total > 0


async def test_help_screen() -> None:
    rig = demo(jobs=10)
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("503=20,503-retry-after=30", "throttled"),
        ("malformed=3", "malformed"),
        ("500=20", "server error"),
    ],
)
async def test_faults_leave_the_app_running_rows_stale_then_recovered(
    spec: str, expected: str
) -> None:
    rig = demo(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        emu = rig.emulator
        rows = app.table.row_count
        active = app.store.active_ids()
        emu.faults.apply_spec(spec)
        await cycle(rig, pilot, advance=5)
        assert app.is_running and app.table.row_count == rows
        assert expected in app.engine.status.reason
        assert all(app.store.entries[i].stale_since is not None for i in active)
        assert "⚠" in cell(app, active[0], "duration")
        emu.faults.clear()
        app.engine.status.backoff_until = None  # the fake monotonic clock does not move
        await cycle(rig, pilot, advance=5)
        assert app.engine.status.state == "live"
        assert all(app.store.entries[i].stale_since is None for i in app.store.active_ids())


async def test_401_marks_rows_stale_then_recovers_with_a_new_token() -> None:
    from amstui.ams.auth import BearerTokenAuth
    from amstui.ams.client import AmsV2Client
    from amstui.bootstrap.connect import DEMO_ROOT, MONITOR_RETRY
    from amstui.ui.app import AppOptions, make_app
    from tests.conftest import FakeCredential

    connection = frozen_rig(jobs=40).connection
    emu = connection.emulator
    assert emu is not None
    # The credential hands out the same token once more before a new one: like MSAL's cache.
    client = AmsV2Client(
        DEMO_ROOT,
        auth=BearerTokenAuth(FakeCredential("tok-1", "tok-1", "tok-2"), "s"),
        transport=emu.transport(),
        retry=MONITOR_RETRY,
    )
    app = make_app(
        client, AppOptions("t", "e", autostart=False), now=emu.now, monotonic=lambda: 1.0
    )
    rig = Rig(app, emu, connection)
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        active = app.store.active_ids()
        emu.expire_tokens()
        await cycle(rig, pilot, advance=5)
        assert app.is_running and app.engine.status.state == "auth"
        assert "unauthorized" in app.engine.status.reason
        assert all(app.store.entries[i].stale_since is not None for i in active)
        await cycle(rig, pilot, advance=5)
        assert app.engine.status.state == "live"
        assert all(app.store.entries[i].stale_since is None for i in app.store.active_ids())


async def test_401_then_recovered() -> None:
    rig = demo(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        emu = rig.emulator
        emu.expire_tokens()
        await cycle(rig, pilot, advance=5)
        # The placeholder credential hands out a new token on the 401: nothing went stale.
        assert app.engine.status.state == "live"
        assert emu.stats.by_status.get(401, 0) >= 1


async def test_purged_job_is_marked_gone() -> None:
    rig = demo(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        target = next(i for i, e in app.store.entries.items() if e.job.state == JobState.PROCESSING)
        emu = rig.emulator
        emu.sim.remove(target)
        await cycle(rig, pilot, advance=5)
        assert app.table.row_count == len(app.store) >= 40  # (arrivals may add some)
        assert target in app.store.entries and "Gone" in cell(app, target, "state")


async def test_narrow_terminal_keeps_newest_first_and_sorting() -> None:
    rig = demo(jobs=50)
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await cycle(rig, pilot)
        assert "created" not in app.table.column_keys  # not enough room for it at 80 columns
        order = [app.table.job_id_at(r) for r in range(app.table.row_count)]
        created = [app.store.entries[i].job.created for i in order]  # type: ignore[index]
        assert created == sorted(created, reverse=True)  # type: ignore[type-var]
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert "created" in app.table.column_keys and "started" in app.table.column_keys
        assert app.table.row_count == len(app.store)


async def test_typing_narrows_and_widens_the_filter_keeping_order() -> None:
    rig = demo(jobs=150)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)

        def shown() -> list[str]:
            return [app.table.job_id_at(r) for r in range(app.table.row_count)]  # type: ignore[misc]

        def expected(text: str) -> list[str]:
            ids = [
                i
                for i, e in app.store.entries.items()
                if text.lower() in e.job.name.lower() or text.lower() in i.lower()
            ]
            return sorted(ids, key=lambda i: app.store.entries[i].job.created, reverse=True)  # type: ignore[arg-type, return-value]

        await pilot.press("slash", *"enco")
        await pilot.pause(0.3)
        assert shown() == expected("enco") and 0 < len(shown()) < 150
        await pilot.press("backspace", "backspace")
        await pilot.pause(0.3)
        assert shown() == expected("en") and len(shown()) > len(expected("enco"))
        await pilot.press("escape")
        await pilot.pause()
        assert shown() == expected("")


async def test_palette_jumps_to_a_job_copy_pause_and_refresh() -> None:
    rig = demo(jobs=60)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        target_id, target = next(
            (i, e.job) for i, e in app.store.entries.items() if e.job.state == JobState.FINISHED
        )
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*target_id.rsplit(":", 1)[1][:8])
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.table.cursor_job_id == target_id, target.name
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == target_id
        await pilot.press("p")
        await pilot.pause()
        assert app.engine.status.paused and "PAUSED" in str(app.query_one("#header").content)
        emu = rig.emulator
        emu.stats.reset()
        report = await app.engine.cycle()
        assert report.skipped == "paused" and emu.stats.total == 0
        await pilot.press("p", "r")
        await settle(app, pilot)
        assert not app.engine.status.paused and emu.stats.total >= 1


async def test_keys_remapped_from_config() -> None:

    app = frozen_rig(jobs=20, keymap=(("app.help", "f1"),)).app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


def entry_name(app: AmstuiApp, job_id: str) -> str:
    return app.store.entries[job_id].job.name[:12]


def screen_text(app: AmstuiApp) -> str:
    """The text on screen (the SVG screenshot writes spaces as &#160;)."""
    return app.export_screenshot().replace("&#160;", " ")


async def test_offscreen_updates_show_once_scrolled_into_view() -> None:
    from dataclasses import replace

    rig = demo(jobs=200)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        table = app.table
        bottom = table.job_id_at(table.row_count - 1)
        assert bottom is not None
        await pilot.press("G")  # draw the bottom rows once (the table caches their rendering)
        await pilot.pause()
        assert entry_name(app, bottom) in screen_text(app)
        await pilot.press("g")
        await pilot.pause()
        assert bottom not in table.visible_job_ids()
        entry = app.store.entries[bottom]
        app.store.upsert(replace(entry.job, name="RenamedWhileOffscreen"))
        app.store.flush()
        await pilot.pause()
        await pilot.pause()
        assert "RenamedWhileOffscreen" not in screen_text(app)  # not on screen yet
        await pilot.press("G")
        await pilot.pause()
        assert bottom in table.visible_job_ids()
        assert "RenamedWhileOffscreen" in screen_text(app)


async def test_on_screen_updates_repaint_their_row() -> None:
    from dataclasses import replace

    rig = demo(jobs=60)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        table = app.table
        top = table.job_id_at(1)
        assert top is not None and top in table.visible_job_ids()
        before = screen_text(app)
        assert entry_name(app, top) in before
        app.store.upsert(replace(app.store.entries[top].job, name="RenamedOnScreen"))
        app.store.flush()
        await pilot.pause()
        await pilot.pause()
        after = screen_text(app)
        assert "RenamedOnScreen" in after
        # The other rows still show what they showed (their cached rendering stayed valid).
        other = table.job_id_at(2)
        assert entry_name(app, other) in after  # type: ignore[arg-type]


async def filtered(app: AmstuiApp, pilot: Any) -> None:
    """Until no filter pass is under way (a cancelled one counts as over)."""
    for _ in range(500):
        if not any(w.group == "filter" and not w.is_finished for w in app.workers):
            break
        await pilot.pause(0.01)
    await pilot.pause()


async def test_filter_over_many_jobs_runs_in_slices_and_newer_text_wins(monkeypatch: Any) -> None:
    # Slices of 16 jobs make a 120-job account "many jobs" (100,000 in real use).
    monkeypatch.setattr(app_module, "FILTER_SLICE", 16)
    rig = demo(jobs=120)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await cycle(rig, pilot)
        errors = {i for i, e in app.store.entries.items() if e.job.state == JobState.ERROR}
        assert errors and len(errors) < 120
        app.apply_filter("state:error")
        assert app.table.row_count == 120  # not yet: the pass is under way, keys stay live
        await filtered(app, pilot)
        assert app.view.filter_text == "state:error"
        rows = {app.table.job_id_at(r) for r in range(app.table.row_count)}
        assert rows == errors
        # A pass overtaken by newer text never lands, whether the newer filter is sliced ...
        app.apply_filter("!state:error")
        app.apply_filter("state:error")
        await filtered(app, pilot)
        assert app.view.filter_text == "state:error" and app.table.row_count == len(errors)
        # ... or none at all (escape).
        app.apply_filter("!state:error")
        app.apply_filter("")
        await filtered(app, pilot)
        assert app.view.filter_text == "" and app.table.row_count == 120
