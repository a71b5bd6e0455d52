"""`amstui cancel JOB_ID ...`: cancel jobs, after a confirmation on a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import fail, resolve_connection


def run(args: argparse.Namespace) -> int:
    from amstui.ams.errors import AmsError
    from amstui.ams.odata import validate_job_id

    try:
        ids = list(dict.fromkeys(validate_job_id(i) for i in args.job_ids))
    except AmsError as exc:
        raise CliError(str(exc), exit_codes.USAGE) from None
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(
                "refusing to cancel without --yes when not interactive", exit_codes.USAGE
            )
        answer = input(f"Cancel {len(ids)} job(s)? This cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing canceled")
            return exit_codes.FAILED
    return asyncio.run(_run(args, ids))


async def _run(args: argparse.Namespace, ids: list[str]) -> int:
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import AmsError, AuthenticationError

    connection, _ = resolve_connection(args, RetryPolicy())
    failures = 0
    async with connection.client:
        for job_id in ids:
            try:
                await connection.client.cancel_job(job_id)
            except AuthenticationError as exc:
                raise fail(exc, args.verbose) from None
            except AmsError as exc:
                failures += 1
                print(f"{job_id}: not canceled: {exc}", file=sys.stderr)
                continue
            print(f"{job_id}: cancel requested")
    return exit_codes.FAILED if failures else 0
