"""`JobsTable`: the live jobs table, a Line-API widget (`ScrollView` + `render_line`).

The table owns no rows. It draws the lines on screen straight from a `JobView` (the store's
jobs, sorted and filtered, in `amstui.monitor.job_view`): line 0 is the header, line `y` the
row `scroll_y + y - 1`. Each row's strip is cached with its cells' markup, keyed by what the
cells are made of (`_row_key`: the column layout, the job's version, the second for a row whose
cells move with time, the day for its dates, its account cell), so a cached row costs a
lookup: no cell is formatted again. A row that must be drawn is assembled from its cells'
rendered segments (`CellCache`), most of them shared with rows drawn before; after a scroll,
the pages above and below are drawn ahead, so that a page key finds its rows. A change to a job
(its version moved) or a second passing (for a row whose cells move with time) repaints
nothing off screen and, on screen, only the cells whose text changed. The cursor stays on its
job through sorts, filters, updates and arrivals: its row is found again by binary search in
the view.

Column sets follow the terminal width so that 80 columns stay readable; on narrow terminals the
ETA and Duration columns give way before the Name gets too short (the Id always stays).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ScreenStackError
from textual.binding import Binding
from textual.dom import NoScreen
from textual.geometry import Region, Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import Worker

from amstui.monitor.inert_text import inert
from amstui.monitor.job_view import SORT_KEYS, JobView
from amstui.monitor.store import JobEntry, JobStore
from amstui.ui import cells, scroll_mark
from amstui.ui.cell_cache import CellCache


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    key: str
    label: str
    width: int
    min_terminal: int = 0  # shown from this terminal width on
    max_terminal: int = 100_000  # ... up to (not including) this width


# The columns that change every second (progress, duration, ETA) come first: a terminal
# update rewrites each changed line from the table's left edge to the last changed cell, so
# keeping them left halves what a steady refresh sends over SSH.
COLUMNS = (
    ColumnSpec("state", "State", 12),
    ColumnSpec("progress", "Progress", 10, 0, 120),
    ColumnSpec("progress", "Progress", 15, 120),
    ColumnSpec("duration", "Duration", 8),
    ColumnSpec("eta", "ETA", 6),
    ColumnSpec("name", "Name", 0),
    ColumnSpec("tasks", "Tasks", 5, 120),
    ColumnSpec("priority", "Pri", 3, 120),
    ColumnSpec("created", "Created", 11, 120),
    ColumnSpec("started", "Started", 11, 140),
    ColumnSpec("id", "Id", 8),
)
#: A v3 (ARM or MK.IO) account: a Transform column after the name and Outputs where v2 has
#: Tasks. No Id column: a v3 job's id is `TRANSFORM/JOB`, its name is in the Name column and its
#: transform beside it (the status line shows the selected job's whole id), which leaves the
#: room for the ETA.
V3_APIS = ("v3", "mkio")
V3_SWAPS: dict[str, tuple[ColumnSpec, ...]] = {
    "tasks": (ColumnSpec("outputs", "Outputs", 7, 120),),
    "name": (ColumnSpec("name", "Name", 0), ColumnSpec("transform", "Transform", 14, 120)),
    "id": (),
}
V3_COLUMNS = tuple(new for spec in COLUMNS for new in V3_SWAPS.get(spec.key, (spec,)))
#: v2 and v3 accounts in one table (`api="mixed"`): the v2 columns, a Transform column (blank
#: on v2 rows) and Tasks showing a v3 row's outputs; Pri and Id only from 140 columns (the
#: status line has the selected job's whole id), which leaves the name its room at 120.
MIXED = "mixed"
MIXED_SWAPS: dict[str, tuple[ColumnSpec, ...]] = {
    "tasks": (ColumnSpec("tasks", "Tasks", 7, 120),),
    "name": (ColumnSpec("name", "Name", 0), ColumnSpec("transform", "Transform", 12, 120)),
    "priority": (ColumnSpec("priority", "Pri", 3, 140),),
    "id": (ColumnSpec("id", "Id", 8, 140),),
}
MIXED_COLUMNS = tuple(new for spec in COLUMNS for new in MIXED_SWAPS.get(spec.key, (spec,)))
SORTABLE = SORT_KEYS
MIN_NAME = 12
#: Spaces each side of a cell.
PADDING = 1
#: Columns that give way (in this order) on a narrow terminal before the name gets too short.
YIELDING = ("eta", "duration")
#: Row strips kept (a few screens' worth; rows off screen keep nothing).
STRIP_CACHE = 400
#: Rows drawn ahead between two yields to the event loop (a cold row takes ~0.2 ms).
DRAW_AHEAD_SLICE = 8
#: Seconds the cursor stays on a job before the rows `s` would show are drawn ahead.
CURSOR_RESTS = 0.1


def columns_for(
    width: int, room: int | None = None, account_width: int = 0, api: str = "v2"
) -> tuple[ColumnSpec, ...]:
    """The columns for a terminal `width`, fitted to `room` cells (the table's own width);
    with an `account_width`, an Account column first (several accounts in one table); a v3
    `api` (v3, mkio) has its own columns (`V3_COLUMNS`)."""
    room = width if room is None else room
    columns = V3_COLUMNS if api in V3_APIS else MIXED_COLUMNS if api == MIXED else COLUMNS
    specs = [c for c in columns if c.min_terminal <= width < c.max_terminal]
    if account_width:
        specs.insert(0, ColumnSpec("account", "Account", account_width))
    for key in YIELDING:
        if _name_width(specs, room) >= MIN_NAME:
            break
        specs = [c for c in specs if c.key != key]
    return tuple(specs)


def _name_width(specs: Iterable[ColumnSpec], width: int) -> int:
    others = sum(c.width + 2 * PADDING for c in specs if c.key != "name")
    return width - others - 2 * PADDING


def row_cells(
    entry: JobEntry,
    now: datetime,
    keys: Iterable[str],
    bar_width: int = cells.BAR_WIDTH,
    name_width: int = 40,
    account: str = "",
) -> dict[str, str]:
    """The markup of each cell of a job's row (`account`: the Account cell's markup)."""
    job = entry.job
    running = not job.is_final and not entry.gone
    values: dict[str, str] = {}
    for key in keys:
        if key == "account":
            values[key] = account
        elif key == "state":
            values[key] = cells.job_state_cell(job, entry.gone)
        elif key == "name":
            values[key] = cells.name_cell(job.name, name_width)
        elif key == "progress":
            values[key] = cells.progress_cell(job.progress, job.state, bar_width)
        elif key == "tasks" and job.outputs is not None:  # a v3 row of a mixed table
            values[key] = cells.outputs_cell(job)
        elif key == "tasks":
            total = len(job.tasks) if job.tasks is not None else None
            values[key] = cells.tasks_cell(job.tasks_done, total)
        elif key == "outputs":
            values[key] = cells.outputs_cell(job)
        elif key == "transform":  # (blank on a v2 row of a mixed table)
            values[key] = cells.name_cell(job.transform, 40) if job.transform else ""
        elif key == "priority":
            values[key] = str(job.priority)
        elif key == "created":
            values[key] = cells.time_cell(job.created, now)
        elif key == "started":
            values[key] = cells.time_cell(job.start_time, now)
        elif key == "duration":
            # A stale row says so (and for how long) where its running time would be.
            stale = entry.stale_for(now)
            values[key] = (
                cells.stale_cell(stale)
                if stale is not None
                else cells.duration_cell(entry.elapsed(now), running)
            )
        elif key == "eta":
            values[key] = cells.duration(entry.eta(now))
        elif key == "id":
            values[key] = cells.id_cell(job.id)
    return values


def moves_with_time(entry: JobEntry) -> bool:
    """A row whose cells change as time passes (running time, ETA, stale age)."""
    return entry.stale_since is not None or not (entry.job.is_final or entry.gone)


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns on screen and their widths: part of every cached row's key."""

    specs: tuple[ColumnSpec, ...]
    widths: tuple[int, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.specs)

    def width_of(self, key: str, default: int) -> int:
        for spec, width in zip(self.specs, self.widths, strict=True):
            if spec.key == key:
                return width
        return default


