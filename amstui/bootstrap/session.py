"""What every command starts with: the settings, the account, a connection; and how an error
becomes one line on stderr and an exit code.

Precedence: command-line flags beat `AMSTUI_*` environment variables, which beat the config
file.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.monitor.inert_text import inert

if TYPE_CHECKING:
    from amstui.ams.client import AmsV2Client, RetryPolicy
    from amstui.ams.errors import AmsError
    from amstui.ams.v3_client import AmsV3Client
    from amstui.bootstrap.connect import Connection
    from amstui.config import ConfigError, Resolved


def config_failure(exc: ConfigError) -> CliError:
    """`config error: <where>: <key>: <problem>`, with one prefix (exit 2)."""
    where = "" if exc.source in ("config", "") else f"{exc.source}: "
    return CliError(f"config error: {where}{exc.key}: {exc.problem}", exit_codes.USAGE)


def resolve_settings(args: argparse.Namespace) -> Resolved:
    """The config file, then the variables, then the flags (the last word wins)."""
    from amstui import config

    try:
        settings = config.load_settings()
        flags = config.Overrides(
            account=getattr(args, "account", None),
            endpoint=getattr(args, "endpoint", None),
            credential=getattr(args, "credential", None),
            interval=getattr(args, "interval", None),
            readonly=getattr(args, "readonly", None),
            api=getattr(args, "api", None),
        )
        return config.resolve(settings, config.merge_overrides(config.env_overrides(), flags))
    except config.ConfigError as exc:
        raise config_failure(exc) from None


def no_account() -> CliError:
    from amstui import config

    return CliError(
        f"no account configured. Add one to {config.config_path()} "
        "(see README: Configuration)\n"
        "  or pass --endpoint URL [--credential KIND], or try the demo: amstui --demo",
        exit_codes.USAGE,
    )


def resolve_connection(
    args: argparse.Namespace, retry: RetryPolicy | None = None
) -> tuple[Connection, Resolved | None]:
    """The connection the flags, variables and config file ask for (CliError if none)."""
    from amstui.bootstrap.connect import MONITOR_RETRY, connect_account, connect_demo

    policy = retry or MONITOR_RETRY
    if getattr(args, "demo", False):
        jobs = min(max(getattr(args, "demo_jobs", 400), 1), 100_000)
        api = getattr(args, "api", None) or "v2"
        return connect_demo(getattr(args, "seed", 7), jobs=jobs, retry=policy, api=api), None
    resolved = resolve_settings(args)
    if resolved.account is None:
        raise no_account()
    try:
        return connect_account(resolved.account, retry=policy), resolved
    except ValueError as exc:
        raise CliError(str(exc), exit_codes.USAGE) from None


def ready_for_monitor(resolved: Resolved | None) -> None:
    """What the monitor needs before it starts: the theme and key bindings of the config
    checked against what the UI offers, and a terminal (a CliError, exit 2, otherwise)."""
    if resolved is not None:
        from amstui.config import ConfigError
        from amstui.ui.config_check import check_ui_settings

        try:
            check_ui_settings(resolved)
        except ConfigError as exc:
            raise CliError(f"config error: {exc}", exit_codes.USAGE) from None
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise CliError(
            "the monitor needs a terminal; for scripts use `amstui jobs` or `amstui wait`",
            exit_codes.USAGE,
        )


def exit_code_for(exc: AmsError) -> int:
    from amstui.ams.errors import AuthenticationError, InvalidJobIdError, NotFoundError

    if isinstance(exc, InvalidJobIdError):
        return exit_codes.USAGE
    if isinstance(exc, AuthenticationError):
        return exit_codes.AUTH
    if isinstance(exc, NotFoundError):
        return exit_codes.NOT_FOUND
    return exit_codes.FAILED


def print_exchange(exc: AmsError) -> None:
    """The redacted exchange behind an error, on stderr (--verbose), control characters
    shown as escapes."""
    if exc.exchange is None:
        return
    ex = exc.exchange
    print(f"> {inert(ex.request_line)}", file=sys.stderr)
    print(f"< {ex.status if ex.status is not None else inert(ex.error or '')}", file=sys.stderr)
    for name, value in ex.headers:
        print(f"< {name}: {inert(value)}", file=sys.stderr)
    if ex.body:
        print(inert(ex.body[:4000], keep_lines=True), file=sys.stderr)


def fail(exc: AmsError, verbose: bool) -> CliError:
    """The CliError for an AMS error; with --verbose, the redacted exchange on stderr first."""
    if verbose:
        print_exchange(exc)
    return CliError(str(exc), exit_code_for(exc))


def no_such_job(job_id: str) -> CliError:
    """The one wording for a job the service does not have (show, wait, cancel): exit 6."""
    return CliError(f"no such job: {job_id}", exit_codes.NOT_FOUND)


def not_ams(endpoint: str, exc: AmsError, api: str = "v2") -> CliError:
    """The endpoint answered, but not as an AMS v2 REST root (or a v3 account) would (exit 2)."""
    if api != "v2":
        return CliError(
            f"{endpoint} does not look like an AMS v3 account (GET transforms: {exc}); check "
            "the endpoint (the account's resource URL .../providers/Microsoft.Media/"
            "mediaServices/ACCOUNT, or https://api.mk.io/api/ams/PROJECT) and --api",
            exit_codes.USAGE,
        )
    return CliError(
        f"{endpoint} does not look like an AMS REST root (GET Jobs: {exc}); "
        "check the endpoint (it ends in /api/)",
        exit_codes.USAGE,
    )


async def probe(client: AmsV2Client | AmsV3Client) -> AmsError | None:
    """What `info --check` does: list one job (v3: the transforms). None if the endpoint
    answers like AMS; the error otherwise."""
    from amstui.ams.errors import AmsError
    from amstui.ams.v3_client import AmsV3Client

    try:
        if isinstance(client, AmsV3Client):
            await client.list_transforms()
        else:
            await client.list_jobs_raw(top=1)
    except AmsError as exc:
        return exc
    return None


def api_of(client: AmsV2Client | AmsV3Client) -> str:
    """`v2`, `v3` or `mkio`: the API the client speaks."""
    from amstui.ams.v3_client import AmsV3Client

    if isinstance(client, AmsV3Client):
        return "mkio" if client.flavour == "mkio" else "v3"
    return "v2"


def not_ams_shaped(problem: AmsError | None) -> bool:
    """Whether a probe's failure says the endpoint is not an AMS REST root: a 404, or an
    answer that is not an OData collection at all. An OData collection holding a value amstui
    cannot read is still AMS: the command goes on (and rides it out) instead of blaming the
    endpoint."""
    from amstui.ams.errors import NotFoundError, ProtocolError

    if isinstance(problem, NotFoundError):
        return True
    if not isinstance(problem, ProtocolError):
        return False
    body = problem.exchange.body if problem.exchange is not None else ""
    head = body.lstrip()[:200]
    return not (
        head.startswith("{") and ('"odata.metadata"' in head or '"value"' in head or '"d"' in head)
    )


async def explain_not_found(
    client: AmsV2Client | AmsV3Client, job_id: str, exc: AmsError
) -> CliError:
    """A 404 for a job: `no such job` if the endpoint answers like AMS, otherwise say that
    the endpoint is not an AMS REST root."""
    problem = await probe(client)
    if problem is not None and not_ams_shaped(problem):
        return not_ams(client.endpoint, problem, api_of(client))
    if problem is not None:
        return fail(problem, verbose=False)
    return no_such_job(job_id)
