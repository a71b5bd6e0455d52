"""Launching the monitor from parsed arguments: settings, connection, app, run."""

from __future__ import annotations

import argparse
import os
import sys

from amstui.cli import EXIT_USAGE, CliError


def resolve_connection(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The connection the flags, variables and config file ask for (CliError if none)."""
    from amstui import config
    from amstui.connect import connect_account, connect_demo

    if getattr(args, "demo", False):
        return connect_demo(getattr(args, "seed", 7)), None
    try:
        settings = config.load_settings()
        flags = config.Overrides(
            account=getattr(args, "account", None),
            endpoint=getattr(args, "endpoint", None),
            credential=getattr(args, "credential", None),
            interval=getattr(args, "interval", None),
            readonly=getattr(args, "readonly", None),
        )
        resolved = config.resolve(settings, config.merge_overrides(config.env_overrides(), flags))
    except config.ConfigError as exc:
        raise CliError(f"config error: {exc}", EXIT_USAGE) from None
    if resolved.account is None:
        raise CliError(
            f"no account configured. Add one to {config.config_path()} "
            "(see README: Configuration)\n"
            "  or pass --endpoint URL [--credential KIND], or try the demo: amstui --demo",
            EXIT_USAGE,
        )
    try:
        return connect_account(resolved.account), resolved
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def run_monitor(args: argparse.Namespace) -> int:
    from amstui import logfile

    logfile.configure()
    if args.fps:
        if not 1 <= args.fps <= 120:
            raise CliError("--fps must be between 1 and 120", EXIT_USAGE)
        os.environ["TEXTUAL_FPS"] = str(args.fps)
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise CliError(
            "the monitor needs a terminal; for scripts use `amstui jobs` or `amstui wait`",
            EXIT_USAGE,
        )
    connection, resolved = resolve_connection(args)
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
    )
    app = make_app(connection.client, options, now=connection.now, on_exit=connection.client.aclose)
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0
