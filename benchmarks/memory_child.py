"""Child process of the memory benchmark: load N jobs from the emulator into the app (headless),
report peak RSS. Usage: python -m benchmarks.memory_child URL N"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from datetime import UTC, datetime
from typing import Any


def rss_mb() -> float:
    """Peak RSS of this process. VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child of
    a big benchmark runner would report the runner's size."""
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def loaded(app: Any, pilot: Any) -> None:
    """Three refresh cycles, then the steady state: the orders of every sort key built (the
    app builds them when idle)."""
    for _ in range(3):
        await app.run_cycle()
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()
    for _ in range(3000):
        if not app.view.orders_pending:
            break
        await asyncio.sleep(0.01)


async def main(url: str, size: int) -> None:
    from amstui.ams.auth import BearerTokenAuth, NoCredential
    from amstui.ams.client import AmsV2Client
    from amstui.monitor.store import MAX_EXCHANGES
    from amstui.ui.app import AppOptions, make_app

    base = rss_mb()
    client = AmsV2Client(url, auth=BearerTokenAuth(NoCredential(), "s"))
    app = make_app(client, AppOptions("bench", url, autostart=False), now=lambda: datetime.now(UTC))
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        rows = app.table.row_count
        assert len(app.store) >= size
    await client.aclose()
    orders = len(app.view.orders_built)
    print(
        json.dumps(
            {
                "base_mb": base,
                "peak_mb": rss_mb(),
                "rows": rows,
                "exchanges": MAX_EXCHANGES,
                "orders": orders,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
