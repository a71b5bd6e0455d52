"""What every command starts with: the settings, the account, a connection; and how an error
becomes one line on stderr and an exit code."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError

if TYPE_CHECKING:
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import AmsError
    from amstui.bootstrap.connect import Connection
    from amstui.config import Resolved


def resolve_connection(
    args: argparse.Namespace, retry: RetryPolicy | None = None
) -> tuple[Connection, Resolved | None]:
    """The connection the flags, variables and config file ask for (CliError if none)."""
    from amstui import config
    from amstui.bootstrap.connect import MONITOR_RETRY, connect_account, connect_demo

    policy = retry or MONITOR_RETRY
    if getattr(args, "demo", False):
        jobs = min(max(getattr(args, "demo_jobs", 400), 1), 100_000)
        return connect_demo(getattr(args, "seed", 7), jobs=jobs, retry=policy), None
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
        raise CliError(f"config error: {exc}", exit_codes.USAGE) from None
    if resolved.account is None:
        raise CliError(
            f"no account configured. Add one to {config.config_path()} "
            "(see README: Configuration)\n"
            "  or pass --endpoint URL [--credential KIND], or try the demo: amstui --demo",
            exit_codes.USAGE,
        )
    try:
        return connect_account(resolved.account, retry=policy), resolved
    except ValueError as exc:
        raise CliError(str(exc), exit_codes.USAGE) from None


def exit_code_for(exc: AmsError) -> int:
    from amstui.ams.errors import AuthenticationError, InvalidJobIdError, NotFoundError

    if isinstance(exc, InvalidJobIdError):
        return exit_codes.USAGE
    if isinstance(exc, AuthenticationError):
        return exit_codes.AUTH
    if isinstance(exc, NotFoundError):
        return exit_codes.NOT_FOUND
    return exit_codes.FAILED


def fail(exc: AmsError, verbose: bool) -> CliError:
    """The CliError for an AMS error; with --verbose, the redacted exchange on stderr first."""
    if verbose and exc.exchange is not None:
        ex = exc.exchange
        print(f"> {ex.request_line}", file=sys.stderr)
        print(f"< {ex.status if ex.status is not None else ex.error}", file=sys.stderr)
        for name, value in ex.headers:
            print(f"< {name}: {value}", file=sys.stderr)
        if ex.body:
            print(ex.body[:4000], file=sys.stderr)
    return CliError(str(exc), exit_code_for(exc))
