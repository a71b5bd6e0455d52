"""A frozen demo rig: the monitor built on the in-process emulator with a frozen clock.

One typed way to build an app for the Pilot tests, the SVG snapshots, the screenshot script
and the UI benchmarks: `frozen_rig()` returns the app together with the emulator that feeds it
(to step its virtual clock), and `VIEWS` brings a rig to each screenshot view. Nothing here
runs in a user's session (`amstui --demo` runs the emulator in real time).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from amstui.ams.client import RetryPolicy
from amstui.ams.model import JobState
from amstui.bootstrap.connect import MONITOR_RETRY, Connection, connect_demo
from amstui.bootstrap.demo_accounts import connect_demo_accounts
from amstui.emulator.app import Emulator
from amstui.ui.app import AmstuiApp, AppOptions, make_app
from amstui.ui.multi_app import AccountSource, MultiAccountApp

FROZEN_START = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


class SteppingTimer:
    """perf_counter stand-in: every reading is `step` seconds after the previous one."""

    def __init__(self, step: float = 0.003) -> None:
        self._ticks = itertools.count()
        self._step = step

    def __call__(self) -> float:
        return next(self._ticks) * self._step


@dataclass(slots=True)
class MultiRig:
    """Several accounts, each on its own in-process emulator with a frozen clock."""

    app: MultiAccountApp
    connections: list[Connection]

    def emulator(self, name: str) -> Emulator:
        for connection in self.connections:
            if connection.account == name and connection.emulator is not None:
                return connection.emulator
        raise KeyError(name)

    def advance(self, seconds: float) -> None:
        for connection in self.connections:
            assert connection.emulator is not None
            connection.emulator.advance(seconds)

    async def cycle(self, pilot: Any, advance: float = 0.0) -> None:
        """Step every account's clock, run one refresh cycle and let the app draw it."""
        await _cycle(self, pilot, advance)


def frozen_multi_rig(
    accounts: int = 3,
    seed: int = 7,
    *,
    jobs: int = 120,
    readonly: bool = False,
    retry: RetryPolicy = MONITOR_RETRY,
) -> MultiRig:
    """`accounts` demo accounts (v2, ARM, MK.IO, ...) on frozen clocks, in one app."""
    connections = connect_demo_accounts(
        accounts,
        seed,
        start=FROZEN_START,
        speed=0.0,
        jobs=jobs,
        timer=SteppingTimer(),
        retry=retry,
    )
    sources = [
        AccountSource(c.account, c.endpoint, c.client, c.now, api=_api_of(c)) for c in connections
    ]
    options = AppOptions(
        account=connections[0].account,
        endpoint=connections[0].endpoint,
        interval=5.0,
        readonly=readonly,
        autostart=False,
    )
    app = MultiAccountApp(sources, options, monotonic=lambda: 1000.0)
    return MultiRig(app, connections)


def _api_of(connection: Connection) -> str:
    emulator = connection.emulator
    return emulator.config.api if emulator is not None else "v2"


@dataclass(slots=True)
class Rig:
    """An app on an in-process emulator whose clock only moves when told to."""

    app: AmstuiApp
    emulator: Emulator
    connection: Connection

    def advance(self, seconds: float) -> None:
        self.emulator.advance(seconds)

    async def cycle(self, pilot: Any, advance: float = 0.0) -> None:
        """Step the clock, run one refresh cycle and let the app draw it."""
        await _cycle(self, pilot, advance)


def frozen_rig(
    seed: int = 7,
    *,
    jobs: int = 400,
    readonly: bool = False,
    keymap: tuple[tuple[str, str], ...] = (),
    api: str = "v2",
) -> Rig:
    """`api` is the demo account's shape: `v2`, `v3` (ARM) or `mkio`."""
    connection = connect_demo(
        seed, start=FROZEN_START, speed=0.0, jobs=jobs, timer=SteppingTimer(), api=api
    )
    options = AppOptions(
        account=connection.account,
        endpoint=connection.endpoint,
        interval=5.0,
        readonly=readonly,
        keymap=keymap,
        autostart=False,
        api=connection.api,
    )
    app = make_app(connection.client, options, now=connection.now, monotonic=lambda: 1000.0)
    emulator = connection.emulator
    assert emulator is not None, "the demo connection runs an in-process emulator"
    return Rig(app, emulator, connection)


