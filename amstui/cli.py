"""The `amstui` command: the monitor (default), the emulator, and the headless commands.

Heavy modules (Textual, httpx, azure-identity, uvicorn) are imported inside the commands that
need them, so `amstui --version` and argument errors stay fast. Every failure a user can cause
ends as one line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from amstui import __version__
from amstui.ams.credential_kinds import CREDENTIAL_KINDS
from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.monitor.inert_text import inert

HEADLESS = ("jobs", "show", "wait", "cancel", "info", "login")
JOB_ID_HELP = (
    "JOB_ID is the full id (nb:jid:UUID:<guid>), the bare GUID, or a unique prefix of it "
    "(the 8 characters the monitor shows); an ambiguous prefix lists the candidates (exit 2). "
    "On v3 and mkio accounts it is TRANSFORM/JOB (as `jobs` shows it) or the job's full ARM "
    "resource id."
)
APIS = ("v2", "v3", "mkio")


class AccountFlag(argparse.Action):
    """`--account NAME`, repeatable: `account` keeps the last name (one account, as before),
    `account_set` every name given (several accounts in one view)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        namespace.account = values
        names = list(getattr(namespace, "account_set", None) or [])
        namespace.account_set = [*names, values]


def _connection_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    d = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--account",
        metavar="NAME",
        default=d,
        action=AccountFlag,
        help="account from the config (repeat to watch several)",
    )
    group.add_argument(
        "--all-accounts",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="watch every account in the config",
    )
    group.add_argument("--endpoint", metavar="URL", default=d, help="account REST root URL")
    group.add_argument(
        "--credential",
        metavar="KIND",
        default=d,
        choices=CREDENTIAL_KINDS,
        help=" | ".join(CREDENTIAL_KINDS),
    )
    group.add_argument(
        "--api",
        metavar="API",
        default=d,
        choices=APIS,
        help="the account's API: v2, v3 (ARM: Azure, Ravnur RMS) or mkio",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use the built-in emulator with a lively demo account",
    )
    group.add_argument(
        "--verbose", action="store_true", default=argparse.SUPPRESS if suppress else False
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="amstui",
        description="A keyboard-first terminal monitor for Azure Media Services encoding jobs.",
    )
    parser.add_argument("--version", action="version", version=f"amstui {__version__}")
    _connection_options(parser, suppress=False)
    parser.add_argument("--interval", type=_seconds, metavar="S", help="refresh interval")
    parser.add_argument("--readonly", action="store_true", default=None, help="no cancel")
    parser.add_argument("--no-mouse", action="store_true", help="do not capture the mouse")
    parser.add_argument("--bell", action="store_true", help="ring the bell when a job ends")
    parser.add_argument(
        "--fps", type=_fps, metavar="N", help="max frames per second, 1-120 (slow links)"
    )
    parser.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    parser.add_argument("--demo-jobs", type=int, default=400, help=argparse.SUPPRESS)
    parser.add_argument(
        "--accounts",
        type=int,
        metavar="N",
        dest="demo_accounts",
        help="with --demo: N emulated accounts in one view (2-6, v2 and v3 shapes)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    _connection_options(common, suppress=True)

    jobs = sub.add_parser("jobs", parents=[common], help="list jobs", description="List jobs.")
    jobs.add_argument(
        "--state",
        action="append",
        metavar="S",
        help="queued, scheduled, processing, finished, error, canceled, canceling, "
        "active or final (repeat or comma-separate)",
    )
    jobs.add_argument("--since", default="all", metavar="AGE", help="24h, 7d, 30d or all")
    jobs.add_argument("--name", metavar="PATTERN", help="substring of the name, or prefix*")
    jobs.add_argument("--limit", type=int, metavar="N")
    jobs.add_argument(
        "--transform",
        action="append",
        metavar="T",
        help="v3/mkio: only the jobs of this transform (repeatable)",
    )
    jobs.add_argument("--output", "-o", choices=("table", "json", "csv"), default="table")
    jobs.add_argument(
        "--no-progress",
        action="store_true",
        help="skip the tasks of processing jobs: faster, but their progress shows as - "
        "(by default one extra request per processing job, 8 at a time)",
    )

    show = sub.add_parser(
        "show",
        parents=[common],
        help="one job with its tasks (v3: outputs)",
        description=f"Show one job with its tasks (v3: outputs). {JOB_ID_HELP}",
    )
    show.add_argument("job_id", metavar="JOB_ID")
    show.add_argument("--output", "-o", choices=("table", "json"), default="table")
    show.add_argument("--raw", action="store_true", help="print the raw OData responses")

    wait = sub.add_parser(
        "wait",
        parents=[common],
        help="wait for jobs to end",
        description="Wait for jobs to end. Exit codes: 0 ended (finished with --exit-status), "
        "1 failed (v3: also finished with a failed output), 3 canceled (both with "
        "--exit-status; failed wins), 4 timeout, "
        "5 authentication, 6 no such job (or purged while waiting), 2 usage or an endpoint "
        f"that is not AMS, 130 interrupted. {JOB_ID_HELP}",
    )
    wait.add_argument("job_ids", nargs="+", metavar="JOB_ID")
    wait.add_argument("--interval", type=_seconds, metavar="S")
    wait.add_argument("--timeout", metavar="DURATION", help="e.g. 90s, 30m, 2h")
    wait.add_argument(
        "--exit-status", action="store_true", help="exit 1 if a job failed, 3 if one was canceled"
    )
    wait.add_argument("--quiet", "-q", action="store_true", help="only the final summary")

    cancel = sub.add_parser(
        "cancel",
        parents=[common],
        help="cancel jobs",
        description="Cancel jobs. On a terminal it asks first, naming the jobs; answering no "
        f"exits 0 (nothing canceled). {JOB_ID_HELP}",
    )
    cancel.add_argument("job_ids", nargs="+", metavar="JOB_ID")
    cancel.add_argument("--yes", "-y", action="store_true", help="do not ask")

    info = sub.add_parser("info", parents=[common], help="version, paths, accounts, credential")
    info.add_argument("--check", action="store_true", help="get a token and call the endpoint")

    login = sub.add_parser("login", help="device-code sign-in (for SSH sessions)")
    group = login.add_argument_group("connection")
    group.add_argument("--account", metavar="NAME", help="account from the config")
    group.add_argument("--endpoint", metavar="URL", help="account REST root URL")
    group.add_argument(
        "--credential", metavar="KIND", choices=CREDENTIAL_KINDS, help="device-code or default"
    )
    login.add_argument(
        "--persist-token-cache",
        action="store_true",
        help="keep the token cache (refresh tokens) on disk",
    )

    _emulator_parser(sub)
    return parser


def _emulator_parser(sub: Any) -> None:
    emu = sub.add_parser(
        "emulator",
        help="serve the AMS emulator (v2, v3/ARM or MK.IO shape) on a port",
        description="Serve the AMS emulator: v2 REST, v3 ARM (Azure, Ravnur RMS) or MK.IO "
        "(see README: Emulator).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    emu.add_argument("--api", choices=("v2", "v3", "mkio"), default="v2", help="wire shape")
    emu.add_argument("--host", default="127.0.0.1", help="address to listen on")
    emu.add_argument("--port", type=int, default=8700, help="port to listen on")
    emu.add_argument("--jobs", type=int, default=500, help="jobs in the account (<= 1,000,000)")
    emu.add_argument("--active", type=int, default=40, help="jobs not final at the start")
    emu.add_argument("--concurrency", type=int, default=8, help="jobs processing at once")
    emu.add_argument("--seed", type=int, default=1, help="seed of the simulated account")
    emu.add_argument("--speed", type=float, default=1.0, help="virtual seconds per second")
    emu.add_argument("--error-rate", type=float, default=0.08, help="share of jobs that fail")
    emu.add_argument("--arrival-rate", type=float, default=2.0, help="new jobs per minute")
    emu.add_argument("--purge-days", type=float, default=90.0, help="job retention in days")
    emu.add_argument("--task-seconds", type=float, default=240.0, help="typical task length")
    emu.add_argument(
        "--cancel-seconds",
        type=float,
        default=None,
        help="how long a processing job stays Canceling (None: 2 for v2, 35 for v3 and mkio)",
    )
    emu.add_argument(
        "--dates", choices=("auto", "naive", "iso", "msdate"), default="auto", help="v2 dates"
    )
    emu.add_argument("--faults", default="", metavar="SPEC", help="e.g. 503=3,latency=0.2")
    emu.add_argument("--legacy-redirect", action="store_true", help="v2: 301 from localhost")
    emu.add_argument("--token", default=None, help="accept only this bearer token")
    emu.add_argument(
        "--subscription",
        default="00000000-0000-0000-0000-000000000000",
        help="v3/mkio: subscription id",
    )
    emu.add_argument("--resource-group", default="amstui-demo", help="v3: resource group")
    emu.add_argument("--account", default="amstuidemo", help="v3: account; mkio: project")
    emu.add_argument("--page-size", type=int, default=100, help="v3/mkio: jobs per page")
    emu.add_argument(
        "--transforms",
        type=int,
        default=5,
        help="v3/mkio: transforms in the account (1-100: five kinds, then numbered variants)",
    )
    emu.add_argument(
        "--arm-throttle",
        action="store_true",
        help="v3/mkio: 429 past ARM's token buckets (reads 250 at 25/s, writes 200 at 10/s)",
    )
    emu.add_argument(
        "--rms-api-key",
        default=None,
        metavar="KEY",
        help="v3: serve RMS's POST /auth/token for this key; accept only the tokens it issues",
    )


def _fps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 120:
        raise argparse.ArgumentTypeError("must be between 1 and 120")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.5 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 0.5 and 3600 seconds")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "emulator":
            return run_emulator(args)
        if args.command in HEADLESS:
            from importlib import import_module

            module = import_module(f"amstui.commands.{args.command}")
            from amstui.bootstrap import logfile

            logfile.configure()
            return int(module.run(args))
        from amstui.bootstrap.launch import run_monitor

        return run_monitor(args)
    except CliError as exc:
        print(f"amstui: {inert(str(exc), keep_lines=True)}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return exit_codes.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`amstui jobs | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return exit_codes.OK
    except Exception as exc:  # a bug: one line here, the traceback in the log file
        import logging

        from amstui.bootstrap import logfile

        path = logfile.configure()
        logging.getLogger("amstui").exception("internal error")
        where = f"; details in {path}" if path else ""
        from amstui.ams.exchange import redact_text

        message = redact_text(f"{type(exc).__name__}: {exc}")
        print(f"amstui: internal error: {inert(message)}{where}", file=sys.stderr)
        return exit_codes.FAILED


def run_emulator(args: argparse.Namespace) -> int:
    from amstui.emulator.app import Emulator, EmulatorConfig
    from amstui.emulator.faults import FaultSpecError
    from amstui.emulator.server import serve_forever
    from amstui.emulator.simulation import SimConfig

    if not 0 <= args.jobs <= 1_000_000:
        raise CliError("--jobs must be between 0 and 1,000,000", exit_codes.USAGE)
    if args.speed < 0 or not 0 <= args.error_rate <= 1 or args.concurrency < 1:
        raise CliError(
            "--speed >= 0, --error-rate in 0..1 and --concurrency >= 1", exit_codes.USAGE
        )
    if not 1 <= args.transforms <= 100:
        raise CliError("--transforms must be between 1 and 100", exit_codes.USAGE)
    if not 1 <= args.page_size <= 1000:
        raise CliError("--page-size must be between 1 and 1000", exit_codes.USAGE)
    if args.api != "v2" and args.legacy_redirect:
        raise CliError("--legacy-redirect applies to --api v2 only", exit_codes.USAGE)
    if args.rms_api_key is not None and args.api != "v3":
        raise CliError("--rms-api-key applies to --api v3 only", exit_codes.USAGE)
    cancel_seconds = args.cancel_seconds
    if cancel_seconds is None:
        cancel_seconds = 2.0 if args.api == "v2" else 35.0
    if not 0 <= cancel_seconds <= 3600:
        raise CliError("--cancel-seconds must be between 0 and 3600", exit_codes.USAGE)
    try:
        emulator = Emulator(
            EmulatorConfig(
                sim=SimConfig(
                    seed=args.seed,
                    jobs=args.jobs,
                    active=min(args.active, args.jobs),
                    concurrency=args.concurrency,
                    error_rate=args.error_rate,
                    arrival_rate=max(args.arrival_rate, 0.0),
                    purge_days=args.purge_days,
                    task_seconds=max(args.task_seconds, 1.0),
                    cancel_seconds=cancel_seconds,
                    transforms=args.transforms,
                ),
                speed=args.speed,
                token=args.token,
                legacy_redirect=args.legacy_redirect,
                date_style=args.dates,
                faults=args.faults,
                api=args.api,
                subscription=args.subscription,
                resource_group=args.resource_group,
                account=args.account,
                page_size=args.page_size,
                arm_throttle=args.arm_throttle,
                rms_api_key=args.rms_api_key,
            )
        )
    except (FaultSpecError, ValueError) as exc:
        raise CliError(str(exc), exit_codes.USAGE) from None
    host = args.host
    loopback = host in ("127.0.0.1", "::1", "localhost")
    origin = f"http://{'[' + host + ']' if ':' in host else host}:{args.port}"
    if not loopback:
        print(f"warning: serving on {host}, reachable from other machines", file=sys.stderr)
    shape = {"v2": "AMS v2", "v3": "AMS v3 (ARM)", "mkio": "MK.IO (AMS v3)"}[args.api]
    print(f"{shape} emulator: {len(emulator.sim.jobs)} jobs, seed {args.seed}, speed {args.speed}x")
    root = "/api/" if emulator.v3 is None else emulator.v3.root_path
    print(f"account root:    {origin}{root}")
    if args.legacy_redirect:
        print(f"global root:     http://localhost:{args.port}/api/  (answers 301)")
    if args.rms_api_key is not None:
        print(f"token endpoint:  POST {origin}/auth/token  (RMS)")
    print(f"admin:           {origin}/_emulator/")
    cred = "none" if args.token is None else "none  # (--token set: send it as the bearer)"
    if args.api == "v2":
        print(f"try:             amstui --endpoint {origin}/api/ --credential {cred}")
    else:
        print(
            f"try:             amstui --api {args.api} --endpoint {origin}{root}"
            " --credential none  # the monitor side needs the v3 client"
        )
    sys.stdout.flush()
    try:
        serve_forever(emulator, host, args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{args.port}: {exc.strerror or exc}") from None
    return exit_codes.OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
