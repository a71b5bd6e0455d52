"""The detail pane of one job: timing fields, tasks, and the raw OData responses with request
timing, updated live while open (`enter` opens it, `esc` goes back).

A v3 job (ARM or MK.IO) shows its outputs where a v2 job shows tasks (each with its error's
code, category, retry and details), a Job section (transform, inputs, correlationData, creator,
description), and its raw ARM/MK.IO JSON with the ARM request ids and the reads remaining."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from amstui.ams.exchange import Exchange
from amstui.ams.model import Job
from amstui.monitor import labels
from amstui.monitor.inert_text import inert
from amstui.monitor.job_view import JobView
from amstui.monitor.store import JobEntry, JobStore
from amstui.ui import cells
from amstui.ui.detail_lines import Block, DetailLines, RenderedBlock, Section, TextLinesBlock
from amstui.ui.jobs_table import moves_with_time
from amstui.ui.key_footer import KeyFooter
from amstui.ui.label_rows import LabelRows
from amstui.ui.messages import DetailClosed, JobsChanged, RefreshJob

MAX_JSON_CHARS = 200_000
#: Cells before the lines under a task, and before the rows under a v3 output.
TASK_INDENT = 3
OUTPUT_INDENT = 3


def timing_table(entry: JobEntry, now: datetime) -> LabelRows:
    job = entry.job
    table = LabelRows()
    running = f"{job.running_duration_ms:,.0f} ms"
    if job.running_duration_ms:
        running += f"  ({cells.duration(timedelta(milliseconds=job.running_duration_ms))})"
    rows: list[tuple[str, Text | str]] = [
        ("State", state_text(job, entry.gone)),
        ("Progress", Text.from_markup(cells.progress_cell(job.progress, job.state))),
        ("Priority", Text(inert(job.priority_text or str(job.priority)))),
        ("Created", cells.timestamp(job.created)),
        ("StartTime", cells.timestamp(job.start_time)),
        ("EndTime", cells.timestamp(job.end_time)),
        ("LastModified", cells.timestamp(job.last_modified)),
        ("Queue wait", cells.duration(job.queue_wait) or "—"),
        ("Elapsed", cells.duration(entry.elapsed(now)) or "—"),
        ("ETA", cells.duration(entry.eta(now)) or "—"),
    ]
    if job.outputs is None:  # v3 jobs have no RunningDuration
        rows.insert(7, ("RunningDuration", running))
    stale = entry.stale_for(now)
    if stale is not None:
        rows.append(("Stale", Text(f"last refresh failed {cells.duration(stale)} ago", "bold red")))
    if entry.gone:
        rows.append(("Gone", Text("no longer on the server (404 or purged)", "bold red")))
    for label, value in rows:
        table.add_row(label, value)
    return table


def state_text(job: Job, gone: bool = False) -> Text:
    """The state cell; a v3 job that finished with a failed output says so in words."""
    text = Text.from_markup(cells.job_state_cell(job, gone))
    if not gone and job.finished_with_failed_output:
        text = Text(f"{labels.FAILED_OUTPUT_GLYPH} {labels.job_state_word(job)}", "bold red")
    return text


def job_table(job: Job) -> LabelRows:
    """A v3 job's own fields: transform, inputs, correlationData, creator, description."""
    table = LabelRows()
    table.add_row("Transform", Text(inert(job.transform or "—")))
    table.add_row("Name", Text(inert(job.name) or "—"))
    inputs = Text("\n".join(inert(i) for i in job.inputs) if job.inputs else "—")
    table.add_row("Input" if len(job.inputs) <= 1 else "Inputs", inputs)
    table.add_row("Created by", Text(inert(job.created_by or "—")))
    table.add_row("Description", Text(inert(job.description) or "—"))
    pairs = "\n".join(inert(f"{key} = {value}") for key, value in job.correlation_data)
    table.add_row("correlationData", Text(pairs or "—"))
    if job.resource_id:
        table.add_row("Resource id", Text(inert(job.resource_id), "dim"))
    return table


