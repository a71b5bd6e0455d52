"""Launching the monitor from parsed arguments: settings, connection, app, run."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from amstui.bootstrap.session import ready_for_monitor, resolve_connection

if TYPE_CHECKING:
    from amstui.bootstrap.connect import Connection
    from amstui.monitor.store import JobStore


def follow_service_clock(store: JobStore, connection: Connection) -> None:
    """The service clock also learns from the timestamps of every job the monitor reads."""
    store.subscribe(
        lambda changed, _ended: connection.observe(
            entry.job for job_id in changed if (entry := store.get(job_id)) is not None
        )
    )


def run_monitor(args: argparse.Namespace) -> int:
    from amstui.bootstrap import logfile

    logfile.configure()
    if args.fps is not None:  # 1-120, checked by the parser
        os.environ["TEXTUAL_FPS"] = str(args.fps)
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
    from amstui.bootstrap.account_set import wants_several

    if wants_several(args):  # several accounts in one view
        from amstui.bootstrap.launch_set import run_set_monitor

        return run_set_monitor(args)
    connection, resolved = resolve_connection(args)
    ready_for_monitor(resolved)
    from amstui.ui.app import AppOptions, make_app

    interval = args.interval or (resolved.interval if resolved else 5.0)
    readonly = bool(args.readonly or (resolved.readonly if resolved else False))
    options = AppOptions(
        account=connection.account,
        endpoint=connection.endpoint,
        interval=interval,
        readonly=readonly,
        bell=args.bell,
        max_in_flight=resolved.max_in_flight if resolved else 8,
        requests_per_second=resolved.requests_per_second if resolved else 0.0,
        theme=resolved.theme if resolved else None,
        keymap=tuple(resolved.keys.items()) if resolved else (),
        api=connection.api,
    )
    app = make_app(connection.client, options, now=connection.now, on_exit=connection.client.aclose)
    follow_service_clock(app.store, connection)
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0
