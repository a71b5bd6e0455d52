"""`JobsTable`: one row per job, keyed by job Id, reconciled in place.

Rows are never cleared and rebuilt on a refresh: changed cells are updated, new jobs added,
jobs that stop matching the filter removed, and the cursor put back on the job it was on
(DataTable.sort keeps the cursor *index*, not the row). Column sets follow the terminal width
so that 80 columns stay readable.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, Row, RowDoesNotExist, RowKey

from amstui.monitor.store import JobEntry, JobStore
from amstui.ui import cells
from amstui.ui.job_filter import JobFilter


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
SORTABLE = ("created", "state", "name", "progress", "duration", "priority", "eta", "id")
MIN_NAME = 12
#: The 1 s tick leaves alone rows whose cells were computed less than this long ago.
TICK_SKIP = 0.9


def sort_value(entry: JobEntry, key: str, now: datetime) -> Any:
    """The value rows sort by for a sort key (comparable across all jobs)."""
    job = entry.job
    if key == "state":
        return cells.state_rank(job.state, entry.gone)
    if key == "name":
        return job.name.lower()
    if key == "progress":
        return job.progress if job.progress is not None else -1.0
    if key == "duration":
        elapsed = job.elapsed(now)
        return elapsed.total_seconds() if elapsed is not None else -1.0
    if key == "priority":
        return job.priority
    if key == "eta":
        eta = entry.eta(now)
        return eta.total_seconds() if eta is not None else float("inf")
    if key == "id":
        return job.id
    return created_key(entry)


_NEVER = datetime.min.replace(tzinfo=UTC)


def created_key(entry: JobEntry) -> datetime:
    return entry.job.created or _NEVER


def columns_for(width: int) -> tuple[ColumnSpec, ...]:
    return tuple(c for c in COLUMNS if c.min_terminal <= width < c.max_terminal)


def row_cells(
    entry: JobEntry,
    now: datetime,
    keys: Iterable[str],
    bar_width: int = cells.BAR_WIDTH,
    name_width: int = 40,
) -> dict[str, str]:
    """The markup of each cell of a job's row."""
    job = entry.job
    running = not job.is_final and not entry.gone
    values: dict[str, str] = {}
    for key in keys:
        if key == "state":
            values[key] = cells.state_cell(job.state, entry.gone)
        elif key == "name":
            values[key] = cells.name_cell(job.name, name_width)
        elif key == "progress":
            values[key] = cells.progress_cell(job.progress, job.state, bar_width)
        elif key == "tasks":
            total = len(job.tasks) if job.tasks is not None else None
            values[key] = cells.tasks_cell(job.tasks_done, total)
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
                else cells.duration_cell(job.elapsed(now), running)
            )
        elif key == "eta":
            values[key] = cells.duration(entry.eta(now))
        elif key == "id":
            values[key] = cells.id_cell(job.id)
    return values


