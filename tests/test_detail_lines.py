"""The detail screen's body as one Line-API view (`DetailLines`): only the lines on screen are
highlighted, long lines fold at the width keeping their indentation, hostile service text shows
verbatim, a resize keeps the view on what it showed, and `J` / `T` land where they say."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region

from amstui.monitor.inert_text import inert
from amstui.ui import scroll_mark
from amstui.ui.demo_rig import frozen_rig
from amstui.ui.detail_lines import (
    MARK_GAP,
    DetailLines,
    RenderedBlock,
    Section,
    TextLinesBlock,
)
from amstui.ui.detail_screen import MAX_JSON_CHARS, body_lines
from tests.conftest import open_detail

MEDIA_PROCESSOR = "nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56"


def shown(lines: DetailLines) -> list[str]:
    """The rows on screen, as text without the scroll mark (trailing spaces removed)."""
    out = []
    for y in range(lines.scrollable_content_region.height):
        strip = lines.render_line(y)
        out.append(strip.crop(0, strip.cell_length - MARK_GAP - scroll_mark.WIDTH).text.rstrip())
    return out


def marks(lines: DetailLines) -> str:
    """The scroll mark's column, top to bottom."""
    return "".join(lines.render_line(y).text[-1] for y in range(lines.size.height))


class LinesApp(App[None]):
    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        yield DetailLines(id="body")

    def on_mount(self) -> None:
        body = self.query_one(DetailLines)
        for section in self.sections:
            body.set_section(section)


async def test_the_scroll_mark_follows_the_view_and_the_content() -> None:
    """The view draws its scroll position in its last column: the thumb at the top, at the
    bottom after `end`, a page further down after `pagedown`; none while everything fits,
    and one as soon as the content grows past the screen (repainted without a scroll)."""
    app = LinesApp([Section("raw", "Raw", [TextLinesBlock(["short"] * 5, highlight=False)])])
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        lines = app.query_one(DetailLines)
        assert set(marks(lines)) == {scroll_mark.TRACK}  # 7 rows in 20: nothing to scroll
        lines.set_section(Section("raw", "Raw", [TextLinesBlock(["x"] * 78, highlight=False)]))
        await pilot.pause()
        column = marks(lines)
        # 80 rows, 20 on screen: a thumb of 5 at the top.
        assert column == scroll_mark.THUMB * 5 + scroll_mark.TRACK * 15
        lines.focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert marks(lines).index(scroll_mark.THUMB) == 5  # 20 rows of the 60 it can move
        await pilot.press("end")
        await pilot.pause()
        assert marks(lines) == scroll_mark.TRACK * 15 + scroll_mark.THUMB * 5
        assert shown(lines)[-1] == "x"  # the lines keep their text: the mark is beside it


async def test_the_scroll_mark_is_repainted_when_content_below_the_screen_grows() -> None:
    """A section added below the screen changes no line on screen, but the scroll mark's
    thumb now shows beside them: the view is repainted whole (Textual does so when the
    scrollable height changes; the mark relies on it)."""

    class Spied(DetailLines):
        repaints: list[tuple[Region, ...]] = []

        def refresh(self, *regions: Region, **kwargs: Any) -> Any:
            self.repaints.append(regions)
            return super().refresh(*regions, **kwargs)

    class SpiedApp(LinesApp):
        def compose(self) -> ComposeResult:
            yield Spied(id="body")

    app = SpiedApp([Section("top", "Top", [TextLinesBlock(["short"] * 16, highlight=False)])])
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        lines = app.query_one(Spied)
        assert set(marks(lines)) == {scroll_mark.TRACK}  # 18 rows in 20
        Spied.repaints.clear()
        lines.set_section(Section("more", "More", [TextLinesBlock(["x"] * 60, highlight=False)]))
        assert () in Spied.repaints  # the whole view: the thumb is beside rows 0-4
        await pilot.pause()
        assert marks(lines).startswith(scroll_mark.THUMB)


