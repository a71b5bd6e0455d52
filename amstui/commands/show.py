"""`amstui show JOB_ID`: one job with its tasks, error details and historical events."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import fail, resolve_connection
from amstui.commands import output


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import AmsError
    from amstui.ams.odata import validate_job_id

    try:
        job_id = validate_job_id(args.job_id)
    except AmsError as exc:
        raise CliError(str(exc), exit_codes.USAGE) from None
    connection, _ = resolve_connection(args, RetryPolicy())
    try:
        async with connection.client:
            fetched = await connection.client.get_job_with_tasks(job_id)
    except AmsError as exc:
        raise fail(exc, args.verbose) from None
    now = connection.now()
    job = fetched.value
    if args.raw:
        for exchange in fetched.exchanges:
            print(f"# {exchange.request_line}  ->  {exchange.status}")
            print(exchange.body)
        return 0
    if args.output == "json":
        record = output.job_record(job, now)
        record["tasks"] = [output.task_record(t, now) for t in job.tasks or ()]
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    rec = output.job_record(job, now)
    width = max(len(k) for k in rec)
    for key, value in rec.items():
        if key == "tasks":
            continue
        print(f"{key.ljust(width)}  {'-' if value is None else value}")
    for index, task in enumerate(job.tasks or (), 1):
        t = output.task_record(task, now)
        print(
            f"\ntask {index}: {t['name']}  [{t['state']}, {t['progress']:.1f}%, "
            f"{output.short_duration(t['elapsed_s']) or 'not started'}]"
        )
        print(f"  id {t['id']}  processor {t['media_processor_id']}")
        for err in t["error_details"]:
            print(f"  error {err['code']}: {err['message']}")
        for event in t["historical_events"]:
            print(f"  {event['timestamp']}  {event['code']}  {event['message'][:160]}".rstrip())
    sys.stdout.flush()
    return 0
