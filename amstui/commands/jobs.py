"""`amstui jobs`: list jobs (paging transparently) as a table, JSON lines or CSV."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import timedelta

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import fail, resolve_connection
from amstui.commands import output


def parse_since(text: str) -> timedelta | None:
    """`24h`, `7d`, `30d`, `90m`, `all`."""
    text = text.strip().lower()
    if text == "all":
        return None
    m = re.fullmatch(r"(\d+)\s*([mhdw])", text)
    if not m:
        raise CliError(
            f"--since: expected e.g. 24h, 7d, 30d or all (got {text!r})", exit_codes.USAGE
        )
    number, unit = int(m.group(1)), m.group(2)
    seconds = {"m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    return timedelta(seconds=number * seconds)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.backend import JobQuery
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import AmsError

    try:
        states = output.parse_states(args.state or [])
    except ValueError as exc:
        raise CliError(f"--state: {exc}", exit_codes.USAGE) from None
    since = parse_since(args.since)
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", exit_codes.USAGE)
    pattern = args.name or ""
    prefix = pattern[:-1] if pattern.endswith("*") and "*" not in pattern[:-1] else None
    connection, _ = resolve_connection(args, RetryPolicy())
    now = connection.now()
    query = JobQuery(
        states=states,
        created_after=now - since if since is not None else None,
        name_startswith=prefix or None,
        newest_first=True,
        # A substring match is applied here, after the listing: fetch everything first.
        limit=args.limit if (prefix or not pattern) else None,
    )
    try:
        async with connection.client:
            fetched = await connection.client.list_jobs(query)
    except AmsError as exc:
        raise fail(exc, args.verbose) from None
    jobs = fetched.value
    if pattern and prefix is None:
        needle = pattern.replace("*", "").lower()
        jobs = [j for j in jobs if needle in j.name.lower()]
        if args.limit is not None:
            jobs = jobs[: args.limit]
    out = sys.stdout
    if args.output == "json":
        for line in output.json_lines(jobs, now):
            out.write(line + "\n")
    elif args.output == "csv":
        out.write(output.csv_text(jobs, now))
    else:
        for line in output.table_lines(jobs, now):
            out.write(line + "\n")
        print(f"{len(jobs)} job(s), {len(fetched.exchanges)} request(s)", file=sys.stderr)
    return 0
