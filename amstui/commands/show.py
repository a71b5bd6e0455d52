"""`amstui show JOB_ID`: one job with its tasks, error details and historical events.

JOB_ID is a full id, a bare GUID or a unique prefix (see `job_ids`). Service text is printed
inert (control characters as visible escapes); `--output json` escapes them as JSON does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from amstui.bootstrap import exit_codes
from amstui.bootstrap.session import explain_not_found, fail, resolve_connection
from amstui.commands import job_ids, output
from amstui.monitor.inert_text import inert
from amstui.monitor.labels import duration_text


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import AmsError, NotFoundError

    wanted = job_ids.parse(args.job_id)
    connection, _ = resolve_connection(args, RetryPolicy())
    async with connection.client:
        try:
            (job_id,) = await job_ids.resolve(connection.client, [wanted])
            fetched = await connection.client.get_job_with_tasks(job_id)
        except NotFoundError as exc:
            if args.verbose:
                fail(exc, verbose=True)
            raise await explain_not_found(connection.client, wanted.typed, exc) from None
        except AmsError as exc:
            raise fail(exc, args.verbose) from None
        connection.observe([fetched.value])
        now = connection.now()
    job = fetched.value
    if args.raw:
        for exchange in fetched.exchanges:
            print(f"# {inert(exchange.request_line)}  ->  {exchange.status}")
            print(inert(exchange.body, keep_lines=True))
        return exit_codes.OK
    if args.output == "json":
        record = output.job_record(job, now)
        record["tasks"] = [output.task_record(t, now) for t in job.tasks or ()]
        print(output.json_text(record, indent=2))
        return exit_codes.OK
    rec = output.job_record(job, now)
    width = max(len(k) for k in rec)
    for key, value in rec.items():
        if key == "tasks":
            continue
        shown = "-" if value is None else inert(str(value))
        print(f"{key.ljust(width)}  {shown}")
    for index, task in enumerate(job.tasks or (), 1):
        t = output.task_record(task, now)
        print(
            f"\ntask {index}: {inert(t['name'])}  [{inert(t['state'])}, {t['progress']:.1f}%, "
            f"{duration_text(t['elapsed_s']) or 'not started'}]"
        )
        print(f"  id {inert(t['id'])}  processor {inert(str(t['media_processor_id']))}")
        for err in t["error_details"]:
            print(f"  error {inert(str(err['code']))}: {inert(str(err['message']))}")
        for event in t["historical_events"]:
            line = f"  {event['timestamp']}  {inert(str(event['code']))}  "
            print((line + inert(str(event["message"]))[:160]).rstrip())
    sys.stdout.flush()
    return exit_codes.OK