def test_thumb_rows() -> None:
    assert scroll_mark.thumb_rows(10, 10, 0) == range(0)
    assert scroll_mark.thumb_rows(10, 5, 0) == range(0)
    assert scroll_mark.thumb_rows(10, 100, 0) == range(0, 1)
    assert scroll_mark.thumb_rows(10, 100, 90) == range(9, 10)
    assert scroll_mark.thumb_rows(10, 20, 4) == range(2, 7)
    assert scroll_mark.thumb_rows(10, 20, 500) == range(5, 10)  # clamped to the end
    assert scroll_mark.thumb_rows(38, 100_001, 50_000) == range(19, 20)


def big_json(entries: int) -> list[str]:
    data = {
        "value": [{"Id": f"task-{i}", "State": i % 4, "Progress": 1.5 * i} for i in range(entries)]
    }
    lines, is_json = body_lines(json.dumps(data))
    assert is_json
    return lines


async def test_only_the_lines_on_screen_are_highlighted() -> None:
    block = TextLinesBlock(big_json(400), highlight=True)
    assert len(block.lines) >= 2_000
    app = LinesApp([Section("raw", "Raw", [block])])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = app.query_one(DetailLines)
        assert lines.virtual_size.height == len(block.lines) + 2  # margin and heading rows
        # A screenful (24 rows, two of them the margin and heading), not 2,000 lines.
        assert 10 <= block.lines_highlighted <= 30
        lines.focus()
        await pilot.press("end")
        await pilot.pause()
        assert shown(lines)[-1] == "}"
        assert block.lines_highlighted <= 60
        # Highlighted: a key and a number have their JSON styles.
        strip = lines.render_line(0)
        assert len({segment.style for segment in strip if segment.text.strip()}) >= 2


async def test_long_lines_fold_at_the_width_and_keep_their_indentation() -> None:
    long = "x" * 150
    wide = "界" * 50  # two cells each: 100 cells
    data = {"a": {"long": long, "wide": wide}}
    lines_of_body, _ = body_lines(json.dumps(data, ensure_ascii=False))
    block = TextLinesBlock(lines_of_body, highlight=True)
    app = LinesApp([Section("raw", "Raw", [block])])
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        lines = app.query_one(DetailLines)
        width = lines.text_width
        rows = shown(lines)[2:]  # after the margin and the heading
        start = next(i for i, row in enumerate(rows) if '"long"' in row)
        first, *rest = rows[start : start + 4]
        assert len(first) == width and first.startswith('    "long": "xxx')
        # Continuation rows start under the line's indentation (4 spaces), nothing is lost.
        joined = first
        for row in rest:
            if '"wide"' in row:
                break
            assert row.startswith("    x") and len(row) <= width
            joined += row[4:]
        assert joined.rstrip(",") == f'    "long": "{long}"'
        # Wide characters fold by cells: no row is wider than the view.
        wide_rows = [row for row in rows if "界" in row]
        assert len(wide_rows) >= 2
        assert all(len(row) + row.count("界") <= width for row in wide_rows)
        assert sum(row.count("界") for row in wide_rows) == 50
        # The virtual height is the rows drawn, computed without drawing them.
        assert lines.virtual_size.height == 2 + len([r for r in rows if r])


async def test_a_resize_folds_again_and_keeps_the_view_on_what_it_showed() -> None:
    heading = RenderedBlock(Text("head"))
    body = TextLinesBlock([f"  line {i:04d} " + "y" * 70 for i in range(300)], highlight=False)
    app = LinesApp([Section("raw", "Raw", [heading, body])])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        lines = app.query_one(DetailLines)
        tall = lines.virtual_size.height
        lines.scroll_to(y=100, animate=False)
        await pilot.pause()
        top = shown(lines)[0]
        assert top.startswith("  line ")
        await pilot.resize_terminal(50, 30)
        await pilot.pause()
        await pilot.pause()
        assert lines.virtual_size.height > tall  # each line now takes two rows
        assert shown(lines)[0] == top[: lines.text_width]
        assert all(len(row) <= lines.text_width for row in shown(lines))


HOSTILE = "[bold]x[/] \x1b[31mred\x1b[0m \u202eevil [link=http://e]y[/link]"


