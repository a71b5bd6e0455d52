"""What a frame costs: the jobs table's row cache (a hit formats no cell), rows drawn from
cached cell segments, the cursor row's style, the footer that rebuilds only when its keys
change, and `LabelRows` drawn exactly as the `Table.grid` it replaces."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.worker import Worker

from amstui.ams.model import JobState
from amstui.ui import jobs_table, scroll_mark
from amstui.ui.cell_cache import CellCache
from amstui.ui.demo_rig import frozen_rig
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.jobs_table import JobsTable
from amstui.ui.key_footer import KeyFooter
from amstui.ui.label_rows import LabelRows
from tests.conftest import open_detail


def draw(table: JobsTable) -> list[Strip]:
    """The table's lines as the compositor asks for them (one frame), header included."""
    table.refresh()
    return table.render_lines(Region(0, 0, table.size.width, table.size.height))


async def test_a_cached_row_formats_no_cell_and_a_changed_job_is_drawn_again(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    calls: list[str] = []
    real = jobs_table.row_cells

    def counted(entry, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(entry.job.id)
        return real(entry, *args, **kwargs)

    monkeypatch.setattr(jobs_table, "row_cells", counted)
    rig = frozen_rig(jobs=80)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        table = app.table
        first = draw(table)
        calls.clear()
        built = table.rows_rendered
        again = draw(table)
        assert calls == []  # every row on screen was a hit: no cell formatted
        assert table.rows_rendered == built
        assert [s.text for s in again] == [s.text for s in first]
        # A job on screen changes: its row, and only its row, is formatted and drawn again.
        job_id = table.job_id_at(4)
        assert job_id is not None
        app.store.upsert(replace(app.store.entries[job_id].job, name="Renamed for the cache"))
        app.store.flush()
        await pilot.pause()  # the app repaints the row (one frame), then a frame of ours
        lines = draw(table)
        assert calls == [job_id]
        assert table.rows_rendered == built + 1
        assert "Renamed for the cache" in lines[5].text


async def test_a_new_day_redraws_the_created_cell_of_a_row_that_never_moves() -> None:
    rig = frozen_rig(jobs=80)
    app = rig.app
    async with app.run_test(size=(140, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        table = app.table
        y, job_id = 3, table.job_id_at(2)
        assert job_id is not None
        # A finished job created an hour ago: its row never moves with time.
        now = app.store.now()
        job = app.store.entries[job_id].job
        created = now - timedelta(hours=1)
        app.store.upsert(
            replace(job, state=JobState.FINISHED, created=created, end_time=now, tasks=())
        )
        app.store.flush()
        await pilot.pause()
        y = (table.view.row_of(job_id) or 0) + 1
        assert not jobs_table.moves_with_time(app.store.entries[job_id])
        assert created.strftime("%H:%M:%S") in draw(table)[y].text
        built = table.rows_rendered
        rig.advance(24 * 3600)  # the next day, and no refresh: the job is final
        line = draw(table)[y].text
        assert created.strftime("%m-%d %H:%M") in line
        assert created.strftime("%H:%M:%S") not in line
        assert table.rows_rendered > built


async def test_the_cursor_row_is_styled_and_its_styled_strip_reused() -> None:
    rig = frozen_rig(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        table = app.table
        cursor = table.get_component_rich_style("jobs-table--cursor")
        assert cursor.bgcolor is not None

        room = table.scrollable_content_region.width - scroll_mark.WIDTH  # not the mark

        def backgrounds(strip: Strip) -> set[object]:
            return {segment.style.bgcolor for segment in strip.crop(0, room) if segment.style}

        lines = draw(table)
        assert backgrounds(lines[1]) == {cursor.bgcolor}  # row 0 has the cursor
        assert cursor.bgcolor not in backgrounds(lines[2])
        assert table.render_line(1) is table.render_line(1)  # the cursor's row is cached
        await pilot.press("j")
        lines = draw(table)
        assert cursor.bgcolor not in backgrounds(lines[1])
        assert backgrounds(lines[2]) == {cursor.bgcolor}


async def test_the_footer_rebuilds_only_when_its_keys_change() -> None:
    rig = frozen_rig(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        main = app.screen.query_one(KeyFooter)
        job_id = app.table.cursor_job_id
        assert job_id is not None
        app.open_detail(job_id)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        detail = app.screen.query_one(KeyFooter)
        await pilot.press("escape")
        await pilot.pause()
        main_rebuilds, detail_rebuilds = main.rebuilds, detail.rebuilds
        assert main_rebuilds >= 1 and detail_rebuilds >= 1
        for _ in range(3):
            app.open_detail(job_id)
            await pilot.pause()
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        assert (main.rebuilds, detail.rebuilds) == (main_rebuilds, detail_rebuilds)
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "Sort" in svg and "Filter" in svg  # the table's keys, not the detail's
        app.open_detail(job_id)
        await pilot.pause()
        await pilot.pause()
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "Raw JSON" in svg and "Sort" not in svg


async def test_a_click_on_a_footer_key_presses_it() -> None:
    rig = frozen_rig(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        row = footer.render_line(0).text
        assert len(row) == 120 and row.rstrip().endswith("▏^p palette")
        sort_at = row.index(" s Sort ")
        before = app.table.sort_key
        await pilot.click(KeyFooter, offset=(sort_at + 5, 0))  # on "Sort"
        await pilot.pause()
        assert app.table.sort_key != before
        key_now = app.table.sort_key
        await pilot.click(KeyFooter, offset=(row.index("Quit ") + 8, 0))  # past the last key
        await pilot.pause()
        assert app.table.sort_key == key_now and app.is_running
        await pilot.click(KeyFooter, offset=(row.index(" / Filter ") + 1, 0))
        await pilot.pause()
        assert app.query_one("#filter").has_class("visible")


def test_a_cell_drawn_from_cached_segments_is_the_parsed_cell() -> None:
    console = Console(width=80)
    cache = CellCache()
    for markup in ("[bold red]✖ Error[/]", "plain name", "a:fire:b", "x\\[y]"):
        segments, length = cache.segments(markup, 9, console)
        assert cache.segments(markup, 9, console)[0] is segments  # a hit
        assert length == 9 and sum(s.cell_length for s in segments) == 9
    assert "".join(s.text for s in cache.segments(":fire: hot", 12, console)[0]) == (
        ":fire: hot  "  # emoji codes are data, not markup
    )


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.text("ABCdefGH ", min_size=1, max_size=16),
            st.text("abc xyz-/:\n", max_size=90),
            st.sampled_from(["", "dim", "bold red", "green"]),
        ),
        min_size=1,
        max_size=6,
    ),
    width=st.integers(20, 120),
)
def test_label_rows_draw_exactly_what_the_grid_drew(
    rows: list[tuple[str, str, str]], width: int
) -> None:
    console = Console(width=width, color_system="truecolor")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    mine = LabelRows()
    for label, value, style in rows:
        grid.add_row(label, Text(value, style))
        mine.add_row(label, Text(value, style))
    options = console.options.update_width(width)
    assert console.render_lines(mine, options) == console.render_lines(grid, options)


def _shown(console: Console, renderable: object, width: int) -> str:
    """What a terminal shows of a renderable: its lines with their styles, as ANSI text."""
    with console.capture() as capture:
        console.print(renderable, width=width)
    return capture.get()


@settings(max_examples=60, deadline=None)
@example(  # values that wrap: continuation lines keep the indentation
    rows=[("Error", "✖ ab: " + "cd ab-cd " * 12, "red"), ("", "é" * 50, ""), ("Asset", "a", "")],
    width=40,
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["Asset", "Started", "Error", "Category", "Detail", ""]),
            st.text(alphabet="ab cd-é✖:", min_size=0, max_size=90),
            st.sampled_from(["", "red", "dim"]),
        ),
        min_size=1,
        max_size=6,
    ),
    width=st.integers(30, 120),
)
def test_indented_label_rows_draw_what_the_task_and_output_grids_drew(
    rows: list[tuple[str, str, str]], width: int
) -> None:
    """The rows under a v3 output (a blank column, a dim label column and the value, in a
    `Table.grid(padding=(0, 2))`) and the lines under a task (a 3-cell blank column and the
    line, in a `Table.grid()`), drawn as `LabelRows` show the same (30 cells or more: in
    fewer, where the grid cut a label short, the rows keep it whole)."""
    console = Console(width=width, color_system="truecolor", legacy_windows=False)
    outputs = Table.grid(padding=(0, 2))
    outputs.add_column(width=1, no_wrap=True)
    outputs.add_column(style="dim", no_wrap=True)
    outputs.add_column()
    tasks = Table.grid()
    tasks.add_column(width=3, no_wrap=True)
    tasks.add_column()
    under_output = LabelRows("dim", indent=3)
    under_task = LabelRows(indent=3, gap=0)
    for label, value, style in rows:
        outputs.add_row("", label or "Running", Text(value, style))
        under_output.add_row(label or "Running", Text(value, style))
        tasks.add_row("", Text(value, style))
        under_task.add_row("", Text(value, style))
    assert _shown(console, under_output, width) == _shown(console, outputs, width)
    assert _shown(console, under_task, width) == _shown(console, tasks, width)


async def test_a_covered_table_draws_nothing_and_catches_up_when_shown_again() -> None:
    rig = frozen_rig(jobs=40)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        table = app.table
        shown, other = table.job_id_at(0), table.job_id_at(3)
        assert shown is not None and other is not None
        versions = {i: e.version for i, e in app.store.entries.items()}
        on_screen = table.visible_job_ids()
        app.open_detail(shown)
        await pilot.pause()
        await pilot.pause()
        built = table.rows_rendered
        app.store.upsert(replace(app.store.entries[other].job, name="Changed while covered"))
        app.store.flush()
        await pilot.pause()
        await pilot.pause()
        assert table.rows_rendered == built  # the detail screen covers the table
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        # Back: the rows on screen whose job changed meanwhile (the renamed one, and the
        # opened one if its refresh brought news), each drawn once.
        changed = {i for i in on_screen if app.store.entries[i].version != versions[i]}
        assert other in changed
        assert table.rows_rendered == built + len(changed)
        assert "Changed while covered" in app.export_screenshot().replace("&#160;", " ")


async def test_the_pages_around_the_screen_are_drawn_ahead() -> None:
    rig = frozen_rig(jobs=300)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        table = app.table
        await pilot.press("pagedown")  # a scroll: the pages around it are drawn ahead
        await pilot.pause()
        await pilot.pause()
        top, page = int(table.scroll_y), len(table.visible_job_ids())
        assert top > 0
        below = table.view.ids_between(top + page, top + 2 * page)
        above = table.view.ids_between(max(top - page, 0), top)
        assert below and above
        assert set(below) | set(above) <= table.drawn_job_ids()
        drawn = {job_id: table.drawn_row(job_id) for job_id in below}
        await pilot.press("pagedown")
        await pilot.pause()
        await pilot.pause()
        # The page it shows came from the cache: its rows are the ones drawn ahead, not
        # drawn again for the frame.
        assert table.visible_job_ids() <= set(below)
        assert all(table.drawn_row(job_id) is drawn[job_id] for job_id in below)
        assert app.store.entries[below[0]].job.name[:8] in app.export_screenshot().replace(
            "&#160;", " "
        )


async def test_the_rows_the_next_sort_key_would_show_are_drawn_ahead() -> None:
    """Once the cursor rests, the rows `s` would bring on screen are drawn into the cache, so
    the frame after `s` draws none of them again."""
    rig = frozen_rig(jobs=400)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        table = app.table
        while app.view.orders_pending:  # the other sort keys' orders, built when idle
            await pilot.pause(0.05)
        for _ in range(5):
            await pilot.press("j")
        await pilot.pause(0.3)  # the cursor rests: drawn ahead
        cursor = table.cursor_job_id
        key = table.next_sort_key()
        assert key != table.sort_key
        drawn = {job_id: table.drawn_row(job_id) for job_id in table.drawn_job_ids()}
        await pilot.press("s")
        await pilot.pause()
        assert table.sort_key == key and table.cursor_job_id == cursor
        shown = table.visible_job_ids()
        assert len(shown) > 20
        assert shown <= set(drawn)  # every row on screen was drawn before the key
        assert all(table.drawn_row(job_id) is drawn[job_id] for job_id in shown)


async def test_a_key_stops_the_rows_being_drawn_ahead_so_its_frame_comes_first(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """Rows drawn ahead for the old position or order are not wanted once a key moved the
    cursor or the order: the drawing stops (it used to hold the key's frame up to ~20 ms),
    and starts again for the new state."""
    # One row a slice, so the drawing lasts some 90 turns of the loop and is still running
    # when the key comes, however busy the machine.
    monkeypatch.setattr(jobs_table, "DRAW_AHEAD_SLICE", 1)
    loop = asyncio.get_running_loop()
    rig = frozen_rig(jobs=400)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        while app.view.orders_pending:
            await pilot.pause(0.05)

        def drawing() -> list[Worker[object]]:
            return [w for w in app.workers if w.group == "draw-ahead" and not w.is_finished]

        for key in ("j", "s"):
            # A page not seen before: its neighbours are drawn ahead after its frame. The keys
            # are posted, not pressed: `press` waits until the process is idle, which can be
            # after the drawing ended.
            app.simulate_key("pagedown")
            app.simulate_key("pagedown")
            running = drawing()
            until = loop.time() + 5
            while not running and loop.time() < until:
                await asyncio.sleep(0.001)
                running = drawing()
            assert running, key
            await pilot.press(key)
            # Cancelled: a worker cancelled by a newer one before it ran keeps the RUNNING
            # state, so the flag is what tells.
            assert all(w.is_cancelled for w in running), key
        until = loop.time() + 10
        while drawing() and loop.time() < until:
            await pilot.pause(0.05)
        assert not drawing()  # the drawing for the new state ran to its end


async def _rest(pilot) -> None:  # type: ignore[no-untyped-def]
    """Long enough for the cursor to count as resting, and for what that starts to run."""
    await pilot.pause(jobs_table.CURSOR_RESTS * 3)
    await pilot.pause()


async def _detail_built(rig, pilot) -> DetailScreen:  # type: ignore[no-untyped-def]
    """The table loaded, and the detail screen built (opened once, then closed)."""
    await rig.cycle(pilot)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("escape")
    await _rest(pilot)
    screen = rig.app.get_screen("detail")
    assert isinstance(screen, DetailScreen)
    return screen


async def test_the_detail_is_drawn_ahead_for_the_job_the_cursor_rests_on(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    shown: list[str] = []
    real = DetailScreen.show_job

    def counted(self, job_id):  # type: ignore[no-untyped-def]
        shown.append(job_id)
        return real(self, job_id)

    monkeypatch.setattr(DetailScreen, "show_job", counted)
    rig = frozen_rig(jobs=60)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _detail_built(rig, pilot)
        await pilot.press("j", "j")
        await _rest(pilot)
        target = app.table.cursor_job_id
        assert target is not None
        name = app.store.entries[target].job.name
        # Drawn out of sight: the screen already reads the job the cursor rests on.
        assert screen.job_id == target and name in screen.section_text("title")
        assert screen.is_ready_for(target)
        shown.clear()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.job_id == target
        assert shown == []  # `enter` drew nothing more of it
        assert "Created" in screen.section_text("timing")
        assert not screen.is_ready_for(target)  # shown: no longer "drawn ahead"
        # Closed: drawn again for the cursor's job, from the top, ready for the next `enter`.
        await pilot.press("pagedown")
        await pilot.pause()
        assert screen.query_one("#detail-body").scroll_y > 0
        await pilot.press("escape")
        await _rest(pilot)
        assert screen.is_ready_for(target)
        assert screen.query_one("#detail-body").scroll_y == 0


async def test_a_job_that_changed_after_it_was_drawn_ahead_is_drawn_again_when_opened(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    rig = frozen_rig(jobs=60)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _detail_built(rig, pilot)
        running = next(
            i for i, e in app.store.entries.items() if e.job.state == JobState.PROCESSING
        )
        app.table.jump_to(running)
        await _rest(pilot)
        assert screen.is_ready_for(running)
        # Its record changes while the cursor rests: canceled by someone else, seen by a
        # refresh cycle (the clock stays where it was).
        assert "Cancel" not in screen.section_text("title")
        rig.emulator.sim.cancel(running, rig.emulator.now())
        await rig.cycle(pilot)
        assert app.store.entries[running].job.state != JobState.PROCESSING
        assert not screen.is_ready_for(running)
        await pilot.press("enter")
        await pilot.pause()
        assert "Cancel" in screen.section_text("title")
        await pilot.press("escape")
        # Nothing fetched on `enter` from here on: what shows is what is drawn on opening.
        monkeypatch.setattr(app, "refresh_job", lambda job_id: None)
        # A running job's times move with the clock: a second later they are drawn again.
        other = next(
            i
            for i, e in app.store.entries.items()
            if e.job.state == JobState.PROCESSING and i != running
        )
        app.table.jump_to(other)
        await _rest(pilot)
        assert screen.is_ready_for(other)
        before = screen.section_text("tasks")
        rig.advance(90)
        assert not screen.is_ready_for(other)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.section_text("tasks") != before
        await pilot.press("escape")
        # So does a final job's "stale since" (its last refresh failed).
        final = next(i for i, e in app.store.entries.items() if e.job.is_final)
        app.store.mark_stale([final])
        app.store.flush()
        app.table.jump_to(final)
        await _rest(pilot)
        assert screen.is_ready_for(final)
        assert "Stale" in screen.section_text("timing")
        rig.advance(600)
        assert not screen.is_ready_for(final)


async def test_a_dialog_over_the_open_detail_leaves_it_where_it_was() -> None:
    rig = frozen_rig(jobs=60)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        job_id = app.table.job_id_at(0)
        assert job_id is not None
        screen = await open_detail(app, pilot, job_id)
        body = screen.query_one("#detail-body")
        await pilot.press("pagedown")
        await pilot.pause()
        scrolled = body.scroll_y
        assert scrolled > 0
        await pilot.press("question_mark")  # the help screen over the detail, then closed
        await _rest(pilot)
        await pilot.press("escape")
        await _rest(pilot)
        assert app.screen is screen and screen.job_id == job_id
        assert body.scroll_y == scrolled
        # A full screen over it (the detail is suspended, not just covered), then closed.
        await app.push_screen(Screen())
        await _rest(pilot)
        app.pop_screen()
        await _rest(pilot)
        assert app.screen is screen and screen.job_id == job_id
        assert body.scroll_y == scrolled