def outputs_renderable(entry: JobEntry, now: datetime) -> RenderableType:
    """A v3 job's outputs: label, state, progress, times, and each failed one's error."""
    outputs = entry.job.outputs or ()
    if not outputs:
        return Text("no outputs", "dim")
    parts: list[RenderableType] = []
    for index, output in enumerate(outputs, 1):
        head = Text()
        head.append(f"{index}. ", "bold")
        head.append(inert(output.label) or f"output {index}", "bold")
        head.append("  ")
        head.append_text(Text.from_markup(cells.state_cell(output.state)))
        if output.state_text and output.state_text.lower() != output.state.label.lower():
            head.append(inert(f" ({output.state_text})"), "dim")
        head.append(f"  {output.progress}%")
        parts.append(head)
        # Indented label rows (they were a blank column, a dim label column and the value in
        # a `Table.grid`, and draw the same).
        under = LabelRows("dim", indent=OUTPUT_INDENT)
        if output.asset:
            under.add_row("Asset", Text(inert(output.asset)))
        under.add_row("Started", cells.timestamp(output.start_time))
        under.add_row("Ended", cells.timestamp(output.end_time))
        running = None
        if output.start_time is not None:
            running = (output.end_time or now) - output.start_time
        elapsed = cells.duration(running)
        if elapsed:
            under.add_row("Running", elapsed)
        error = output.error
        if error is not None:
            under.add_row("Error", Text(inert(f"✖ {error.code}: {error.message}"), "red"))
            under.add_row("Category", Text(inert(error.category or "—")))
            under.add_row("Retry", Text(inert(error.retry or "—")))
            for detail in error.details:
                under.add_row("Detail", Text(inert(f"{detail.code}: {detail.message}"), "red"))
        parts.append(under)
    return Group(*parts)


def tasks_renderable(entry: JobEntry, now: datetime) -> RenderableType:
    tasks = entry.job.tasks
    if tasks is None:
        return Text("tasks not fetched yet", "dim")
    if not tasks:
        return Text("no tasks", "dim")
    parts: list[RenderableType] = []
    for index, task in enumerate(tasks, 1):
        head = Text()
        head.append(f"{index}. ", "bold")
        head.append(inert(task.name) or "(no name)", "bold")
        head.append("  ")
        head.append_text(Text.from_markup(cells.state_cell(task.state)))
        head.append(f"  {task.progress:.1f}%  ")
        head.append(cells.duration(task.duration(now)) or "not started", "dim")
        parts.append(head)
        # Lines under a task are indented, and so are their wrapped continuations.
        under = LabelRows(indent=TASK_INDENT, gap=0)
        under.add_row("", Text(inert(f"{task.id}  processor {task.media_processor_id}"), "dim"))
        for err in task.error_details:
            under.add_row("", Text(inert(f"✖ {err.code}: {err.message}"), "red"))
        for event in task.historical_events:
            line = Text()
            line.append(cells.timestamp(event.timestamp), "dim")
            line.append(inert(f"  {event.code}"))
            if event.message:
                line.append(inert(f"  {event.message[:200]}"), "dim")
            under.add_row("", line)
        parts.append(under)
    return Group(*parts)


def exchange_head(exchange: Exchange, arm: bool = False) -> LabelRows:
    """One request's rows: request line, status, latency, request ids; `arm` (a v3 job) adds
    the ARM correlation id and the reads the subscription has left."""
    head = LabelRows()
    head.add_row("Request", Text(inert(exchange.request_line)))
    status = str(exchange.status) if exchange.status is not None else f"— ({exchange.error})"
    head.add_row("Status", Text(inert(status)))
    head.add_row("Latency", Text(f"{exchange.latency_s * 1000:.0f} ms"))
    head.add_row("request-id", Text(inert(exchange.header("request-id") or "—")))
    head.add_row("x-ms-request-id", Text(inert(exchange.header("x-ms-request-id") or "—")))
    if arm:
        correlation = exchange.header("x-ms-correlation-request-id") or "—"
        head.add_row("x-ms-correlation-request-id", Text(inert(correlation)))
        reads = exchange.header("x-ms-ratelimit-remaining-subscription-reads") or "—"
        head.add_row("Reads remaining", Text(inert(reads)))
    head.add_row("Fetched", Text(cells.timestamp(exchange.started_at)))
    if exchange.body_truncated:
        head.add_row("Body", "truncated at 1 MiB")
    return head


