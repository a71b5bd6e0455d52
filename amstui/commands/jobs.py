"""`amstui jobs`: list jobs (paging transparently) as a table, JSON lines or CSV.

On v3 and MK.IO accounts the listing carries every output's progress (no extra request per
processing job); `--transform` lists only those transforms (ARM lists per transform anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from amstui.ams.model import Job, JobState
from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import fail, not_ams, print_exchange, resolve_connection
from amstui.monitor.inert_text import inert

if TYPE_CHECKING:
    from amstui.ams.backend import JobsBackend
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


#: Task requests in flight at once when `jobs` fetches the progress of processing jobs.
PROGRESS_CONCURRENCY = 8


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def with_progress(
    client: JobsBackend, jobs: list[Job], concurrency: int = PROGRESS_CONCURRENCY
) -> tuple[list[Job], int, list[str]]:
    """`jobs` with the tasks of each processing job (a v2 listing carries none, so progress
    is unknown without them): one request per job, at most `concurrency` at a time. A job
    whose tasks cannot be fetched stays in the list without progress.

    Returns the jobs, the number of requests and the errors (one line each)."""
    from amstui.ams.errors import AmsError

    gate = asyncio.Semaphore(max(concurrency, 1))
    errors: list[str] = []

    async def one(job: Job) -> Job:
        if job.state != JobState.PROCESSING or job.task_count is not None:
            return job
        async with gate:
            try:
                fetched = await client.get_tasks(job.id)
            except AmsError as exc:
                errors.append(f"{job.id}: {exc}")
                return job
        return job.with_tasks(fetched.value)

    wanted = sum(1 for j in jobs if j.state == JobState.PROCESSING and j.task_count is None)
    return list(await asyncio.gather(*(one(j) for j in jobs))), wanted, errors


async def check_transforms(client: object, wanted: tuple[str, ...]) -> None:
    """CliError (exit 6) naming a `--transform` the account does not have (one request)."""
    from amstui.ams.v3_client import AmsV3Client

    assert isinstance(client, AmsV3Client)
    known = (await client.list_transforms()).value
    lowered = {t.lower() for t in known}
    missing = [t for t in wanted if t.lower() not in lowered]
    if missing:
        raise CliError(
            f"no such transform: {inert(missing[0])} (the account has: "
            f"{inert(', '.join(known)) or 'none'})",
            exit_codes.NOT_FOUND,
        )


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.backend import JobQuery
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import AmsError, NotFoundError, ProtocolError

    try:
        states = output.parse_states(args.state or [])
    except ValueError as exc:
        raise CliError(f"--state: {exc}", exit_codes.USAGE) from None
    since = parse_since(args.since)
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", exit_codes.USAGE)
    from amstui.bootstrap.account_set import wants_several

    if wants_several(args):  # several accounts: commands/jobs_set.py
        from amstui.commands.jobs_set import run_set

        return await run_set(args, states, since, with_progress)
    pattern = args.name or ""
    prefix = pattern[:-1] if pattern.endswith("*") and "*" not in pattern[:-1] else None
    transforms = tuple(dict.fromkeys(t.strip() for t in args.transform or () if t.strip()))
    connection, _ = resolve_connection(args, RetryPolicy())
    if transforms and connection.api == "v2":
        raise CliError("--transform needs a v3 or mkio account (--api v3|mkio)", exit_codes.USAGE)
    if transforms:
        from amstui.ams import arm
        from amstui.ams.errors import InvalidJobIdError

        try:
            transforms = tuple(arm.check_name("transform", t) for t in transforms)
        except InvalidJobIdError as exc:
            raise CliError(f"--transform: {inert(str(exc))}", exit_codes.USAGE) from None
    async with connection.client:
        requests = 0
        try:
            client = connection.client
            if (
                since is not None
                and connection.clock is not None
                and hasattr(client, "list_jobs_raw")
            ):
                # `--since` counts back from the service's now: read its clock first.
                requests += len((await client.list_jobs_raw(top=1)).exchanges)
            query = JobQuery(
                states=states,
                created_after=connection.now() - since if since is not None else None,
                name_startswith=prefix or None,
                newest_first=True,
                # A substring match is applied here, after the listing: fetch everything.
                limit=args.limit if (prefix or not pattern) else None,
                transforms=transforms,
            )
            if transforms:
                await check_transforms(client, transforms)
            fetched = await connection.client.list_jobs(query)
        except (NotFoundError, ProtocolError) as exc:
            # Listing jobs never 404s on an AMS REST root, and AMS always answers OData.
            if args.verbose:
                print_exchange(exc)
            raise not_ams(connection.client.endpoint, exc, connection.api) from None
        except AmsError as exc:
            raise fail(exc, args.verbose) from None
        jobs = fetched.value
        if pattern and prefix is None:
            needle = pattern.replace("*", "").lower()
            jobs = [j for j in jobs if needle in j.name.lower()]
            if args.limit is not None:
                jobs = jobs[: args.limit]
        requests += fetched.requests
        errors: list[str] = []
        if not args.no_progress:
            jobs, extra, errors = await with_progress(connection.client, jobs)
            requests += extra
        connection.observe(jobs)
        now = connection.now()
    if errors:
        print(
            f"amstui: progress unknown for {len(errors)} job(s): {inert(errors[0])}",
            file=sys.stderr,
        )
    out = sys.stdout
    if args.output == "json":
        for line in output.json_lines(jobs, now):
            out.write(line + "\n")
    elif args.output == "csv":
        out.write(output.csv_text(jobs, now))
    else:
        for line in output.table_lines(jobs, now):
            out.write(line + "\n")
        print(f"{len(jobs)} job(s), {requests} request(s)", file=sys.stderr)
    return exit_codes.OK
