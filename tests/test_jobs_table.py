"""The Line-API jobs table: row cache and repaints, and Textual's public API only."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from amstui.ui.demo_rig import frozen_rig

UI = Path(__file__).resolve().parents[1] / "amstui" / "ui"


async def test_offscreen_change_repaints_nothing_visible_change_repaints_its_row() -> None:
    rig = frozen_rig(jobs=200)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        table = app.table
        bottom = table.job_id_at(table.row_count - 1)
        top = table.job_id_at(3)
        assert bottom and top and bottom not in table.visible_job_ids()
        await pilot.pause()
        before = table.rows_rendered
        app.store.upsert(replace(app.store.entries[bottom].job, name="Offscreen rename"))
        app.store.flush()
        await pilot.pause()
        await pilot.pause()
        assert table.rows_rendered == before  # nothing drawn for a row off screen
        app.store.upsert(replace(app.store.entries[top].job, name="Onscreen rename"))
        app.store.flush()
        await pilot.pause()
        await pilot.pause()
        assert table.rows_rendered == before + 1  # that row, and only that row
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "Onscreen rename" in svg and "Offscreen rename" not in svg


async def test_the_scroll_mark_shows_where_the_view_is_in_the_rows() -> None:
    """The last column is the scroll mark: a thumb beside the rows on screen, at the top of
    the rows at first, at their bottom after `end`; none once a filter leaves rows that fit;
    and back, repainted, when the filter is cleared (no scroll in between)."""
    from amstui.ui import scroll_mark

    rig = frozen_rig(jobs=400)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        table = app.table

        def column() -> str:
            return "".join(table.render_line(y).text[-1] for y in range(1, table.size.height))

        def on_screen() -> str:
            rows = app.export_screenshot().replace("&#160;", " ")
            return scroll_mark.THUMB if scroll_mark.THUMB in rows else ""

        rows = table.size.height - 1  # under the header
        assert table.render_line(0).text[-1] == " "  # the header has no mark
        thumb = scroll_mark.thumb_rows(rows, 400, 0)
        assert len(thumb) == round(rows * rows / 400) and thumb.start == 0
        assert column() == scroll_mark.THUMB * len(thumb) + scroll_mark.TRACK * (rows - len(thumb))
        await pilot.press("end")
        await pilot.pause()
        assert column().endswith(scroll_mark.THUMB * len(thumb))
        assert column().index(scroll_mark.THUMB) == rows - len(thumb)
        await pilot.press("home")
        await pilot.pause()
        assert column().startswith(scroll_mark.THUMB)
        first = table.job_id_at(0)
        assert first is not None
        app.action_quick_filter(first.rsplit(":", 1)[-1])  # one job left: nothing to scroll
        await pilot.pause(0.3)
        assert table.row_count == 1
        assert set(column()) == {scroll_mark.TRACK} and not on_screen()
        app.action_quick_filter("")
        await pilot.pause(0.3)
        assert table.row_count == 400 and column().startswith(scroll_mark.THUMB)
        assert on_screen()


async def test_id_column_stays_at_60_columns() -> None:
    rig = frozen_rig(jobs=20)
    async with rig.app.run_test(size=(60, 20)) as pilot:
        await rig.cycle(pilot)
        assert "id" in rig.app.table.column_keys and "name" in rig.app.table.column_keys


def _private_textual_access(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("textual") and any(
                part.startswith("_") for part in node.module.split(".")
            ):
                found.append(f"{path.name}:{node.lineno} from {node.module}")
            if node.module.startswith("textual"):
                found += [
                    f"{path.name}:{node.lineno} import {a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "textual" and any(p.startswith("_") for p in parts):
                    found.append(f"{path.name}:{node.lineno} import {alias.name}")
        elif isinstance(node, ast.Attribute):
            name = node.attr
            # Our own private names are ours; a single underscore name that Textual defines
            # (e.g. `_row_locations`, `_refresh_region`) is not.
            if name.startswith("_") and not name.startswith("__") and _textual_defines(name):
                found.append(f"{path.name}:{node.lineno} .{name}")
    return found


_TEXTUAL_PRIVATE: set[str] | None = None


def _textual_defines(name: str) -> bool:
    global _TEXTUAL_PRIVATE
    if _TEXTUAL_PRIVATE is None:
        import textual

        names: set[str] = set()
        for source in Path(textual.__file__).parent.rglob("*.py"):
            tree = ast.parse(source.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                    names.add(node.attr)
                elif isinstance(
                    node, (ast.FunctionDef, ast.AsyncFunctionDef)
                ) and node.name.startswith("_"):
                    names.add(node.name)
        _TEXTUAL_PRIVATE = names
    return name in _TEXTUAL_PRIVATE


def _own_private_names() -> set[str]:
    """Private names the ui package defines itself (methods, `self._x = ...`)."""
    names: set[str] = set()
    for path in UI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute):
                        names.add(target.attr)
    return names


def test_ui_uses_only_textuals_public_api() -> None:
    own = _own_private_names()
    found = [
        hit
        for path in sorted(UI.glob("*.py"))
        for hit in _private_textual_access(path)
        if hit.rsplit(".", 1)[-1] not in own
    ]
    assert found == []


def test_the_private_access_check_catches_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from textual._two_way_dict import TwoWayDict\n"
        "def f(table):\n"
        "    table._row_locations = None\n"
        "    table._refresh_region(None)\n",
        encoding="utf-8",
    )
    assert len(_private_textual_access(bad)) == 3


async def test_order_slices_give_way_while_keys_come(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Orders are built a slice at a time when idle; while keys come, the slices pause longer
    so that a key's messages, frame and the terminal's threads go first."""
    import asyncio
    import time

    from amstui.monitor.job_view import JobView
    from amstui.ui.app import LOAD_BATCH, TYPING_FOR

    slices: list[float] = []
    build = JobView.build_orders

    def small_slices(self: JobView, rows: int = 10) -> bool:
        slices.append(time.monotonic())
        return build(self, 10)  # small slices: the build outlasts both windows below

    rig = frozen_rig(jobs=2000)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        monkeypatch.setattr(JobView, "build_orders", small_slices)
        # A batch of changes as big as a load's page drops the orders: they are built again.
        store = app.store
        for job_id in list(store.entries)[:LOAD_BATCH]:
            job = store.entries[job_id].job
            store.upsert(replace(job, name=job.name + " again"))
        store.flush()
        slices.clear()
        for _ in range(300):
            if slices:
                break
            await asyncio.sleep(0.01)
        start = time.monotonic()
        for _ in range(8):
            await pilot.press("j")
            await asyncio.sleep(0.05)
        typing = sum(1 for t in slices if t >= start)
        await asyncio.sleep(TYPING_FOR)  # the keys count as coming until then
        start = time.monotonic()
        await asyncio.sleep(0.4)
        quiet = sum(1 for t in slices if t >= start)
    # The quiet window came second: had the build ended meanwhile, it would have the fewer.
    assert quiet > 20
    assert typing * 2 < quiet, (typing, quiet)