async def test_hostile_service_text_is_shown_verbatim_everywhere() -> None:
    rig = frozen_rig(jobs=10)
    app = rig.app
    async with app.run_test(size=(160, 50)) as pilot:
        created = rig.emulator.sim.create_job(rig.emulator.now(), name=HOSTILE)
        await rig.cycle(pilot)
        screen = await open_detail(app, pilot, created.id)
        lines = screen.query_one(DetailLines)
        assert inert(HOSTILE) in screen.section_text("title")
        await pilot.press("J")
        await pilot.pause()
        text = "\n".join(shown(lines))
        # The raw JSON line with the name: markup as typed, controls and bidi as escapes.
        assert "[bold]x[/]" in text and "[link=http://e]y[/link]" in text
        assert "\\u001b[31mred" in text and "\\u202eevil" in text
        for char in ("\x1b", "\u202e"):
            assert char not in text
            assert all(
                char not in segment.text for y in range(40) for segment in lines.render_line(y)
            )
        assert "Raw OData response" in text


async def open_many_tasks(rig: Any, pilot: Any) -> tuple[Any, Any]:
    """A job of 150 tasks (thousands of raw JSON lines) added, and its detail screen open."""
    created = rig.emulator.sim.create_job(
        rig.emulator.now(),
        name="many tasks",
        tasks=[
            {"Name": f"t{i}", "MediaProcessorId": MEDIA_PROCESSOR, "TaskBody": "<b/>"}
            for i in range(150)
        ],
    )
    await rig.cycle(pilot)
    return created, await open_detail(rig.app, pilot, created.id)


