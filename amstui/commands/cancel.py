"""`amstui cancel JOB_ID ...`: cancel jobs, after a confirmation on a terminal.

The prompt names each job (id and name, read from the service first). Answering no is not a
failure: `nothing canceled`, exit 0. A job that is already canceling or final gets one line
saying so and counts as not canceled (exit 1), like any other job that could not be canceled.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from amstui.ams.model import Job, JobState
from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import explain_not_found, fail, resolve_connection
from amstui.commands import job_ids
from amstui.monitor.inert_text import inert
from amstui.monitor.labels import short_id

ALREADY = {
    JobState.FINISHED: "finished",
    JobState.ERROR: "failed",
    JobState.CANCELED: "canceled",
    JobState.CANCELING: "canceling",
}


def run(args: argparse.Namespace) -> int:
    if not args.yes and not sys.stdin.isatty():
        raise CliError("refusing to cancel without --yes when not interactive", exit_codes.USAGE)
    return asyncio.run(_run(args))


def describe(job: Job) -> str:
    return f"{short_id(job.id)} {inert(job.name)!r} ({job.state.label})"


def confirm(jobs: list[Job]) -> bool:
    """Ask on the terminal, naming the jobs; True for y/yes."""
    if len(jobs) == 1:
        question = f"Cancel job {describe(jobs[0])}? This cannot be undone. [y/N] "
    else:
        listed = "\n".join(f"  {describe(j)}" for j in jobs)
        question = f"Cancel these {len(jobs)} jobs?\n{listed}\nThis cannot be undone. [y/N] "
    try:
        answer = input(question)
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import (
        AmsError,
        AuthenticationError,
        JobAlreadyFinishedError,
        NotFoundError,
    )

    connection, _ = resolve_connection(args, RetryPolicy())
    wanted = job_ids.parse_all(args.job_ids, connection.api)
    failures = 0
    async with connection.client:
        client = connection.client
        try:
            ids = await job_ids.resolve(client, wanted)
        except AmsError as exc:
            raise fail(exc, args.verbose) from None
        jobs: dict[str, Job] = {}
        for job_id in ids:
            try:
                jobs[job_id] = (await client.get_job(job_id)).value
            except NotFoundError as exc:
                raise await explain_not_found(client, job_id, exc) from None
            except AmsError as exc:
                raise fail(exc, args.verbose) from None
        if not args.yes and not confirm(list(jobs.values())):
            print("nothing canceled")
            return exit_codes.OK
        for job_id, job in jobs.items():
            if job.state == JobState.CANCELING or job.is_final:
                failures += 1
                word = ALREADY.get(job.state, job.state.label)
                print(f"{inert(job_id)}: not canceled: already {word}", file=sys.stderr)
                continue
            try:
                await client.cancel_job(job_id)
            except AuthenticationError as exc:
                raise fail(exc, args.verbose) from None
            except JobAlreadyFinishedError:
                failures += 1
                print(
                    f"{inert(job_id)}: not canceled: already finished, failed, canceled or "
                    "canceling",
                    file=sys.stderr,
                )
                continue
            except AmsError as exc:
                failures += 1
                print(f"{inert(job_id)}: not canceled: {inert(str(exc))}", file=sys.stderr)
                continue
            print(f"{inert(job_id)}: cancel requested")
    return exit_codes.FAILED if failures else exit_codes.OK
