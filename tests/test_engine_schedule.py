"""The engine's cycles start an interval apart: the time a cycle takes (per-job refreshes of
many processing jobs) is not added to the wait, so a change is seen within an interval."""

from __future__ import annotations

import asyncio
import contextlib

from amstui.monitor.engine import CycleReport
from tests.conftest import make_emulator
from tests.test_monitor import engine_for


async def test_a_long_cycle_is_not_added_to_the_interval() -> None:
    emulator = make_emulator(jobs=30, active=10)
    engine, _, clock = engine_for(emulator, interval=2.0)
    real_cycle = engine.cycle
    starts: list[float] = []

    async def long_cycle() -> CycleReport:
        starts.append(clock.t)
        report = await real_cycle()
        clock.t += 1.9  # the cycle took 1.9 s of the 2 s interval (virtual time)
        return report

    engine.cycle = long_cycle  # type: ignore[method-assign]
    runner = asyncio.create_task(engine.run(asyncio.Event()))
    await asyncio.sleep(1.5)  # real time: each wait is the interval's last 0.1 s
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    await engine.backend.aclose()
    # Waiting the whole interval after each cycle would have started one cycle only.
    assert len(starts) >= 3, starts


async def test_a_quick_cycle_waits_for_the_rest_of_the_interval() -> None:
    emulator = make_emulator(jobs=30, active=10)
    engine, _, _ = engine_for(emulator, interval=0.4)
    cycles = 0
    real_cycle = engine.cycle

    async def counted() -> CycleReport:
        nonlocal cycles
        cycles += 1
        return await real_cycle()

    engine.cycle = counted  # type: ignore[method-assign]
    runner = asyncio.create_task(engine.run(asyncio.Event()))
    await asyncio.sleep(1.0)
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    await engine.backend.aclose()
    # The virtual clock stands still: each wait is the whole 0.4 s (no busy loop).
    assert 1 <= cycles <= 3, cycles