async def test_j_lands_on_the_raw_section_and_t_goes_back_to_the_top() -> None:
    rig = frozen_rig(jobs=10)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        _, screen = await open_many_tasks(rig, pilot)
        lines = screen.query_one(DetailLines)
        assert shown(lines)[1] == "Timing"
        await pilot.press("J")
        await pilot.pause()
        assert shown(lines)[0] == "Raw OData response"
        assert shown(lines)[1].startswith("Request ")
        # The tasks' JSON is thousands of lines: only those on screen were highlighted.
        blocks = list(lines.text_blocks())
        assert sum(len(block.lines) for block in blocks) > 2_000
        assert sum(block.lines_highlighted for block in blocks) <= 2 * 30
        await pilot.press("T")
        await pilot.pause()
        assert shown(lines)[1] == "Timing"
        # The mouse wheel scrolls it (at once, not animated).
        for _ in range(3):
            lines.post_message(events.MouseScrollDown(lines, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert lines.scroll_y >= 3 and shown(lines)[0] != ""
        await pilot.press("pagedown")
        await pilot.pause()
        assert lines.scroll_y >= 3 + lines.scrollable_content_region.height - 1
        await pilot.press("end")
        await pilot.pause()
        assert shown(lines)[-1] == "}"
        assert sum(block.lines_highlighted for block in blocks) <= 4 * 30


async def test_another_job_keeps_the_scrollable_height_until_its_raw_response_is_drawn() -> None:
    """Showing a shorter job after a long one changes no scrollable height in the frame that
    shows it (a change would lay the screen out again, a second full render); once its raw
    response is drawn the height is the content's, and `end` lands on its last line."""
    rig = frozen_rig(jobs=10)
    app = rig.app
    async with app.run_test(size=(120, 30)) as pilot:
        created, screen = await open_many_tasks(rig, pilot)
        lines = screen.query_one(DetailLines)
        long_height = lines.virtual_size.height
        assert long_height > 2_000
        await pilot.press("end")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        short = next(i for i in app.store.entries if i != created.id)
        app.open_detail(short)  # shows the job at once; its raw response is drawn a frame later
        assert lines.virtual_size.height == long_height
        await pilot.pause()
        assert lines.scroll_y == 0
        assert shown(lines)[1] == "Timing"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert 0 < lines.virtual_size.height < 200
        await pilot.press("end")
        await pilot.pause()
        rows = shown(lines)
        assert rows[-1] != ""  # the content's last line, not rows held below it
        assert screen.section_text("raw").splitlines()[-1].rstrip() == rows[-1]


async def test_sections_read_back_as_text_and_a_tick_keeps_the_raw_lines() -> None:
    rig = frozen_rig(jobs=20)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        job_id = app.table.cursor_job_id
        assert job_id is not None
        screen = await open_detail(app, pilot, job_id)
        assert screen.section_names() == ("timing", "tasks", "raw")
        assert screen.section_text("tasks-title") == "Tasks"
        assert screen.section_text("job") == ""
        before = list(screen.query_one(DetailLines).text_blocks())
        assert before
        # The job changing without new exchanges keeps the raw lines (no new highlighting).
        screen.render_job()
        assert list(screen.query_one(DetailLines).text_blocks()) == before
        raw = screen.section_text("raw")
        assert '"odata.metadata"' in raw


class CountingLines(DetailLines):
    """Counts the rows drawn (by their row in the body)."""

    def __init__(self) -> None:
        super().__init__(id="body")
        self.drawn: list[int] = []

    def render_line(self, y: int) -> Any:
        self.drawn.append(int(self.scroll_y) + y)
        return super().render_line(y)


class CountingApp(LinesApp):
    def compose(self) -> ComposeResult:
        yield CountingLines()


async def test_a_section_changed_in_place_repaints_only_its_changed_rows() -> None:
    timing = Section("timing", "Timing", [RenderedBlock(Text("State  a\nElapsed  1s\nETA  —"))])
    raw = Section("raw", "Raw", [TextLinesBlock(big_json(50), highlight=True)])
    app = CountingApp([timing, raw])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = app.query_one(CountingLines)
        assert lines.drawn
        lines.drawn.clear()
        # The clock moved: one row of the timing reads differently.
        moved = RenderedBlock(Text("State  a\nElapsed  2s\nETA  —"))
        lines.set_section(Section("timing", "Timing", [moved]))
        await pilot.pause()
        assert set(lines.drawn) == {3}  # margin, heading, State, then Elapsed
        assert shown(lines)[3] == "Elapsed  2s"
        # A section that grows lays the body out again: every row on screen is drawn.
        lines.drawn.clear()
        taller = RenderedBlock(Text("State  a\nElapsed  3s\nETA  —\nStale  yes"))
        lines.set_section(Section("timing", "Timing", [taller]))
        await pilot.pause()
        assert len(set(lines.drawn)) >= 20
        assert shown(lines)[5] == "Stale  yes"


async def test_a_raw_response_refetched_below_the_screen_repaints_nothing_on_it() -> None:
    rows = "\n".join(f"Row {i}  value" for i in range(40))
    timing = Section("timing", "Timing", [RenderedBlock(Text(rows))])
    body = big_json(100)
    app = CountingApp([timing, Section("raw", "Raw", [TextLinesBlock(body, highlight=True)])])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = app.query_one(CountingLines)
        height = lines.virtual_size.height
        lines.drawn.clear()
        # Refetched: a value changed, the same number of lines (the body's height is the same).
        again = TextLinesBlock(
            [line.replace('"State": 1', '"State": 2') for line in body], highlight=True
        )
        lines.set_section(Section("raw", "Raw", [again]))
        await pilot.pause()
        assert lines.drawn == [] and again.lines_highlighted == 0
        assert lines.virtual_size.height == height
        await pilot.press("end")
        await pilot.pause()
        assert shown(lines)[-1] == "}" and again.lines_highlighted > 0


def test_body_lines_cover_json_text_empty_and_oversized_bodies() -> None:
    # JSON: pretty-printed, highlighted; a bidi override in a string becomes an escape.
    lines, is_json = body_lines('{"Name":"a\u202eb","N":[1,2]}')
    assert is_json and lines[0] == "{" and lines[1] == '  "Name": "a\\u202eb",'
    # Not JSON: as it came, controls as escapes, tabs as spaces, not highlighted.
    lines, is_json = body_lines("<html>\n\tbad\x1b[2J gateway\r\n</html>")
    assert not is_json
    assert lines == ["<html>", "        bad\\x1b[2J gateway\\r", "</html>"]
    assert body_lines("") == (["(empty body)"], False)
    # JSON over the cap: cut at MAX_JSON_CHARS and shown as text (highlighting it would not pay).
    big = json.dumps({"v": "x" * (MAX_JSON_CHARS + 10)})
    lines, is_json = body_lines(big)
    assert not is_json and len(lines) == 1 and len(lines[0]) == MAX_JSON_CHARS