class JobsTable(DataTable[str]):
    """The live jobs table. The app calls `reconcile` with the ids that changed."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "top", "Top", show=False, id="table.top"),
        Binding("G", "bottom", "Bottom", show=False, id="table.bottom"),
    ]

    def __init__(self, store: JobStore, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, id=id)
        self.store = store
        self.job_filter: JobFilter | None = None
        self.sort_key = "created"
        self.sort_reverse = True  # newest first
        self._specs: tuple[ColumnSpec, ...] = ()
        self._shown: set[str] = set()  # job ids with a row
        #: Each job's latest cells and their signature (plain text + style), shown or not.
        self._cells: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {}
        self._computed_at: dict[str, float] = {}
        self._offsets_cache: tuple[object, int, list[tuple[RowKey, int]]] | None = None
        self._offscreen_changes = False
        #: Rows changed on screen since the last frame: row key -> row index.
        self._dirty_rows: dict[RowKey, int] = {}

    # ------------------------------------------------------------------ columns

    def _name_width(self, width: int) -> int:
        others = sum(c.width + 2 * self.cell_padding for c in self._specs if c.key != "name")
        return max(MIN_NAME, width - others - 2 * self.cell_padding - 2)

    def setup_columns(self, width: int) -> None:
        specs = columns_for(width)
        if specs == self._specs and self.columns:
            name = self.columns.get(ColumnKey("name"))
            if name is not None and name.width != self._name_width(width):
                # Names are cut to the column width with an ellipsis: redraw them all.
                name.width = self._name_width(width)
                self._cells.clear()
                self._require_update_dimensions = True
                self.rebuild()
            return
        self._specs = specs
        self.clear(columns=True)
        self._shown.clear()
        self._cells.clear()
        for spec in specs:
            label = spec.label
            self.add_column(label, width=spec.width or self._name_width(width), key=spec.key)
        self._label_columns()
        self.rebuild()

    @property
    def _y_offsets(self) -> list[tuple[RowKey, int]]:
        """DataTable rebuilds this list of every row on each render after any cell update
        (its cache is keyed by the update count): O(rows) per frame. Every row here is one
        line high, so the list only changes when the rows or their order change; the cache
        holds the row-location mapping itself, which sort, add and remove replace or grow."""
        locations = self._row_locations
        cached = self._offsets_cache
        if cached is not None and cached[0] is locations and cached[1] == len(locations):
            return cached[2]
        get_key = locations.get_key
        offsets = [(get_key(index), 0) for index in range(len(locations))]
        self._offsets_cache = (locations, len(locations), offsets)  # type: ignore[assignment]
        return offsets  # type: ignore[return-value]

    @property
    def _bar_width(self) -> int:
        progress = next((c for c in self._specs if c.key == "progress"), None)
        return max(3, progress.width - 5) if progress else cells.BAR_WIDTH

    @property
    def _name_width_now(self) -> int:
        name = self.columns.get(ColumnKey("name"))
        return name.width if name is not None else 40

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self._specs)

    # ------------------------------------------------------------------ rows

    @property
    def cursor_job_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        except Exception:
            return None
        return key.value

    def _matches(self, entry: JobEntry) -> bool:
        return self.job_filter is None or self.job_filter(entry.job)

    def _restore_cursor(self, job_id: str | None) -> None:
        if job_id is None or not self.row_count:
            return
        try:
            index = self.get_row_index(RowKey(job_id))
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)

    def _cells_for(
        self, job_id: str, entry: JobEntry, now: datetime, *, reuse: bool = False
    ) -> tuple[dict[str, str], tuple[str, ...]]:
        """The row's cells and their signature; a final job's cached cells are reused."""
        cached = self._cells.get(job_id)
        if reuse and cached is not None and entry.job.is_final and entry.stale_since is None:
            return cached
        values = row_cells(entry, now, self.column_keys, self._bar_width, self._name_width_now)
        self._computed_at[job_id] = time.monotonic()
        return values, tuple(values.values())

    def refilter(self) -> None:
        """Apply a new filter with the fewest row changes: rows that no longer match go in
        one pass (the order of the others is kept), rows that now match are added."""
        keep = self.cursor_job_id
        now = self.store.now()
        wanted = {i for i, e in self.store.entries.items() if self._matches(e)}
        gone = self._shown - wanted
        if gone:
            self._bulk_remove(gone)
        added: list[tuple[str, dict[str, str]]] = []
        for job_id in wanted - self._shown:
            entry = self.store.entries[job_id]
            values, signature = self._cells_for(job_id, entry, now, reuse=True)
            self._cells[job_id] = (values, signature)
            self._shown.add(job_id)
            added.append((job_id, values))
        if added:
            self._bulk_add(added)
            self._sort()
        self._restore_cursor(keep)

    def _bulk_remove(self, job_ids: set[str]) -> None:
        order = [
            key
            for key in (self._row_locations.get_key(i) for i in range(self.row_count))
            if key is not None and key.value not in job_ids
        ]
        for job_id in job_ids:
            key = RowKey(job_id)
            self._data.pop(key, None)
            self.rows.pop(key, None)
        self._shown -= job_ids
        self._row_locations = TwoWayDict({key: index for index, key in enumerate(order)})
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = self.cursor_coordinate
        self.check_idle()
        self.refresh()

    def rebuild(self) -> None:
        """All rows again (after a filter or column change); the cursor stays on its job.

        Rows are added in bulk: DataTable.add_row measures every cell for auto-width
        columns, which ours are not, and costs ~90 µs a row; 10,000 rows would block the
        UI for a second on every keystroke in the filter.
        """
        keep = self.cursor_job_id
        self.clear(columns=False)
        self._shown.clear()
        now = self.store.now()
        rows: list[tuple[str, dict[str, str]]] = []
        for job_id, entry in self.store.entries.items():
            if self._matches(entry):
                values, signature = self._cells_for(job_id, entry, now, reuse=True)
                self._cells[job_id] = (values, signature)
                self._shown.add(job_id)
                rows.append((job_id, values))
        self._bulk_add(rows)
        self._sort()
        self._restore_cursor(keep)

    def _bulk_add(self, rows: list[tuple[str, dict[str, str]]]) -> None:
        if not rows:
            return
        column_keys = [column.key for column in self.ordered_columns]
        start = self.row_count
        locations, data, table_rows = self._row_locations, self._data, self.rows
        for offset, (job_id, values) in enumerate(rows):
            key = RowKey(job_id)
            locations[key] = start + offset
            data[key] = dict(zip(column_keys, values.values(), strict=True))
            table_rows[key] = Row(key, 1, None, False)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        self._update_count += 1
        self.check_idle()
        self.refresh()

    def reconcile(self, job_ids: Iterable[str]) -> None:
        """Bring the rows of `job_ids` up to date with the store."""
        keep = self.cursor_job_id
        now = self.store.now()
        resort = False
        new_rows: list[tuple[str, dict[str, str]]] = []
        for job_id in job_ids:
            entry = self.store.get(job_id)
            present = job_id in self._shown
            if entry is None:
                continue
            if not self._matches(entry):
                self._cells[job_id] = self._cells_for(job_id, entry, now)
                if present:
                    self.remove_row(job_id)
                    self._shown.discard(job_id)
                continue
            if not present:
                values, signature = self._cells_for(job_id, entry, now)
                self._cells[job_id] = (values, signature)
                self._shown.add(job_id)
                new_rows.append((job_id, values))
                continue
            resort |= self._update(job_id, entry, now)
        if new_rows:
            self._bulk_add(new_rows)
            resort = True
        if resort:
            self._sort()
        self._restore_cursor(keep)

    def _update(self, job_id: str, entry: JobEntry, now: datetime) -> bool:
        """Update the cells that changed; True if the row may have to move."""
        values, signature = self._cells_for(job_id, entry, now)
        old = self._cells.get(job_id)
        self._cells[job_id] = (values, signature)
        if old is not None and old[1] == signature:
            return False
        changed_sort = self.sort_key not in self.column_keys
        for index, (key, value) in enumerate(values.items()):
            if old is None or old[1][index] != signature[index]:
                self._set_cell(job_id, key, value)
                changed_sort |= key == self.sort_key
        return changed_sort

    def _set_cell(self, job_id: str, column: str, value: str) -> None:
        """Like DataTable.update_cell, but repaint only that cell, not the whole table: over
        SSH a one-second tick would otherwise resend every visible row."""
        row_key = RowKey(job_id)
        column_key = ColumnKey(column)
        self._data[row_key][column_key] = value
        row = self._row_locations.get(row_key)
        col = self._column_locations.get(column_key)
        if row is None or col is None:
            self._update_count += 1
            self.refresh()
            return
        # DataTable.refresh_coordinate sums the heights of all rows above (O(rows)); every
        # row here is one line high, so the cell's region is known directly.
        columns = self.ordered_columns
        x = sum(c.get_render_width(self) for c in columns[:col]) + self._row_label_column_width
        y = row + (self.header_height if self.show_header else 0)
        region = Region(x, y, columns[col].get_render_width(self), 1)
        if not self.window_region.overlaps(region):
            # Off screen: no repaint, and the render caches of the visible rows stay valid
            # (bumping the update count would re-render every visible row on the next frame).
            # They are invalidated when the view moves (scroll, resize).
            self._offscreen_changes = True
            return
        # On screen: forget only this row's cached rendering (evicted before the next frame,
        # see render_lines) rather than bumping the update count, which would make the next
        # frame re-render every visible cell.
        self._dirty_rows[row_key] = row
        self._refresh_region(region)

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._dirty_rows:
            self._evict_dirty_rows()
        return super().render_lines(crop)

    def _evict_dirty_rows(self) -> None:
        dirty, self._dirty_rows = self._dirty_rows, {}
        indexes = set(dirty.values())
        header = self.header_height if self.show_header else 0
        lines = {index + header for index in indexes}
        count = self._update_count
        for index in indexes:
            self._row_renderable_cache.discard((count, index))
        for key in list(self._cell_render_cache.keys()):
            if key[0] in dirty:
                self._cell_render_cache.discard(key)
        for row_key in list(self._row_render_cache.keys()):
            if row_key[0] in dirty:
                self._row_render_cache.discard(row_key)
        for line_key in list(self._line_cache.keys()):
            if line_key[0] in lines:
                self._line_cache.discard(line_key)

    def _view_moved(self) -> None:
        if self._offscreen_changes:
            self._offscreen_changes = False
            self._update_count += 1
            self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        self._view_moved()
        super().watch_scroll_y(old_value, new_value)

    def on_resize(self) -> None:
        self._view_moved()

    def tick(self) -> None:
        """Time moves: running durations, ETAs and stale ages of the visible active rows
        (those a refresh did not just redraw: one repaint a second, not two)."""
        now = self.store.now()
        keep = self.cursor_job_id
        resort = False
        recent = time.monotonic() - TICK_SKIP
        # Only the rows on screen: a row scrolled into view catches up on the next tick, and
        # thousands of running jobs must not stall the UI once a second.
        for job_id in self.visible_job_ids():
            entry = self.store.get(job_id)
            if entry is None:
                continue
            if entry.job.is_final and entry.stale_since is None:
                continue
            if self._computed_at.get(job_id, 0.0) > recent:
                continue
            resort |= self._update(job_id, entry, now)
        if resort:
            self._sort()
            self._restore_cursor(keep)

    def _sort(self) -> None:
        # Sorted through the store, not the cells, so that any key works whichever columns
        # the terminal width leaves on screen (the id cell carries the job id).
        if not self.row_count:
            return
        entries = self.store.entries
        now = self.store.now()
        by = self.sort_key

        def key(row_key: RowKey) -> tuple[Any, ...]:
            entry = entries.get(row_key.value or "")
            if entry is None:
                return ((), _NEVER)
            return (sort_value(entry, by, now), created_key(entry))

        # DataTable.sort would do the same through its generic per-row key wrapper (twice as
        # slow on 10,000 rows); the row keys are sorted directly here.
        ordered = sorted(self._row_locations, key=key, reverse=self.sort_reverse)
        self._row_locations = TwoWayDict({row_key: i for i, row_key in enumerate(ordered)})
        self._update_count += 1
        self.refresh()

    def set_sort(self, key: str, reverse: bool | None = None) -> None:
        keep = self.cursor_job_id
        if reverse is None:
            reverse = (
                not self.sort_reverse
                if key == self.sort_key
                else key in ("created", "progress", "duration", "priority")
            )
        self.sort_key, self.sort_reverse = key, reverse
        self._sort()
        self._restore_cursor(keep)
        self._label_columns()

    def _label_columns(self) -> None:
        for spec in self._specs:
            column = self.columns.get(ColumnKey(spec.key))
            if column is None:
                continue
            arrow = ""
            if spec.key == self.sort_key:
                arrow = " ▼" if self.sort_reverse else " ▲"
            column.label = Text(spec.label + arrow)
        self._require_update_dimensions = True
        self.refresh()

    def visible_job_ids(self) -> frozenset[str]:
        """Job ids of the rows on screen (the engine refreshes them first under a budget)."""
        top = int(self.scroll_y)
        height = max(self.size.height - 1, 1)
        ids = []
        for index in range(top, min(top + height, self.row_count)):
            try:
                ids.append(self.coordinate_to_cell_key(Coordinate(index, 0)).row_key.value)
            except Exception:
                break
        return frozenset(i for i in ids if i)

    def action_top(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_bottom(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def jump_to(self, job_id: str) -> bool:
        try:
            index = self.get_row_index(RowKey(job_id))
        except RowDoesNotExist:
            return False
        self.move_cursor(row=index)
        return True
