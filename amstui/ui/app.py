"""`AmstuiApp`: the live jobs monitor. `make_app` builds it for the CLI, the tests and the
screenshots alike.

Data flow: the refresh engine (amstui.monitor) runs as a worker; each per-job refresh runs as a
Textual worker in the group `job:<id>` (exclusive: the latest refresh of a job wins). The job
store tells the app which jobs changed; a cycle's changes are drawn together when it ends, and
the table reconciles those rows by key. Errors never crash the app: the engine turns them into
its status, and one central handler turns any failed worker into a status-line message and a
log entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.css.query import NoMatches
from textual.events import Resize
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from amstui.ams.backend import JobsBackend
from amstui.ams.errors import AmsError
from amstui.ams.model import JobState
from amstui.monitor import labels
from amstui.monitor.engine import RefreshEngine
from amstui.monitor.store import JobStore, Transition
from amstui.ui.cells import short_id
from amstui.ui.commands import JobCommands
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.header_bar import HeaderBar, header_text
from amstui.ui.help_screen import HelpScreen
from amstui.ui.job_filter import FilterError, parse_filter
from amstui.ui.jobs_table import SORTABLE, JobsTable
from amstui.ui.keys import APP_BINDINGS

log = logging.getLogger("amstui.ui")
#: Seconds of quiet typing before the filter is applied to the table.
FILTER_DEBOUNCE = 0.15
#: Accounts from this many jobs have their loaded objects frozen out of the collector.
GC_FREEZE_AT = 2000
#: Changes arriving within this window are drawn together.
RECONCILE_DELAY = 0.05


@dataclass(frozen=True, slots=True)
class AppOptions:
    account: str
    endpoint: str
    interval: float = 5.0
    readonly: bool = False
    bell: bool = False
    max_in_flight: int = 8
    requests_per_second: float = 0.0
    theme: str | None = None
    #: Binding id -> key(s), from the config file's [keys] table.
    keymap: tuple[tuple[str, str], ...] = ()
    #: False for tests and screenshots: no background loop; cycles are driven explicitly.
    autostart: bool = True


class AmstuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "amstui"
    BINDINGS = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {JobCommands}

    def __init__(
        self,
        backend: JobsBackend,
        options: AppOptions,
        *,
        now: Callable[[], datetime],
        monotonic: Callable[[], float] | None = None,
        on_exit: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.options = options
        self.now = now
        self.store = JobStore(now)
        kw: dict[str, Any] = {}
        if monotonic is not None:
            kw["monotonic"] = monotonic
        self.engine = RefreshEngine(
            backend,
            self.store,
            now=now,
            interval=options.interval,
            max_in_flight=options.max_in_flight,
            requests_per_second=options.requests_per_second,
            runner=self._run_job_refresh,
            **kw,
        )
        self.store.subscribe(self._on_store_change)
        self.engine.on_cycle_end = self.apply_changes
        self._wake = asyncio.Event()
        self._on_exit = on_exit
        self.status_message = ""
        self._filter_timer: Timer | None = None
        self._table = JobsTable(self.store, id="jobs")
        self._frozen_at = 0
        self._reconcile_timer: Timer | None = None
        self._pending_ids: set[str] = set()
        self._pending_transitions: list[Transition] = []
        if options.theme:
            self.theme = options.theme
        if options.keymap:
            self.set_keymap(dict(options.keymap))

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield self._table
        yield Input(
            placeholder="filter: words, /regex/, state:error, !term  (enter: keep, esc: clear)",
            id="filter",
        )
        yield Static(id="status")
        yield Footer()

    @property
    def table(self) -> JobsTable:
        return self._table

    def on_mount(self) -> None:
        self.table.setup_columns(self.size.width)
        self.table.focus()
        self.refresh_header()
        self.refresh_status()
        self.set_interval(1.0, self._tick)
        if self.options.autostart:
            self.run_worker(
                self.engine.run(self._wake), group="engine", exclusive=True, exit_on_error=False
            )

    def on_resize(self, event: Resize) -> None:
        self.table.setup_columns(event.size.width)

    async def on_unmount(self) -> None:
        if self._on_exit is not None:
            await self._on_exit()

    # ------------------------------------------------------------------ engine plumbing

    async def _run_job_refresh(
        self, job_id: str, work: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        worker = self.run_worker(work(), group=f"job:{job_id}", exclusive=True, exit_on_error=False)
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()

    def _on_store_change(self, job_ids: set[str], transitions: list[Transition]) -> None:
        # Called in the engine's workers (same event loop). Changes are coalesced: the
        # per-job refreshes of a cycle each report one, and the screen is updated once per
        # burst (RECONCILE_DELAY), not once per job.
        self._pending_ids |= job_ids
        self._pending_transitions += transitions
        if self.engine.in_cycle:
            return  # drawn when the cycle ends (engine.on_cycle_end)
        if self._reconcile_timer is None:
            self._reconcile_timer = self.set_timer(RECONCILE_DELAY, self.apply_changes)

    async def run_cycle(self) -> None:
        """One refresh cycle now (tests and screenshots drive the app with this)."""
        await self.engine.cycle()
        self.apply_changes()
        self.refresh_header()

    def apply_changes(self) -> None:
        """Bring the table (and an open detail pane) up to date with the store."""
        if self._reconcile_timer is not None:
            self._reconcile_timer.stop()
            self._reconcile_timer = None
        job_ids, self._pending_ids = self._pending_ids, set()
        transitions, self._pending_transitions = self._pending_transitions, []
        if not job_ids and not transitions:
            return
        with self.batch_update():
            self.table.reconcile(job_ids)
        self._settle_memory()
        self._notify_transitions(transitions)
        screen = self.screen
        if isinstance(screen, DetailScreen) and screen.job_id in job_ids:
            screen.render_job()
        self._point_engine()
        self.refresh_header()
        self.refresh_status()

    def _settle_memory(self) -> None:
        """After a big load, move what is loaded out of the cyclic garbage collector's reach.

        A big account keeps ~50 long-lived objects per job (model, store entry, cells). With
        10,000 jobs each full collection scans them all: 17 pauses of up to 300 ms in the UI
        benchmark, landing on keystrokes. Frozen objects are still freed by reference
        counting; only the collector stops walking them. Done again when the account has
        doubled since the last time."""
        size = len(self.store)
        if size >= GC_FREEZE_AT and size >= 2 * self._frozen_at:
            self._frozen_at = size
            gc.freeze()
            # Fewer, later collections of what is left: a pause is less likely to land on
            # a keystroke (the young generations hold only what a refresh just made).
            gc.set_threshold(10_000, 10, 10)

    def _notify_transitions(self, transitions: list[Transition]) -> None:
        if len(transitions) <= 3:
            for transition in transitions:
                self._notify_transition(transition)
            return
        # A burst (e.g. after a pause): one summary instead of a wall of toasts.
        words = [labels.outcome_word(t.job, t.gone) for t in transitions]
        summary = labels.count_summary(words)
        failed = "error" in words
        self.notify(
            summary,
            title=f"{len(transitions)} jobs ended",
            severity="error" if failed else "information",
        )
        if self.options.bell:
            self.bell()

    def _notify_transition(self, transition: Transition) -> None:
        job = transition.job
        name = job.name[:60]
        if transition.gone:
            self.notify(f"{name} is gone from the server", title="Job gone", severity="warning")
            return
        if job.state == JobState.FINISHED:
            self.notify(name, title="✔ Job finished")
        elif job.state == JobState.ERROR:
            self.notify(name, title="✖ Job failed", severity="error")
        elif job.state == JobState.CANCELED:
            self.notify(name, title="⊘ Job canceled", severity="warning")
        if self.options.bell:
            self.bell()

    def _point_engine(self) -> None:
        table = self.table
        self.engine.selected = table.cursor_job_id
        self.engine.visible = table.visible_job_ids()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.engine.selected = event.row_key.value if event.row_key else None
        self.refresh_status()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key and event.row_key.value:
            self.open_detail(event.row_key.value)

    def _tick(self) -> None:
        with self.batch_update():
            self.table.tick()
        self._point_engine()
        self.refresh_header()
        screen = self.screen
        if isinstance(screen, DetailScreen):
            screen.render_job()

    def refresh_header(self) -> None:
        # Fixed one-line bars: no layout pass (it would repaint the whole screen each second).
        self.query_one(HeaderBar).update(
            header_text(self.options.account, self.options.endpoint, self.engine),
            layout=False,
        )

    def refresh_status(self) -> None:
        store = self.store
        active = store.active_count
        table = self.table
        parts = [f"{table.row_count} of {len(store)} jobs", f"{active} active"]
        if table.job_filter is not None:
            parts.append(f"filter: {table.job_filter.text}")
        parts.append(f"sort: {table.sort_key} {'▼' if table.sort_reverse else '▲'}")
        job_id = table.cursor_job_id
        if job_id:
            parts.append(job_id)
        if self.options.readonly:
            parts.append("read-only")
        text = "  ·  ".join(parts)
        status = self.query_one("#status", Static)
        if self.status_message:
            text = f"{self.status_message}  ·  {text}"
        status.update(text, layout=False)
        status.set_class(bool(self.status_message), "error")

    def say(self, message: str) -> None:
        """A message on the status line (and in the log)."""
        self.status_message = message
        log.info("%s", message)
        self.refresh_status()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        # The one place failed workers end up: a status-line message and a log entry.
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            text = str(error) if isinstance(error, AmsError) else f"{type(error).__name__}: {error}"
            log.error("worker %s failed: %s", event.worker.name, text, exc_info=error)
            self.say(f"error: {text[:200]}")

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        detail = isinstance(self.screen, DetailScreen)
        if action in ("filter", "quick_filter", "next_sort", "reverse_sort") and detail:
            return False
        if action == "cancel_job" and self.options.readonly:
            return None  # shown disabled in the footer; pressing it explains why
        return True

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_refresh(self) -> None:
        self.engine.refresh_now()  # a manual refresh overrides a server's backoff
        if self.options.autostart:
            self._wake.set()
        else:
            self.run_worker(self.run_cycle(), group="engine", exclusive=True, exit_on_error=False)

    def action_pause(self) -> None:
        paused = not self.engine.status.paused
        self.engine.set_paused(paused)
        self.notify("Refreshing paused" if paused else "Refreshing resumed")
        if not paused:
            self._wake.set()
        self.refresh_header()

    def action_next_sort(self) -> None:
        table = self.table
        keys = [k for k in SORTABLE if k in table.column_keys]
        index = keys.index(table.sort_key) if table.sort_key in keys else -1
        table.set_sort(keys[(index + 1) % len(keys)])
        self.refresh_status()

    def action_reverse_sort(self) -> None:
        table = self.table
        table.set_sort(table.sort_key, not table.sort_reverse)
        self.refresh_status()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("visible")
        field.focus()

    def action_quick_filter(self, text: str) -> None:
        field = self.query_one("#filter", Input)
        field.value = text
        self.apply_filter(text)

    def action_escape(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus or field.value:
            field.value = ""
            field.remove_class("visible")
            self.apply_filter("")
            self.table.focus()
        elif self.status_message:
            self.status_message = ""
            self.refresh_status()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Typing stays instant: the table follows once typing pauses (or on enter).
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if not event.value:
            self.apply_filter("")  # cleared: everything back at once, before typing resumes
            return
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE, self._apply_typed_filter)

    def _apply_typed_filter(self) -> None:
        self._filter_timer = None
        with contextlib.suppress(NoMatches):  # the app may be closing
            self.apply_filter(self.query_one("#filter", Input).value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        field = self.query_one("#filter", Input)
        self.apply_filter(field.value)
        if not field.value:
            field.remove_class("visible")
        self.table.focus()

    def apply_filter(self, text: str) -> None:
        try:
            job_filter = parse_filter(text)
        except FilterError as exc:
            # Never hide jobs because of a filter that cannot be used: show them all.
            job_filter = None
            self.status_message = f"filter not applied: {exc}"
        else:
            if self.status_message.startswith("filter not applied"):
                self.status_message = ""
        table = self.table
        if (job_filter and job_filter.text) != (table.job_filter and table.job_filter.text):
            table.job_filter = job_filter
            with self.batch_update():
                table.refilter()
        self.refresh_status()

    def action_copy_id(self) -> None:
        job_id = self._current_job_id()
        if job_id is None:
            return
        self.copy_to_clipboard(job_id)
        self.notify(f"Copied {job_id}", title="Job id")

    def _current_job_id(self) -> str | None:
        screen = self.screen
        if isinstance(screen, DetailScreen):
            return screen.job_id
        return self.table.cursor_job_id

    def action_cancel_job(self) -> None:
        job_id = self._current_job_id()
        if job_id is None:
            return
        if self.options.readonly:
            self.notify("Read-only mode: canceling is disabled", severity="warning")
            return
        entry = self.store.get(job_id)
        if entry is None:
            return
        if entry.job.is_final or entry.job.state == JobState.CANCELING or entry.gone:
            self.notify(f"{entry.job.state.label} jobs cannot be canceled", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._cancel(job_id), group=f"cancel:{job_id}", exit_on_error=False)

        self.push_screen(ConfirmCancel(entry.job), answered)

    async def _cancel(self, job_id: str) -> None:
        try:
            await self.engine.cancel(job_id)
        except AmsError as exc:
            self.notify(str(exc)[:300], title="Cancel failed", severity="error")
            return
        self.notify(f"Cancel requested for {short_id(job_id)}", title="Canceling")

    def open_detail(self, job_id: str) -> None:
        if self.store.get(job_id) is None:
            return
        # One detail screen, installed once and reused: composing and styling a new screen
        # on every `enter` costs a hundred milliseconds with a big table behind it.
        if not self.is_screen_installed("detail"):
            self.install_screen(DetailScreen(self.store), "detail")
        screen = self.get_screen("detail")
        assert isinstance(screen, DetailScreen)
        screen.show_job(job_id)
        self.push_screen("detail")
        self.refresh_job(job_id)

    def refresh_job(self, job_id: str) -> None:
        self.run_worker(
            self.engine.refresh_job(job_id),
            group=f"detail:{job_id}",
            exclusive=True,
            exit_on_error=False,
        )

    def jump_to(self, job_id: str) -> None:
        if isinstance(self.screen, DetailScreen):
            self.pop_screen()
        if not self.table.jump_to(job_id):
            self.action_quick_filter("")
            self.table.jump_to(job_id)


def make_app(
    backend: JobsBackend,
    options: AppOptions,
    *,
    now: Callable[[], datetime],
    monotonic: Callable[[], float] | None = None,
    on_exit: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> AmstuiApp:
    return AmstuiApp(backend, options, now=now, monotonic=monotonic, on_exit=on_exit)
