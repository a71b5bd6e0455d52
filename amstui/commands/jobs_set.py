"""`amstui jobs` over several accounts (`--account A --account B`, `--all-accounts`, or the
config's `[defaults] accounts`): every account is listed side by side, each with its own
client and credential; the rows are merged newest first and carry their account (JSON and CSV
gain an `account` field; the table writes ids as `ACCOUNT:ID`). An account that fails is named
on stderr and sets the exit code; the others' jobs are still printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from amstui.ams.backend import JobQuery, JobsBackend
from amstui.ams.client import RetryPolicy
from amstui.ams.errors import AmsError
from amstui.ams.model import Job, JobState
from amstui.bootstrap import exit_codes
from amstui.bootstrap.account_set import SetMember, connect_set
from amstui.bootstrap.session import exit_code_for
from amstui.commands import output
from amstui.monitor.inert_text import inert

WithProgress = Callable[
    [JobsBackend, list[Job]], Coroutine[Any, Any, tuple[list[Job], int, list[str]]]
]


@dataclass(slots=True)
class Listed:
    account: str
    jobs: list[Job]
    now: datetime
    requests: int = 0
    error: AmsError | None = None


async def _list_one(
    member: SetMember,
    states: tuple[JobState, ...],
    since: timedelta | None,
    pattern: str,
    limit: int | None,
    with_progress: WithProgress | None,
) -> Listed:
    connection = member.connection
    prefix = pattern[:-1] if pattern.endswith("*") and "*" not in pattern[:-1] else None
    async with connection.client:
        try:
            query = JobQuery(
                states=states,
                created_after=connection.now() - since if since is not None else None,
                name_startswith=prefix or None,
                newest_first=True,
                limit=limit if (prefix or not pattern) else None,
            )
            fetched = await connection.client.list_jobs(query)
        except AmsError as exc:
            return Listed(connection.account, [], connection.now(), error=exc)
        jobs = fetched.value
        if pattern and prefix is None:
            needle = pattern.replace("*", "").lower()
            jobs = [j for j in jobs if needle in j.name.lower()]
            if limit is not None:
                jobs = jobs[:limit]
        requests = fetched.requests
        if with_progress is not None:
            jobs, extra, _errors = await with_progress(connection.client, jobs)
            requests += extra
        connection.observe(jobs)
        return Listed(connection.account, jobs, connection.now(), requests)


async def run_set(
    args: argparse.Namespace,
    states: tuple[JobState, ...],
    since: timedelta | None,
    with_progress: WithProgress,
) -> int:
    """`with_progress` is `jobs.with_progress` (passed in: this module is imported by it)."""
    members = connect_set(args, RetryPolicy())
    listed = await asyncio.gather(
        *(
            _list_one(
                m,
                states,
                since,
                args.name or "",
                args.limit,
                None if args.no_progress else with_progress,
            )
            for m in members
        )
    )
    code = exit_codes.OK
    for result in listed:
        if result.error is not None:
            print(f"amstui: {inert(result.account)}: {inert(str(result.error))}", file=sys.stderr)
            if code == exit_codes.OK:
                code = exit_code_for(result.error)
    rows = [(r.account, job, r.now) for r in listed for job in r.jobs]
    # Newest first across accounts (a job without a creation time last).
    rows.sort(key=lambda row: (row[1].created is not None, row[1].created or row[2]), reverse=True)
    out = sys.stdout
    if args.output == "json":
        for account, job, now in rows:
            out.write(output.json_text({"account": account, **output.job_record(job, now)}) + "\n")
    elif args.output == "csv":
        records = (
            {"account": account, **output.job_record(job, now)} for account, job, now in rows
        )
        v3 = any(job.transform is not None for _, job, _ in rows)
        out.write(output.csv_records(records, v3, lead=("account",)))
    else:
        latest = max((r.now for r in listed), default=None)
        qualified = [replace(job, id=f"{account}:{job.id}") for account, job, _ in rows]
        if latest is not None:
            for line in output.table_lines(qualified, latest):
                out.write(line + "\n")
        requests = sum(r.requests for r in listed)
        print(
            f"{len(rows)} job(s) in {len(listed)} accounts, {requests} request(s)",
            file=sys.stderr,
        )
    return code