def layout_for(
    width: int, room: int | None = None, account_width: int = 0, api: str = "v2"
) -> Layout:
    room = width if room is None else room
    specs = columns_for(width, room, account_width, api)
    name = max(MIN_NAME, _name_width(specs, room))
    return Layout(specs, tuple(name if c.key == "name" else c.width for c in specs))


#: Columns whose cells read differently on another day (today's times show no date).
DATED = frozenset({"created", "started"})


@dataclass(frozen=True, slots=True)
class Frame:
    """What every row of one frame is drawn with, read once per frame (the widget's styles
    cost a walk up the DOM, the clock a call)."""

    now: datetime
    second: int
    day: int
    base: Style
    cursor: Style
    width: int
    top: int
    #: The layout has dated columns (Created, Started): their rows are keyed by the day.
    dated: bool
    #: The rows of the scroll mark's thumb (0: the first row under the header), and the
    #: mark's cells (thumb, track).
    thumb: range
    mark: tuple[Strip, Strip]


@dataclass(slots=True)
class CachedRow:
    """A row as drawn: the key it was drawn for, its cells' markup and its strip (with the
    cursor's variant, made when the cursor is first on it)."""

    key: tuple[object, ...]
    values: tuple[str, ...]
    strip: Strip
    cursor: tuple[Style, Style, Strip] | None = None
    #: The row with the scroll mark's cell (`scroll_mark.beside`).
    marked: scroll_mark.Joined | None = None