async def test_orders_of_every_sort_key_are_built_when_idle_and_s_switches() -> None:
    import asyncio

    from amstui.monitor.job_view import SORT_KEYS

    rig = frozen_rig(jobs=3000)  # a load big enough to be a reload of the view
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        for _ in range(400):
            if not app.view.orders_pending:
                break
            await asyncio.sleep(0.02)
        assert set(app.view.orders_built) == set(SORT_KEYS)
        table = app.table
        before = table.cursor_job_id
        await pilot.press("s")
        await pilot.pause()
        assert table.sort_key != "created"
        rows = app.view.ids_between(0, len(app.view))
        now = app.store.now()
        from tests.job_order import sort_value

        entries = app.store.entries
        keys = [
            (sort_value(entries[i], table.sort_key, now), entries[i].job.created, i) for i in rows
        ]
        assert keys == sorted(keys, reverse=table.sort_reverse)
        assert table.cursor_job_id == before  # the cursor stays on its job


async def test_a_cursor_key_moves_the_cursor_and_the_status_line_in_one_frame() -> None:
    """The frame that draws the cursor on its new row names that row's job on the status line
    too (the status line once followed a frame later: two frames, and the job named late)."""
    from amstui.monitor.labels import short_id
    from benchmarks.suite import frame_rows

    rig = frozen_rig(jobs=200)
    app = rig.app
    frames: list[dict[int, str]] = []
    real = app._display  # the frames as written to a terminal (a test app writes none)

    def display(screen, update):  # type: ignore[no-untyped-def]
        if update is not None:
            frames.append(frame_rows(update.render_segments(app.console)))
        return real(screen, update)

    app._display = display  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        table = app.table
        status_row = app.query_one("#status").region.y
        for key in ("j", "j", "pagedown", "k"):
            frames.clear()
            await pilot.press(key)
            await pilot.pause()
            job_id = table.cursor_job_id
            assert job_id is not None
            row = table.region.y + 1 + table.cursor_row - int(table.scroll_y)
            drawn = [f for f in frames if short_id(job_id)[:7] in f.get(row, "")]
            assert drawn, f"{key}: no frame drew the cursor's row"
            assert job_id in drawn[0].get(status_row, ""), f"{key}: status line a frame late"
