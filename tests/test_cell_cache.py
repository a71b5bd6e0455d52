"""Parsed cells of the jobs table (`ui/cell_cache.py`): reused while their markup stays, parsed
again when it changes, bounded, and drawn exactly as a freshly parsed cell."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from amstui.ui.cell_cache import CellCache
from amstui.ui.demo_rig import frozen_rig

CONSOLE = Console(width=80)


def fresh(markup: str, width: int) -> Text:
    cell = Text.from_markup(markup, end="", emoji=False)
    cell.truncate(width, overflow="ellipsis", pad=True)
    return cell


def drawn(cache: CellCache, markup: str, width: int) -> tuple[object, int]:
    return cache.segments(markup, width, CONSOLE)


def plain(cell: tuple[object, int]) -> str:
    segments = cell[0]
    assert isinstance(segments, tuple)
    return "".join(segment.text for segment in segments)


def test_a_cached_cell_is_reused_and_a_changed_one_is_parsed() -> None:
    cache = CellCache()
    first = drawn(cache, "[bold yellow]▶ Processing[/]", 12)
    assert drawn(cache, "[bold yellow]▶ Processing[/]", 12) is first
    assert cache.parsed == 1
    changed = drawn(cache, "[green]✔ Finished[/]", 12)
    assert changed is not first and plain(changed) == "✔ Finished  " and changed[1] == 12
    assert plain(drawn(cache, "[bold yellow]▶ Processing[/]", 5)) == "▶ Pr…"  # width is keyed
    assert cache.parsed == 3


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = CellCache(size=3)
    for markup in ("a", "b", "c"):
        drawn(cache, markup, 4)
    drawn(cache, "a", 4)  # used again: now the newest
    drawn(cache, "d", 4)  # evicts b, the least recently used
    assert len(cache) == 3
    parsed = cache.parsed
    drawn(cache, "a", 4)
    assert cache.parsed == parsed
    drawn(cache, "b", 4)
    assert cache.parsed == parsed + 1


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=30),
    style=st.sampled_from(["", "bold", "dim", "bold red", "green on blue"]),
    width=st.integers(1, 20),
)
def test_a_cached_cell_draws_exactly_like_a_fresh_one(text: str, style: str, width: int) -> None:
    markup = f"[{style}]{escape(text)}[/]" if style and text else escape(text)
    cache = CellCache()
    drawn(cache, markup, width)
    segments, length = drawn(cache, markup, width)
    expected = fresh(markup, width)
    assert list(segments) == list(expected.render(CONSOLE)) and length == expected.cell_len


async def test_a_row_redraw_parses_only_the_cells_that_changed() -> None:
    rig = frozen_rig(jobs=60)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        await pilot.pause()
        table = app.table
        job_id = table.job_id_at(2)
        assert job_id is not None
        rows, parsed = table.rows_rendered, table.cell_cache.parsed
        app.store.upsert(replace(app.store.entries[job_id].job, name="Renamed on screen"))
        app.store.flush()
        await pilot.pause()
        await pilot.pause()
        assert table.rows_rendered == rows + 1  # the row was drawn again ...
        assert table.cell_cache.parsed == parsed + 1  # ... parsing its new name only
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "Renamed on screen" in svg
