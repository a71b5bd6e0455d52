"""`AmstuiApp`: the live jobs monitor. `make_app` builds it for the CLI, the tests and the
screenshots alike.

Data flow: the refresh engine (amstui.monitor) runs as a worker; each per-job refresh runs as a
Textual worker in the group `job:<id>` (exclusive: the latest refresh of a job wins). The job
store records changes; the job view (sorted, filtered order) follows it and the app turns each
change into a `JobsChanged` message, coalesced in the queue, so a burst is drawn once. The
table repaints the rows on screen that changed; the detail screen listens for the same message.
Errors never crash the app: the engine turns them into its status, and one central handler
turns any failed worker into a status-line message and a log entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.events import Event, Key, Resize
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from amstui.ams.backend import JobsBackend
from amstui.ams.errors import AmsError
from amstui.ams.model import JobState
from amstui.monitor import labels
from amstui.monitor.accounts import EngineSet, display_key, short_key, split_key
from amstui.monitor.engine import RefreshEngine
from amstui.monitor.filter_index import SLICE as FILTER_SLICE
from amstui.monitor.gc_schedule import FullCollections
from amstui.monitor.inert_text import inert
from amstui.monitor.job_view import JobView, Predicate
from amstui.monitor.store import JobStore, Transition
from amstui.ui.commands import JobCommands
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.filter_bar import FilterBar
from amstui.ui.header_bar import HeaderBar, header_text
from amstui.ui.help_screen import HelpScreen
from amstui.ui.job_filter import FilterError, parse_filter
from amstui.ui.jobs_table import JobsTable
from amstui.ui.key_footer import KeyFooter
from amstui.ui.keys import APP_BINDINGS, READONLY_CANCEL, help_rows
from amstui.ui.messages import DetailClosed, JobsChanged, RefreshJob
from amstui.ui.status_line import StatusLine

log = logging.getLogger("amstui.ui")
#: Accounts from this many jobs have their loaded objects frozen out of the collector.
GC_FREEZE_AT = 2000
#: Seconds between two looks at whether the keys stopped (automatic garbage collections come
#: back) and whether a full collection is due (`FullCollections.tick`).
GC_TICK_EVERY = 0.25
#: Jobs changed at once that mean a load is under way (pages of a listing): orders are
#: built only once no such batch came for `LOAD_QUIET` seconds.
LOAD_BATCH = 500
LOAD_QUIET = 0.5
#: Seconds between two slices of building orders (the slices take about as long).
ORDER_PAUSE = 0.002
#: ... and while keys are being pressed (one came in the last `TYPING_FOR` seconds): the
#: slices give way to what a key sets off (its messages, its frame, the terminal's threads).
ORDER_PAUSE_TYPING = 0.025
TYPING_FOR = 0.3
#: Signals that end the app through its normal exit (terminal restored), with their exit codes.
EXIT_SIGNALS = ((signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGHUP, 128 + signal.SIGHUP))
#: More endings than this in one burst are summed up in one toast.
TOAST_EACH_UP_TO = 1


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
    #: The account's API shape (`v2`, `v3`, `mkio`): the table's columns follow it.
    api: str = "v2"


class AmstuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "amstui"
    BINDINGS = [*APP_BINDINGS, READONLY_CANCEL]
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
        kw: dict[str, Any] = {}
        if monotonic is not None:
            kw["monotonic"] = monotonic
        self.store, self.engine = self._build_monitor(backend, options, now, kw)
        self.view = JobView(self.store)
        self.view.subscribe(self._view_moved)
        self._wake = asyncio.Event()
        self._on_exit = on_exit
        self.status_message = ""
        self._status_error = False
        self._table = JobsTable(self.store, self.view, id="jobs", api=options.api)
        self._frozen_at = 0
        self._collections = FullCollections()
        self._cancels_in_flight = 0
        self._header_shown: Text | None = None
        self._building_orders = False
        self._orders_wait_until = 0.0
        if options.theme:
            self.theme = options.theme
        keymap = dict(options.keymap)
        if "app.cancel" in keymap:
            keymap[READONLY_CANCEL.id or ""] = keymap["app.cancel"]
        if keymap:
            self.set_keymap(keymap)

    def _build_monitor(
        self,
        backend: JobsBackend,
        options: AppOptions,
        now: Callable[[], datetime],
        kw: dict[str, Any],
    ) -> tuple[JobStore, RefreshEngine | EngineSet]:
        """The store and engine the app watches (several accounts: `MultiAccountApp`)."""
        store = JobStore(now)
        engine = RefreshEngine(
            backend,
            store,
            now=now,
            interval=options.interval,
            max_in_flight=options.max_in_flight,
            requests_per_second=options.requests_per_second,
            runner=self._run_job_refresh,
            **kw,
        )
        return store, engine

    def key_label(self, job_id: str) -> str:
        """A row's key as the status line and notices write it (`ACCOUNT:ID` for several)."""
        return display_key(job_id)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield self._table
        yield FilterBar(id="filter")
        yield StatusLine(id="status")
        yield KeyFooter()

    @property
    def table(self) -> JobsTable:
        return self._table

    @property
    def full_collections(self) -> FullCollections:
        """When full garbage collections run (started after a big load)."""
        return self._collections

    def on_mount(self) -> None:
        if not self.is_headless:  # a real terminal to restore (tests keep their own handlers)
            self._catch_exit_signals()
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

    def _catch_exit_signals(self) -> None:
        """SIGTERM and SIGHUP quit like `q` does (raw mode off, mouse off, main screen back),
        with the conventional exit codes 143 and 129."""
        loop = asyncio.get_running_loop()
        for sig, code in EXIT_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._exit_on_signal, code)

    def _exit_on_signal(self, code: int) -> None:
        self.exit(return_code=code)

    async def on_event(self, event: Event) -> None:
        if isinstance(event, Key):
            self._collections.key_pressed()
        await super().on_event(event)

    async def on_unmount(self) -> None:
        self._collections.stop()
        loop = asyncio.get_running_loop()
        for sig, _ in EXIT_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        if self._on_exit is not None:
            await self._on_exit()

    # ------------------------------------------------------------------ engine plumbing

    async def _run_job_refresh(
        self, job_id: str, work: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        worker = self.run_worker(work(), group=f"job:{job_id}", exclusive=True, exit_on_error=False)
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()

    def _view_moved(self) -> None:
        # Called when the store flushes (in the engine's workers, same event loop): only a
        # message, coalesced with any still queued.
        self.post_message(JobsChanged(self.view.version))

    async def run_cycle(self) -> None:
        """One refresh cycle now (tests and screenshots drive the app with this)."""
        await self.engine.cycle()
        self.apply_changes()
        self.refresh_header()

    @on(JobsChanged)
    def _jobs_changed(self, event: JobsChanged) -> None:
        self.apply_changes()

    async def _build_orders(self) -> None:
        """The orders of the other sort keys, built (and kept moving) a slice of a millisecond
        or two at a time once jobs are loaded, so that `s` switches to an order that is there
        (see `JobView.build_orders`). Between two slices everything else that is ready runs
        first (keys, frames, refreshes, the terminal's threads)."""
        try:
            while True:
                wait = self._orders_wait_until - time.monotonic()
                if wait > 0:
                    # A load is under way: its next batch would drop or unsettle what is built.
                    await asyncio.sleep(wait)
                    continue
                if not self.engine.loaded and self.engine.status.state in ("connecting", "live"):
                    # A first load in progress: its pages come in batches seconds apart at
                    # 100,000 jobs, and each drops the orders built meanwhile (2 s of wasted
                    # work, slowing the load it waits for).
                    await asyncio.sleep(LOAD_QUIET)
                    continue
                if not self.view.build_orders():
                    return
                # A pause, not just a turn of the loop: the terminal's reader and writer
                # threads need the interpreter too (a busy main thread holds them off up to
                # 5 ms a time: keys through a terminal took 100+ ms while orders were built).
                # A longer one while keys come: through a terminal at 100,000 jobs, keys in
                # the seconds after the load (orders still being built) took half as long
                # again as once they were built.
                typing = time.monotonic() - self._collections.last_key < TYPING_FOR
                await asyncio.sleep(ORDER_PAUSE_TYPING if typing else ORDER_PAUSE)
        finally:
            self._building_orders = False

    def apply_changes(self) -> None:
        """Bring the table up to date with the view and report the jobs that ended."""
        if self.view.last_batch >= LOAD_BATCH:
            self._orders_wait_until = time.monotonic() + LOAD_QUIET
        if self.view.orders_pending and not self._building_orders:
            self._building_orders = True
            self.run_worker(self._build_orders(), group="orders", exit_on_error=False)
        self.table.sync()
        self._settle_memory()
        self._notify_transitions(self.view.take_transitions())
        self._point_engine()
        # The header (state, requests per minute) follows the 1 s tick: changes arrive many
        # times a second, and each would resend the whole bar.
        self.refresh_status()

    def _settle_memory(self) -> None:
        """After a big load, move what is loaded out of the cyclic garbage collector's reach.

        A big account keeps ~50 long-lived objects per job (model, store entry, cells). With
        10,000 jobs each full collection scans them all: 17 pauses of up to 300 ms in the UI
        benchmark, landing on keystrokes. Frozen objects are still freed by reference
        counting; only the collector stops walking them. Done after every batch of a load
        (freezing is a constant-time move) and when the account has doubled since the last
        time: freezing only at doublings left the last part of a load (36,000 of 100,000
        jobs) to be walked by every full collection, 80-130 ms each."""
        size = len(self.store)
        if size < GC_FREEZE_AT:
            return
        loaded = self.engine.loaded
        if (
            size >= 2 * self._frozen_at
            or (self.view.last_batch >= LOAD_BATCH and size > self._frozen_at)
            or (loaded and not self._collections.running)
        ):
            self._frozen_at = size
            gc.freeze()
        if loaded and not self._collections.running:
            # Once the first load is in, full collections of what a refresh replaces run only
            # while no key is pressed. Not before: a load's own cyclic garbage is collected as
            # it comes (left for a minute, it raised the peak of 90,000 jobs by 20 MB).
            self._collections.start()
            self.set_interval(GC_TICK_EVERY, self._collections.tick)

    def _notify_transitions(self, transitions: list[Transition]) -> None:
        if not transitions:
            return
        if len(transitions) <= TOAST_EACH_UP_TO:
            for transition in transitions:
                self._notify_transition(transition)
            return
        # Several endings in one cycle: one summary instead of a stack of toasts.
        words = [labels.outcome_word(t.job, t.gone) for t in transitions]
        summary = labels.count_summary(words)
        names = ", ".join(_ended_name(t, 30) for t in transitions[:3])
        if len(transitions) > 3:
            names += ", …"
        failed = "error" in words or "finished with failed outputs" in words
        self.notify(
            f"{summary}\n{names}",
            title=f"{len(transitions)} jobs ended",
            severity="error" if failed else "information",
            markup=False,
        )
        if self.options.bell:
            self.bell()

    def _notify_transition(self, transition: Transition) -> None:
        job = transition.job
        name = _ended_name(transition, 60)
        if transition.gone:
            self.notify(
                f"{name} is gone from the server",
                title="Job gone",
                severity="warning",
                markup=False,
            )
        elif job.finished_with_failed_output:
            # Its state alone would hide the failure (a ContinueJob output failed).
            title = f"{labels.FAILED_OUTPUT_GLYPH} Job {labels.job_state_word(job).lower()}"
            self.notify(name, title=title, severity="warning", markup=False)
        elif job.state == JobState.FINISHED:
            self.notify(name, title="✔ Job finished", markup=False)
        elif job.state == JobState.ERROR:
            self.notify(name, title="✖ Job failed", severity="error", markup=False)
        elif job.state == JobState.CANCELED:
            self.notify(name, title="⊘ Job canceled", severity="warning", markup=False)
        if self.options.bell:
            self.bell()

    def _point_engine(self) -> None:
        table = self.table
        self.engine.selected = table.cursor_job_id
        self.engine.visible = table.visible_job_ids()

    @on(JobsTable.CursorMoved)
    def _cursor_moved(self, event: JobsTable.CursorMoved) -> None:
        self.engine.selected = event.job_id
        self.refresh_status()

    @on(JobsTable.JobChosen)
    def _job_chosen(self, event: JobsTable.JobChosen) -> None:
        self.open_detail(event.job_id)

    def _tick(self) -> None:
        self.table.tick()
        self._point_engine()
        self.refresh_header()

    def refresh_header(self) -> None:
        # Fixed one-line bars: no layout pass (it would repaint the whole screen each second).
        text = header_text(self.options.account, self.options.endpoint, self.engine)
        if text == self._header_shown:
            return  # changes arrive many times a second: repaint only what differs
        self._header_shown = text
        with contextlib.suppress(NoMatches):  # the app may be closing
            self.query_one(HeaderBar).update(text, layout=False)

    def refresh_status(self) -> None:
        store = self.store
        table = self.table
        loaded = len(store)
        parts = [f"{len(self.view)} of {loaded} jobs", f"{store.active_count} active"]
        if self.view.filter_text:
            parts.append(f"filter: {self.view.filter_text}")
        parts.append(f"sort: {self.view.sort_key} {'▼' if self.view.reverse else '▲'}")
        job_id = table.cursor_job_id
        if job_id:
            parts.append(self.key_label(job_id))
        if self.options.readonly:
            parts.append("read-only")
        message, error = self.status_message, self._status_error
        engine = self.engine.status
        if not message and engine.state in ("auth", "offline", "degraded") and engine.reason:
            # The header cuts a long reason at its edge: the status line has room for it.
            message, error = f"{engine.state}: {engine.reason}", True
        table.set_empty_reason(self._empty_reason())
        with contextlib.suppress(NoMatches):  # the app may be closing
            status = self.query_one("#status", StatusLine)
            status.show_status(message, parts, error=error)

    def _empty_reason(self) -> str:
        """What the table says when it has no rows."""
        loaded = len(self.store)
        engine = self.engine.status
        if loaded and self.view.filter_text:
            return f"The filter hides all {loaded} jobs (esc clears it)."
        if loaded:
            return ""
        if engine.state in ("auth", "offline", "degraded"):
            return f"No jobs loaded: {engine.state}: {engine.reason}"
        if engine.cycles:
            return "No jobs in this account."
        return "Loading jobs…"

    def say(self, message: str, *, error: bool = True) -> None:
        """A message on the status line (and in the log)."""
        self.status_message = message
        self._status_error = error and bool(message)
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
        if action == "cancel_job":
            return not self.options.readonly  # hidden in read-only mode
        if action == "explain_readonly":
            return self.options.readonly
        return True

    def action_explain_readonly(self) -> None:
        self.notify("Read-only mode (--readonly): canceling is disabled", severity="warning")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_keys()))

    def help_keys(self) -> list[tuple[str, str]]:
        """The help screen's rows, with the keys as bound now (remapped keys included)."""
        return help_rows(self.bound_keys(), readonly=self.options.readonly)

    def bound_keys(self) -> dict[str, str]:
        """Binding id -> the keys bound to it now (after the user's keymap)."""
        keys: dict[str, list[str]] = {}
        for binding in self._merged_app_bindings():
            if binding.id:
                keys.setdefault(binding.id, []).append(binding.key)
        return {bid: ",".join(k) for bid, k in keys.items()}

    def _merged_app_bindings(self) -> list[Binding]:
        keymap = dict(self.options.keymap)
        out: list[Binding] = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.id and binding.id in keymap:
                for key in keymap[binding.id].split(","):
                    out.append(
                        Binding(key.strip(), binding.action, binding.description, id=binding.id)
                    )
            else:
                out.append(binding)
        return out

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
        self.table.set_sort(self.table.next_sort_key())
        self.refresh_status()

    def action_reverse_sort(self) -> None:
        table = self.table
        table.set_sort(table.sort_key, not table.sort_reverse)
        self.refresh_status()

    def action_filter(self) -> None:
        self.query_one("#filter", FilterBar).open()

    def action_quick_filter(self, text: str) -> None:
        self.query_one("#filter", FilterBar).set_text(text)
        self.apply_filter(text)

    def action_escape(self) -> None:
        field = self.query_one("#filter", FilterBar)
        if field.has_focus or field.value:
            field.close()
            self.apply_filter("")
            self.table.focus()
        elif self.status_message:
            self.say("")

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        self.apply_filter(event.text)
        if event.done:
            self.table.focus()

    def apply_filter(self, text: str) -> None:
        try:
            job_filter = parse_filter(text)
        except FilterError as exc:
            # Never hide jobs because of a filter that cannot be used: show them all.
            job_filter = None
            self.status_message = f"filter not applied: {exc}"
            self._status_error = True
        else:
            if self.status_message.startswith("filter not applied"):
                self.status_message = ""
        wanted = job_filter.text if job_filter is not None else ""
        self.view.drop_pending_filter()  # a pass for older text is not wanted now
        if wanted != self.view.filter_text or (job_filter is None) != (self.view.predicate is None):
            self.set_view_filter(job_filter, wanted)
        else:
            self.refresh_status()

    def set_view_filter(
        self,
        job_filter: Predicate | None,
        text: str,
        key_filter: Callable[[str], bool] | None = None,
    ) -> None:
        """The view's filter, then the table and status line: over many jobs the pass runs in
        slices (keys stay live) and they follow when it completes."""
        if job_filter is not None and len(self.store.entries) > FILTER_SLICE:
            pending = self.view.set_filter_in_slices(job_filter, text, FILTER_SLICE, key_filter)
            self.run_worker(self._table_follows(pending), group="filter")
            return
        self.view.set_filter(job_filter, text, key_filter)
        self.table.sync()
        self.refresh_status()

    async def _table_follows(self, pending: Awaitable[bool]) -> None:
        if await pending:
            self.table.sync()
            self.refresh_status()

    def action_copy_id(self) -> None:
        job_id = self._current_job_id()
        if job_id is None:
            return
        job_id = split_key(job_id)[1]  # the service's id (several accounts: row keys)
        self.copy_to_clipboard(job_id)
        self.notify(f"Copied {inert(job_id)}", title="Job id", markup=False)

    def _current_job_id(self) -> str | None:
        screen = self.screen
        if isinstance(screen, DetailScreen):
            return screen.job_id
        return self.table.cursor_job_id

    def action_cancel_job(self) -> None:
        job_id = self._current_job_id()
        if job_id is None:
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

        account = split_key(job_id)[0] or None
        self.push_screen(ConfirmCancel(entry.job, account=account), answered)

    async def _cancel(self, job_id: str) -> None:
        self._cancels_in_flight += 1
        try:
            await self.engine.cancel(job_id)
        except AmsError as exc:
            self.notify(
                inert(str(exc)[:300]), title="Cancel failed", severity="error", markup=False
            )
            return
        finally:
            self._cancels_in_flight -= 1
        self.notify(
            f"Cancel requested for {inert(short_key(job_id))}", title="Canceling", markup=False
        )

    def action_interrupt(self) -> None:
        """ctrl+c quits; while a cancel request is in flight it asks first."""
        if self._cancels_in_flight:
            self.notify(
                "A cancel request is still in flight: press ctrl+c again to quit anyway",
                title="Quit?",
                severity="warning",
            )
            self._cancels_in_flight = 0
            return
        self.exit()

    def open_detail(self, job_id: str) -> None:
        if self.store.get(job_id) is None:
            return
        # One detail screen, installed once and reused: composing and styling a new screen
        # on every `enter` costs a hundred milliseconds with a big table behind it.
        if not self.is_screen_installed("detail"):
            self.install_screen(DetailScreen(self.store, self.view), "detail")
        screen = self.get_screen("detail")
        assert isinstance(screen, DetailScreen)
        if not screen.is_ready_for(job_id):
            screen.show_job(job_id)
        self.push_screen("detail")
        # The job's record fetched afresh once the screen's first frame is drawn: the frame
        # `enter` waits for shows what the store holds, and the fetch's work (sending, then
        # reading the reply) does not delay it.
        self.call_after_refresh(self.refresh_job, job_id)

    @on(JobsTable.CursorRested)
    def _cursor_rested(self, event: JobsTable.CursorRested) -> None:
        """Keep the detail screen (once it exists) drawn for the job the cursor rests on."""
        if self.is_screen_installed("detail"):
            screen = self.get_screen("detail")
            if isinstance(screen, DetailScreen):
                screen.prepare(event.job_id)

    @on(DetailClosed)
    def _detail_closed(self, event: DetailClosed) -> None:
        # The job under the cursor is often opened again: drawn once the cursor rests (not
        # at once: a key pressed straight after `escape` would wait for it).
        self.table.rest_again()

    @on(RefreshJob)
    def _refresh_requested(self, event: RefreshJob) -> None:
        self.refresh_job(event.job_id)

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


def _ended_name(transition: Transition, width: int) -> str:
    """The job's name for an end-of-job notice, after its account when several are shown."""
    name = inert(transition.job.name[:width])
    return f"{inert(transition.account)}: {name}" if transition.account else name