def body_lines(text: str) -> tuple[list[str], bool]:
    """A response body as the lines to show, and whether they are JSON to highlight: JSON
    pretty-printed (up to `MAX_JSON_CHARS`), anything else (or a longer body) as it came, cut
    at `MAX_JSON_CHARS`. Control and hiding characters become escapes; tabs become spaces."""
    try:
        data = json.loads(text)
    except ValueError:
        shown = inert(text[:MAX_JSON_CHARS], keep_lines=True).expandtabs(8)
        return (shown.split("\n") if shown else ["(empty body)"]), False
    if len(text) > MAX_JSON_CHARS:
        return inert(text[:MAX_JSON_CHARS], keep_lines=True).expandtabs(8).split("\n"), False
    pretty = json.dumps(data, indent=2, ensure_ascii=False)
    return inert(pretty, keep_lines=True).split("\n"), True


def exchange_blocks(exchange: Exchange, arm: bool = False) -> list[Block]:
    """One request and its answer: the head rows, a blank row, the body's lines."""
    lines, is_json = body_lines(exchange.body)
    return [
        RenderedBlock(exchange_head(exchange, arm)),
        RenderedBlock(Text("")),
        TextLinesBlock(lines, highlight=is_json),
    ]


class DetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("r", "refresh_job", "Refresh", id="detail.refresh"),
        Binding("J", "jump_raw", "Raw JSON", id="detail.raw"),
        Binding("T", "jump_top", "Top", show=False, id="detail.top"),
        Binding("c", "app.cancel_job", "Cancel job", id="detail.cancel"),
        Binding("y", "app.copy_id", "Copy id", id="detail.copy"),
        Binding("q", "app.quit", "Quit", id="detail.quit"),
    ]

    def __init__(self, store: JobStore, view: JobView, job_id: str = "") -> None:
        super().__init__()
        self.store = store
        self.view = view
        self.job_id = job_id
        #: The version of the job last drawn (a change to another job redraws nothing).
        self._drawn = -1
        self._raw_drawn: tuple[Exchange, ...] = ()
        self._title = Text()
        #: The clock when `job_id` was drawn out of sight (`prepare`); None once shown.
        self._prepared_at: datetime | None = None

    def show_job(self, job_id: str) -> None:
        """Point the (reused) screen at another job. The timing and tasks are drawn at once;
        the raw JSON a frame later (only its lines on screen are highlighted, when drawn)."""
        self.job_id = job_id
        self._prepared_at = None
        if self.is_mounted:
            lines = self.query_one(DetailLines)
            # A new job shows from its top: scrolled there first, so that no place in the
            # last job's lines is carried over to this one's.
            lines.scroll_home(animate=False, immediate=True)
            # No change of scrollable height until the raw response is drawn (`_render_raw`).
            lines.hold_height()
            self.render_job(raw=False)
            self._raw_drawn = ()
            self._set_raw([RenderedBlock(Text("…", "dim"))])
            self.call_after_refresh(self._render_raw)

    def prepare(self, job_id: str) -> None:
        """Draw `job_id` while out of sight (the cursor rests on it), so that opening it
        shows what is drawn (`is_ready_for`) instead of drawing it in the frame `enter` waits
        for: its sections took 4-5 ms of a 17 ms open at 100,000 jobs."""
        if not self.is_mounted or self in self.app.screen_stack or self.store.get(job_id) is None:
            return  # not built yet, or open (under a dialog too): what is read stays
        if self.is_ready_for(job_id):
            return  # drawn already (the raw response is the costly part to draw again)
        self.show_job(job_id)
        self._prepared_at = self.store.now()

    def is_ready_for(self, job_id: str) -> bool:
        """`job_id` was drawn by `prepare` and still reads the same: its record has not
        changed since, and nothing in it moves with the clock (a final job, not stale), or the
        clock has not moved a second (the screen's own tick redraws such a job every second)."""
        at, entry = self._prepared_at, self.store.get(job_id)
        if at is None or job_id != self.job_id or entry is None or entry.version != self._drawn:
            return False
        return not moves_with_time(entry) or (self.store.now() - at) < timedelta(seconds=1)

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield DetailLines(id="detail-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.view.subscribe(self._view_moved)
        self.set_interval(1.0, self._tick)
        self.render_job()

    def on_unmount(self) -> None:
        self.view.unsubscribe(self._view_moved)

    def on_screen_resume(self) -> None:
        self._prepared_at = None  # shown: scrolled and read from here on

    def on_screen_suspend(self) -> None:
        self.post_message(DetailClosed())

    def _view_moved(self) -> None:
        self.post_message(JobsChanged(self.view.version))

    def on_jobs_changed(self, event: JobsChanged) -> None:
        event.stop()
        entry = self.store.get(self.job_id)
        if self.is_current and entry is not None and entry.version != self._drawn:
            self.render_job()

    def _tick(self) -> None:
        # Elapsed time and ETA move with the clock while the job runs.
        entry = self.store.get(self.job_id)
        if self.is_current and entry is not None and not entry.job.is_final:
            self.render_job(raw=False)

    # ------------------------------------------------------------------ sections

    def section_text(self, name: str) -> str:
        """A section's plain text: `title`, `timing`, `tasks` (a v3 job's outputs), `job`
        (v3 only), `raw`; the heading of one with `NAME-title`; "" when not shown."""
        if name == "title":
            return self._title.plain
        lines = self.query_one(DetailLines)
        heading = name.endswith("-title")
        section = lines.section(name.removesuffix("-title"))
        if section is None:
            return ""
        if heading:
            return section.title
        return "\n".join(block.plain() for block in section.blocks)

    def section_names(self) -> tuple[str, ...]:
        """The sections shown, top to bottom."""
        return self.query_one(DetailLines).section_names()

    def render_job(self, raw: bool = True) -> None:
        entry = self.store.get(self.job_id)
        if entry is None:
            return
        self._drawn = entry.version
        now = self.store.now()
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append_text(state_text(entry.job, entry.gone))
        title.append(f"  {inert(entry.job.name)}  ", "bold")
        title.append(inert(entry.job.id), "dim")
        if title != self._title:
            self._title = title
            # One row high (app.tcss): no layout needed when it changes.
            self.query_one("#detail-title", Static).update(title, layout=False)
        lines = self.query_one(DetailLines)
        lines.set_section(Section("timing", "Timing", [RenderedBlock(timing_table(entry, now))]))
        if entry.job.outputs is not None:  # v3
            outputs = RenderedBlock(outputs_renderable(entry, now))
            lines.set_section(Section("tasks", "Outputs", [outputs]), before="raw")
            job = Section("job", "Job", [RenderedBlock(job_table(entry.job))])
            lines.set_section(job, before="raw")
        else:
            tasks = RenderedBlock(tasks_renderable(entry, now))
            lines.set_section(Section("tasks", "Tasks", [tasks]), before="raw")
            lines.remove_section("job")
        if raw:
            self._render_raw()

    def _raw_title(self) -> str:
        entry = self.store.get(self.job_id)
        v3 = entry is not None and entry.job.outputs is not None
        return "Raw ARM / MK.IO response" if v3 else "Raw OData response"

    def _set_raw(self, blocks: list[Block]) -> None:
        self.query_one(DetailLines).set_section(Section("raw", self._raw_title(), blocks))

    def _render_raw(self) -> None:
        exchanges = self.store.exchanges(self.job_id)
        if exchanges and exchanges == self._raw_drawn:
            return  # only when the exchanges changed: the lines on screen are drawn again
        self._raw_drawn = exchanges
        blocks: list[Block] = []
        if exchanges:
            entry = self.store.get(self.job_id)
            arm = entry is not None and entry.job.outputs is not None
            for index, exchange in enumerate(exchanges):
                if index:
                    blocks.append(RenderedBlock(Text("")))
                blocks += exchange_blocks(exchange, arm)
        else:
            blocks.append(RenderedBlock(Text("fetching the job's record…", "dim")))
        self.query_one(DetailLines).release_height()
        self._set_raw(blocks)

    def action_back(self) -> None:
        self.dismiss()

    def action_jump_raw(self) -> None:
        lines = self.query_one(DetailLines)
        row = lines.section_row("raw")
        if row is not None:
            lines.scroll_to(y=row, animate=False)

    def action_jump_top(self) -> None:
        self.query_one(DetailLines).scroll_home(animate=False)

    def action_refresh_job(self) -> None:
        self.post_message(RefreshJob(self.job_id))