# ---------------------------------------------------------------------- screenshot views

View = Callable[[Rig, Any], Awaitable[None]]


async def _loaded(rig: Rig, pilot: Any) -> None:
    """Two refresh cycles 15 virtual seconds apart: progress has moved and ETAs show."""
    await rig.cycle(pilot)
    await rig.cycle(pilot, advance=15)


async def _on_processing_job(rig: Rig, pilot: Any) -> None:
    await _loaded(rig, pilot)
    table = rig.app.table
    for row in range(table.row_count):
        entry = rig.app.store.get(table.job_id_at(row) or "")
        if entry is not None and entry.job.state == JobState.PROCESSING and entry.job.tasks:
            table.move_cursor(row)
            break
    await pilot.pause()


async def table_view(rig: Rig, pilot: Any) -> None:
    await _loaded(rig, pilot)
    await pilot.press("j", "j")
    await pilot.pause()


async def detail_view(rig: Rig, pilot: Any) -> None:
    await _on_processing_job(rig, pilot)
    await pilot.press("enter")
    await pilot.pause()
    await rig.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("J")  # scroll to the raw OData response
    await pilot.pause()


async def _open(rig: Rig, pilot: Any, test: Callable[[Any], bool]) -> None:
    """Open the detail of the first row (in table order) whose job passes `test`."""
    await _loaded(rig, pilot)
    table = rig.app.table
    for row in range(table.row_count):
        entry = rig.app.store.get(table.job_id_at(row) or "")
        if entry is not None and test(entry.job):
            table.move_cursor(row)
            break
    await pilot.press("enter")
    await pilot.pause()
    await rig.app.workers.wait_for_complete()
    await pilot.pause()


async def v3_detail_view(rig: Rig, pilot: Any) -> None:
    """A running v3 job: its outputs moving and its job fields. (Its raw ARM JSON is left
    out: the correlation id the client sends and the reads left vary from run to run.)"""
    await _open(rig, pilot, lambda job: job.state == JobState.PROCESSING and bool(job.outputs))


async def v3_failed_output_view(rig: Rig, pilot: Any) -> None:
    """A v3 job that finished with a failed output: the flag, its outputs and the error."""
    await _open(rig, pilot, lambda job: job.finished_with_failed_output)


async def help_view(rig: Rig, pilot: Any) -> None:
    await _loaded(rig, pilot)
    await pilot.press("question_mark")
    await pilot.pause()


async def cancel_view(rig: Rig, pilot: Any) -> None:
    await _on_processing_job(rig, pilot)
    await pilot.press("c")
    await pilot.pause()


VIEWS: dict[str, View] = {
    "table": table_view,
    "detail": detail_view,
    "help": help_view,
    "cancel": cancel_view,
    "v3-table": table_view,
    "v3-detail": v3_detail_view,
    "v3-failed-output": v3_failed_output_view,
}
#: The account shape of the views not on the v2 demo (`frozen_rig(api=...)`).
VIEW_APIS = {"v3-table": "v3", "v3-detail": "v3", "v3-failed-output": "v3"}


def run_before(rig: Rig, view: str) -> Callable[[Any], Awaitable[None]]:
    """`VIEWS[view]` for this rig, in the shape snap_compare's `run_before` takes."""

    async def before(pilot: Any) -> None:
        await VIEWS[view](rig, pilot)

    return before


# ---------------------------------------------------------------------- several accounts

MultiView = Callable[[MultiRig, Any], Awaitable[None]]


async def multi_table_view(rig: MultiRig, pilot: Any) -> None:
    """Three accounts (v2, ARM, MK.IO) after two cycles 15 virtual seconds apart."""
    await rig.cycle(pilot)
    await rig.cycle(pilot, advance=15)
    await pilot.press("j", "j", "j")
    await pilot.pause()


MULTI_VIEWS: dict[str, MultiView] = {"multi": multi_table_view}


async def _cycle(rig: Rig | MultiRig, pilot: Any, advance: float) -> None:
    if advance:
        rig.advance(advance)
    await rig.app.run_cycle()
    await pilot.pause()
    await rig.app.workers.wait_for_complete()
    await pilot.pause()
