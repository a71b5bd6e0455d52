"""A deterministic demo app: the demo account at a fixed seed and a frozen clock, with fake
timers so latencies and "updated Ns ago" are stable. Used by the screenshot script and the
snapshot tests; nothing here runs in a user's session."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from amstui.bootstrap.connect import Connection, connect_demo
from amstui.ui.app import AmstuiApp, AppOptions, make_app

FROZEN_START = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


class SteppingTimer:
    """perf_counter stand-in: every reading is 6 ms after the previous one."""

    def __init__(self, step: float = 0.003) -> None:
        self._ticks = itertools.count()
        self._step = step

    def __call__(self) -> float:
        return next(self._ticks) * self._step


def frozen_demo(
    seed: int = 7, *, jobs: int = 400, readonly: bool = False
) -> tuple[AmstuiApp, Connection]:
    connection = connect_demo(seed, start=FROZEN_START, speed=0.0, jobs=jobs, timer=SteppingTimer())
    options = AppOptions(
        account=connection.account,
        endpoint=connection.endpoint,
        interval=5.0,
        readonly=readonly,
        autostart=False,
    )
    app = make_app(connection.client, options, now=connection.now, monotonic=lambda: 1000.0)
    app.demo_emulator = connection.emulator  # type: ignore[attr-defined]
    return app, connection
