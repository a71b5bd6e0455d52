"""Launching the monitor from parsed arguments: settings, connection, app, run."""

from __future__ import annotations

import argparse
import os
import sys

from amstui.cli import EXIT_USAGE, CliError
from amstui.commands.session import resolve_connection


def run_monitor(args: argparse.Namespace) -> int:
    from amstui import logfile

    logfile.configure()
    if args.fps:
        if not 1 <= args.fps <= 120:
            raise CliError("--fps must be between 1 and 120", EXIT_USAGE)
        os.environ["TEXTUAL_FPS"] = str(args.fps)
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
    connection, resolved = resolve_connection(args)
    if resolved is not None:
        from amstui.config import ConfigError
        from amstui.ui.config_check import check_ui_settings

        try:
            check_ui_settings(resolved)
        except ConfigError as exc:
            raise CliError(f"config error: {exc}", EXIT_USAGE) from None
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise CliError(
            "the monitor needs a terminal; for scripts use `amstui jobs` or `amstui wait`",
            EXIT_USAGE,
        )
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
    )
    app = make_app(connection.client, options, now=connection.now, on_exit=connection.client.aclose)
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0
