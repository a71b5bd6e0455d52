"""Child process of the multi-account memory benchmark: load served accounts into one app
(headless: a `MultiAccountApp` for several, the plain app for one), report peak RSS. The
emulators run in their own processes, so only the monitor is measured.
Usage: python -m benchmarks.multi_memory_child NAME=API=URL ..."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from benchmarks.memory_child import loaded, rss_mb


def current_mb() -> float:
    """RSS now (VmRSS): what stays once the load's transient objects are gone."""
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def main(specs: list[str]) -> None:
    from amstui.monitor.accounts import MultiStore
    from amstui.monitor.store import MAX_EXCHANGES
    from amstui.ui.app import AmstuiApp, AppOptions, make_app
    from amstui.ui.multi_app import AccountSource, MultiAccountApp
    from benchmarks.suite import account_client

    base = rss_mb()
    sources = []
    for spec in specs:
        name, api, url = spec.split("=", 2)
        client = account_client(url, api)
        sources.append(AccountSource(name, url, client, lambda: datetime.now(UTC), api=api))
    first = sources[0]
    options = AppOptions(first.name, first.endpoint, autostart=False, api=first.api)
    app: AmstuiApp = (
        MultiAccountApp(sources, options)
        if len(sources) > 1
        else make_app(first.backend, options, now=first.now)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)  # as `memory_child`: every sort key's order built
        rows = app.table.row_count
        store = app.store
        per_account = {
            s.name: store.count_of(s.name) if isinstance(store, MultiStore) else len(store)
            for s in sources
        }
        settled = current_mb()
    for source in sources:
        await source.backend.aclose()
    print(
        json.dumps(
            {
                "base_mb": base,
                "peak_mb": rss_mb(),
                "settled_mb": settled,
                "rows": rows,
                "orders": len(app.view.orders_built),
                "per_account": per_account,
                "exchanges": MAX_EXCHANGES,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
