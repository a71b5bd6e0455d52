"""Launching the monitor on several accounts (`amstui --account A --account B`, ...)."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from amstui.bootstrap.account_set import SetMember, connect_set
from amstui.bootstrap.session import ready_for_monitor

if TYPE_CHECKING:
    from amstui.bootstrap.connect import Connection
    from amstui.monitor.store import JobStore
    from amstui.ui.multi_app import MultiAccountApp


def run_set_monitor(args: argparse.Namespace) -> int:
    members = connect_set(args)
    ready_for_monitor(members[0].resolved)
    app = build_set_app(args, members)
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0


def build_set_app(
    args: argparse.Namespace, members: list[SetMember], *, autostart: bool = True
) -> MultiAccountApp:
    from amstui.ui.app import AppOptions
    from amstui.ui.multi_app import AccountSource, MultiAccountApp

    first = members[0].resolved
    interval = args.interval or (first.interval if first else 5.0)
    sources = [
        AccountSource(
            m.connection.account,
            m.connection.endpoint,
            m.connection.client,
            m.connection.now,
            api=m.account.api if m.account else _demo_api(m),
        )
        for m in members
    ]
    options = AppOptions(
        account=sources[0].name,
        endpoint=sources[0].endpoint,
        interval=interval,
        readonly=bool(args.readonly or (first.readonly if first else False)),
        bell=args.bell,
        max_in_flight=first.max_in_flight if first else 8,
        requests_per_second=first.requests_per_second if first else 0.0,
        theme=first.theme if first else None,
        keymap=tuple(first.keys.items()) if first else (),
        autostart=autostart,
    )

    async def close_all() -> None:
        await asyncio.gather(*(m.connection.client.aclose() for m in members))

    app = MultiAccountApp(sources, options, on_exit=close_all)
    for member, feed in zip(members, app.feeds, strict=True):
        _follow_service_clock(feed.store, member.connection)
    return app


def _follow_service_clock(store: JobStore, connection: Connection) -> None:
    """Each account's service clock learns from the timestamps of its own jobs (as
    `launch.follow_service_clock` does for one account)."""
    store.subscribe(
        lambda changed, _ended: connection.observe(
            entry.job for job_id in changed if (entry := store.get(job_id)) is not None
        )
    )


def _demo_api(member: SetMember) -> str:
    emulator = member.connection.emulator
    return emulator.config.api if emulator is not None else "v2"