class JobsTable(ScrollView, can_focus=True):
    """The live jobs table (see the module docstring)."""

    BINDINGS = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home", "top", "Top", show=False),
        Binding("end", "bottom", "Bottom", show=False),
        Binding("g", "top", "Top", show=False, id="table.top"),
        Binding("G", "bottom", "Bottom", show=False, id="table.bottom"),
        Binding("enter", "select", "Open", show=False),
    ]

    COMPONENT_CLASSES = {
        "jobs-table--header",
        "jobs-table--cursor",
    }

    DEFAULT_CSS = """
    JobsTable {
        overflow-x: hidden;
        /* The scroll position is drawn by the table (`scroll_mark`), not by a scroll bar. */
        scrollbar-size-vertical: 0;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .jobs-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .jobs-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .jobs-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .jobs-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .jobs-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class CursorMoved(Message):
        """The cursor is on another job (or on none)."""

        def __init__(self, job_id: str | None) -> None:
            super().__init__()
            self.job_id = job_id

    class CursorRested(Message):
        """The cursor has stayed on this job for `CURSOR_RESTS` seconds."""

        def __init__(self, job_id: str) -> None:
            super().__init__()
            self.job_id = job_id

    class JobChosen(Message):
        """`enter` (or a click on the cursor's row): open this job."""

        def __init__(self, job_id: str) -> None:
            super().__init__()
            self.job_id = job_id

    def __init__(
        self, store: JobStore, view: JobView, *, id: str | None = None, api: str = "v2"
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.view = view
        #: The account's API shape (`v2`, `v3`, `mkio`): v3 shapes get their own columns.
        self.api = api
        self.cursor_row = 0
        self._cursor_id: str | None = None
        self._layout = layout_for(120, api=api)
        self._terminal_width = 120
        self._layout_room = 0
        self._order_seen = -1
        #: Rows as drawn: job id -> row, most recently drawn last.
        self._strips: OrderedDict[str, CachedRow] = OrderedDict()
        #: The frame being drawn (`render_lines`), or None between frames.
        self._frame_drawn: Frame | None = None
        #: What each line on screen shows: line -> (job id, version, time bucket, cells).
        self._painted: dict[int, tuple[str, int, int, tuple[str, ...]]] = {}
        #: Row strips built (cache misses): tests and benchmarks read it.
        self.rows_rendered = 0
        #: The scroll position, drawn in the last column.
        self._mark = scroll_mark.ScrollMark()
        #: Parsed cells, shared by the rows (a redraw parses only the cells that changed).
        self.cell_cache = CellCache()
        #: Why the table is empty (offline, nothing loaded, the filter hides all): drawn
        #: where the first row would be.
        self.empty_reason = ""
        #: Several accounts: the Account column's width and each row key's cell markup.
        self._account_width = 0
        self._account_cell: Callable[[str], str] | None = None
        #: Draws ahead once the cursor rests (`_draw_ahead_when_cursor_rests`), made on first use.
        self._rest_timer: Timer | None = None
        #: The rows being drawn ahead (`_draw_ahead`); a newer call replaces it.
        self._drawing_ahead: Worker[None] | None = None
        #: What moved the view last ("sort" or "page"): its next rows are drawn ahead first.
        self._last_move = "page"

    def show_accounts(self, width: int, cell: Callable[[str], str]) -> None:
        """Add the Account column (first): `cell` gives a row key's markup."""
        self._account_width, self._account_cell = width, cell
        self._layout = layout_for(self._terminal_width, self._layout_room or None, width, self.api)
        self._strips.clear()
        self.refresh()

    def _account_markup(self, job_id: str) -> str:
        return self._account_cell(job_id) if self._account_cell is not None else ""

    def set_empty_reason(self, text: str) -> None:
        if text != self.empty_reason:
            self.empty_reason = text
            if not len(self.view):
                self.refresh()

    # ------------------------------------------------------------------ reading

    @property
    def row_count(self) -> int:
        return len(self.view)

    @property
    def cursor_job_id(self) -> str | None:
        return self.view.job_id_at(self.cursor_row)

    @property
    def sort_key(self) -> str:
        return self.view.sort_key

    @property
    def sort_reverse(self) -> bool:
        return self.view.reverse

    @property
    def column_keys(self) -> tuple[str, ...]:
        return self._layout.keys

    def next_sort_key(self) -> str:
        """The sort key `s` goes to: the columns in their order on screen, then the sort keys
        with no column on screen."""
        on_screen = [k for k in self.column_keys if k in SORT_KEYS]
        keys = on_screen or list(SORT_KEYS)
        index = keys.index(self.sort_key) if self.sort_key in keys else -1
        return keys[(index + 1) % len(keys)]

    @property
    def job_filter_text(self) -> str:
        return self.view.filter_text

    def job_id_at(self, row: int) -> str | None:
        return self.view.job_id_at(row)

    def cell_text(self, job_id: str, column: str) -> str:
        """The plain text of one cell of a job's row (whether on screen or not)."""
        entry = self.store.get(job_id)
        if entry is None:
            return ""
        values = row_cells(
            entry,
            self.store.now(),
            (column,),
            *self._cell_widths(),
            account=self._account_markup(job_id),
        )
        return Text.from_markup(values[column]).plain

    @property
    def _rows_on_screen(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    @property
    def _width(self) -> int:
        """The columns' room: the view, less the scroll mark's column."""
        return max(self.scrollable_content_region.width - scroll_mark.WIDTH, 0)

    @property
    def _top(self) -> int:
        return int(self.scroll_y)

    def drawn_job_ids(self) -> frozenset[str]:
        """Job ids whose rows are in the row cache (tests and benchmarks read it)."""
        return frozenset(self._strips)

    def drawn_row(self, job_id: str) -> Strip | None:
        """The row strip cached for `job_id` (tests read it: the same object when a frame
        found the row in the cache)."""
        cached = self._strips.get(job_id)
        return None if cached is None else cached.strip

    def visible_job_ids(self) -> frozenset[str]:
        """Job ids of the rows on screen (the engine refreshes them first under a budget)."""
        return frozenset(self.view.ids_between(self._top, self._top + self._rows_on_screen))

    # ------------------------------------------------------------------ layout

    def setup_columns(self, width: int) -> None:
        """Columns for a terminal `width` (tiers), fitted to the room the table has."""
        self._terminal_width = width
        self._fit(self._width or width)

    def _fit(self, room: int) -> None:
        self._layout_room = room
        layout = layout_for(self._terminal_width, room, self._account_width, self.api)
        if layout != self._layout:
            self._layout = layout
            self._strips.clear()
            self._update_virtual_size()
            self.refresh()

    def _update_virtual_size(self) -> None:
        # As wide as the table: it never scrolls sideways (the name column takes the room).
        self.virtual_size = Size(self._width, len(self.view) + 1)

    def _cell_widths(self) -> tuple[int, int]:
        progress = self._layout.width_of("progress", cells.BAR_WIDTH + 5)
        return max(3, progress - 5), self._layout.width_of("name", 40)

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def _screen_changed(self, screen: Screen[object]) -> None:
        if self._in_sight():
            # Back from a screen that covered the table: the rows that changed meanwhile.
            self._refresh_changed_lines()

    def _in_sight(self) -> bool:
        """The table can be seen: its screen is on top, or under a dialog."""
        try:
            top = self.app.screen
            return top is self.screen or top.is_modal
        except (ScreenStackError, NoScreen):  # the app is closing
            return False

    def on_resize(self, event: events.Resize) -> None:
        self.setup_columns(self._terminal_width)
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    # ------------------------------------------------------------------ changes

    def sync(self) -> None:
        """Catch up with the view: repaint what changed on screen, nothing else."""
        view = self.view
        if view.order_version != self._order_seen:
            self._order_seen = view.order_version
            self._stop_drawing_ahead()  # rows of the old order: the new frame comes first
            self._update_virtual_size()
            self._restore_cursor()
            self.refresh()
            self.call_after_refresh(self._draw_ahead)
            return
        self._refresh_changed_lines()

    def _restore_cursor(self) -> None:
        size = len(self.view)
        row = self.view.row_of(self._cursor_id) if self._cursor_id is not None else None
        if row is None:
            row = min(self.cursor_row, max(size - 1, 0))
        self._set_cursor(row, scroll=row != self.cursor_row)

    def _refresh_changed_lines(self) -> None:
        """Repaint the cells on screen whose text changed, and only those: a terminal update
        then carries a few cells, not whole lines (what a steady refresh costs over SSH).

        Nothing while another screen covers the table (the detail screen; a dialog leaves it
        in sight): the rows that changed are repainted when its screen comes back."""
        if not self._in_sight():
            return
        entries = self.store.entries
        frame = self._frame()
        bucket = frame.second
        top = self._top
        regions: list[Region] = []  # one `refresh` for all: each call costs ~60 µs
        for y, job_id in enumerate(self.view.ids_between(top, top + self._rows_on_screen), 1):
            entry = entries.get(job_id)
            if entry is None:
                continue
            painted = self._painted.get(y)
            if painted is None or painted[0] != job_id:
                regions.append(Region(0, y, self._width, 1))
                continue
            moves = bucket if moves_with_time(entry) else 0
            if painted[1] == entry.version and painted[2] == moves:
                continue  # nothing new for this row
            # Drawn now (and cached): the repaint that follows finds it.
            values = self._row(entry, job_id, frame).values
            x = 0
            for width, old, new in zip(self._layout.widths, painted[3], values, strict=False):
                cell = width + 2 * PADDING
                if old != new:
                    regions.append(Region(x, y, cell, 1))
                x += cell
            self._painted[y] = (job_id, entry.version, moves, values)
        if regions:
            self.refresh(*regions)

    def tick(self) -> None:
        """Time moves: running durations, ETAs and stale ages of the visible rows."""
        self._refresh_changed_lines()

    def set_sort(self, key: str, reverse: bool | None = None) -> None:
        self._last_move = "sort"
        self.view.set_sort(key, reverse)
        self.sync()

    # ------------------------------------------------------------------ drawing

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles, the clock and the day are read once for all the lines of a frame.
        self._frame_drawn = self._frame()
        try:
            return super().render_lines(crop)
        finally:
            self._frame_drawn = None

    def _frame(self) -> Frame:
        now = self.store.now()
        base = self.rich_style
        thumb = self._thumb_rows()
        return Frame(
            now,
            int(now.timestamp()),
            now.toordinal(),
            base,
            self.get_component_rich_style("jobs-table--cursor"),
            self._width,
            self._top,
            not DATED.isdisjoint(self._layout.keys),
            thumb,
            self._mark.cells(self, base),
        )

    def _thumb_rows(self) -> range:
        # The mark moves only with a scroll or a change of the rows shown; both repaint the
        # whole view (a change of the rows shown is a change of order: `sync`).
        return scroll_mark.thumb_rows(self._rows_on_screen, len(self.view), self._top)

    def render_line(self, y: int) -> Strip:
        frame = self._frame_drawn or self._frame()
        width = frame.width
        if y == 0 and width != self._layout_room:
            # The room changed without a resize (a scrollbar came or went): fit the columns.
            self._fit(width)
            frame = self._frame()
            if self._frame_drawn is not None:
                self._frame_drawn = frame
        base = frame.base
        if y == 0:
            header = self._header_strip().adjust_cell_length(width, base).apply_style(base)
            return header.adjust_cell_length(width + scroll_mark.WIDTH, base)
        cell = frame.mark[0] if y - 1 in frame.thumb else frame.mark[1]
        row = frame.top + y - 1
        job_id = self.view.job_id_at(row)
        entry = self.store.get(job_id) if job_id is not None else None
        if job_id is None or entry is None:
            self._painted.pop(y, None)
            if y == 1 and not len(self.view) and self.empty_reason:
                note = Text(f" {inert(self.empty_reason)}", style="italic", end="")
                note.truncate(width, overflow="ellipsis")
                strip = Strip(note.render(self.app.console), note.cell_len)
                return Strip.join((strip.adjust_cell_length(width).apply_style(base), cell))
            return Strip.join((Strip.blank(width, base), cell))
        cached = self._row(entry, job_id, frame)
        bucket = frame.second if moves_with_time(entry) else 0
        self._painted[y] = (job_id, entry.version, bucket, cached.values)
        strip = cached.strip.adjust_cell_length(width).apply_style(base)
        if row == self.cursor_row:
            mark = cached.cursor
            if mark is None or mark[0] != base or mark[1] != frame.cursor:
                styled = Strip(Segment.apply_style(strip, None, frame.cursor), strip.cell_length)
                mark = cached.cursor = (base, frame.cursor, styled)
            strip = mark[2]
        cached.marked = scroll_mark.beside(strip, cell, cached.marked)
        return cached.marked[2]

    def _row_key(self, entry: JobEntry, job_id: str, frame: Frame) -> tuple[object, ...]:
        """What a row's cells are made of: the same key, the same cells."""
        layout = self._layout
        return (
            layout,
            entry.version,
            frame.second if moves_with_time(entry) else 0,
            frame.day if frame.dated else 0,
            self._account_markup(job_id) if self._account_width else "",
        )

    def _row(self, entry: JobEntry, job_id: str, frame: Frame) -> CachedRow:
        """The row as drawn, from the cache when its key is the same (no cell is formatted),
        else drawn from its cells' segments and cached."""
        key = self._row_key(entry, job_id, frame)
        strips = self._strips
        cached = strips.get(job_id)
        if cached is not None and cached.key == key:
            strips.move_to_end(job_id)
            return cached
        values = self._row_values(entry, job_id, frame.now)
        if cached is not None and cached.values == values and cached.key[0] == key[0]:
            # The key moved (a second passed) but the cells read the same: keep the strip.
            cached.key = key
            strips.move_to_end(job_id)
            return cached
        cached = CachedRow(key, values, self._row_strip(values))
        strips[job_id] = cached
        strips.move_to_end(job_id)
        if len(strips) > STRIP_CACHE:
            strips.popitem(last=False)
        return cached

    def _row_values(self, entry: JobEntry, job_id: str, now: datetime) -> tuple[str, ...]:
        bar, name = self._cell_widths()
        account = self._account_markup(job_id) if self._account_width else ""
        values = row_cells(entry, now, self._layout.keys, bar, name, account)
        return tuple(values.values())

    def _row_strip(self, values: tuple[str, ...]) -> Strip:
        """The row drawn from its cells' rendered segments, joined like one line of text (the
        same segments `Text.render` gives for the whole row)."""
        self.rows_rendered += 1
        console = self.app.console
        padding, pad_length = self.cell_cache.segments(" " * PADDING, PADDING, console)
        drawn = self.cell_cache.segments
        segments: list[Segment] = []
        length = 0
        for width, value in zip(self._layout.widths, values, strict=True):
            cell, cell_length = drawn(value, width, console)
            segments += padding
            segments += cell
            segments += padding
            length += cell_length + 2 * pad_length
        return Strip(Segment.simplify(segments), length)

    def _header_strip(self) -> Strip:
        style = self.get_component_rich_style("jobs-table--header")
        line = Text(no_wrap=True, end="", style=style)
        for spec, width in zip(self._layout.specs, self._layout.widths, strict=True):
            label = spec.label
            if spec.key == self.view.sort_key:
                label += " ▼" if self.view.reverse else " ▲"
            cell = Text(label, end="")
            cell.truncate(width, overflow="ellipsis", pad=True)
            line.append(" " * PADDING)
            line.append_text(cell)
            line.append(" " * PADDING)
        header = Strip(line.render(self.app.console), line.cell_len)
        return header.adjust_cell_length(self._width, style)

    # ------------------------------------------------------------------ the cursor

    def _set_cursor(self, row: int, *, scroll: bool = True) -> None:
        size = len(self.view)
        row = min(max(row, 0), max(size - 1, 0))
        old_row, old_id = self.cursor_row, self._cursor_id
        self.cursor_row = row
        self._cursor_id = self.view.job_id_at(row)
        if old_row != row:
            self._refresh_row(old_row)
            self._refresh_row(row)
        if scroll:
            self._scroll_cursor_into_view()
        if self._cursor_id != old_id:
            # Straight to the app (its status line names the job), not bubbled up through the
            # screen: bubbled, it arrived after the frame that moved the cursor, and the status
            # line followed a frame (median 8 ms) later: two frames for every key.
            self.app.post_message(self.CursorMoved(self._cursor_id))
            self._stop_drawing_ahead()  # the frame the key waits for comes first
            self._draw_ahead_when_cursor_rests()

    def _refresh_row(self, row: int) -> None:
        y = row - self._top + 1
        if 1 <= y <= self._rows_on_screen:
            self.refresh(Region(0, y, self._width, 1))

    def _scroll_cursor_into_view(self) -> None:
        top = self._top_showing(self.cursor_row)
        if top != self._top:
            self.scroll_to(y=top, animate=False)

    def _top_showing(self, row: int) -> int:
        """The top row once the view has scrolled the least to show `row`."""
        top, height = self._top, self._rows_on_screen
        if row < top:
            return row
        if row >= top + height:
            return row - height + 1
        return top

    def move_cursor(self, row: int) -> None:
        self._set_cursor(row)

    def jump_to(self, job_id: str) -> bool:
        row = self.view.row_of(job_id)
        if row is None:
            return False
        self._set_cursor(row)
        return True

    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self._set_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self._last_move = "page"
        page = self._rows_on_screen
        self.scroll_to(y=self._top + page, animate=False)
        self._set_cursor(self.cursor_row + page)

    def action_page_up(self) -> None:
        self._last_move = "page"
        page = self._rows_on_screen
        self.scroll_to(y=max(self._top - page, 0), animate=False)
        self._set_cursor(self.cursor_row - page)

    def action_top(self) -> None:
        self._set_cursor(0)

    def action_bottom(self) -> None:
        self._set_cursor(len(self.view) - 1)

    def action_select(self) -> None:
        job_id = self.cursor_job_id
        if job_id is not None:
            self.post_message(self.JobChosen(job_id))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        row = self._top + event.y - 1
        if row >= len(self.view):
            return
        if row == self.cursor_row:
            self.action_select()
        else:
            self._set_cursor(row, scroll=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        self._painted.clear()
        super().watch_scroll_y(old_value, new_value)
        # Once this position is on screen, the pages above and below are drawn ahead.
        self.call_after_refresh(self._draw_ahead)

    def rest_again(self) -> None:
        """Count the cursor as resting from now on (the table is back in sight, a screen
        over it closed): `CursorRested` follows after `CURSOR_RESTS` without a move."""
        self._draw_ahead_when_cursor_rests()

    def _draw_ahead_when_cursor_rests(self) -> None:
        """Draw ahead once the cursor has stayed on a job for `CURSOR_RESTS` seconds (not on
        every row a held key passes)."""
        timer = self._rest_timer
        if timer is None:
            timer = self.set_interval(CURSOR_RESTS, self._cursor_rested, pause=True)
            self._rest_timer = timer
        timer.reset()
        timer.resume()

    def _cursor_rested(self) -> None:
        if self._rest_timer is not None:
            self._rest_timer.pause()
        if self._cursor_id is not None:
            self.post_message(self.CursorRested(self._cursor_id))
        self._draw_ahead()

    def _draw_ahead(self) -> None:
        """Draw into the cache the rows a page down or up would show, and those `s` would
        show (the next sort key's rows around the cursor's job), a slice at a time between
        other work; the rows a page or sort key brings are otherwise all drawn in the frame
        it waits for."""
        if not self._in_sight():
            return
        top, page = self._top, self._rows_on_screen
        pages = [
            *self.view.ids_between(top + page, top + 2 * page),
            *self.view.ids_between(max(top - page, 0), top),
        ]
        # The rows of the kind of move made last first (keys come in runs: pages, sorts).
        sort = self._sort_ahead_ids()
        ids = [*sort, *pages] if self._last_move == "sort" else [*pages, *sort]

        async def draw() -> None:  # a callable: a worker cancelled unstarted makes no coroutine
            await self._draw_rows(ids)

        self._drawing_ahead = self.run_worker(
            draw, group="draw-ahead", exclusive=True, exit_on_error=False
        )

    def _stop_drawing_ahead(self) -> None:
        if self._drawing_ahead is not None:
            self._drawing_ahead.cancel()
            self._drawing_ahead = None

    def _sort_ahead_ids(self) -> list[str]:
        """The rows on screen after `s`: the view scrolled as `set_sort` scrolls it to keep
        the cursor's job in sight."""
        key = self.next_sort_key()
        reverse = self.view.reverse_for(key)
        row = self.view.row_in(key, reverse, self._cursor_id)
        if row is None:
            return []
        top = self._top_showing(row)
        return self.view.ids_in(key, reverse, top, top + self._rows_on_screen)

    async def _draw_rows(self, job_ids: list[str]) -> None:
        entries = self.store.entries
        for start in range(0, len(job_ids), DRAW_AHEAD_SLICE):
            if not self._in_sight():
                return
            frame = self._frame()
            for job_id in job_ids[start : start + DRAW_AHEAD_SLICE]:
                entry = entries.get(job_id)
                if entry is not None:
                    self._row(entry, job_id, frame)
            await asyncio.sleep(0.001)  # the terminal's threads get their turn too
