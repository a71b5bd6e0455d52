"""`amstui show JOB_ID`: one job with its tasks, error details and historical events.

JOB_ID is a full id, a bare GUID or a unique prefix (see `job_ids`); on v3 and MK.IO accounts
`TRANSFORM/JOB` or the ARM resource id, and the job's outputs are shown where v2 has tasks
(state, progress, asset, times, the error with code, category, retry and details), with its
transform, input, description, correlationData and creator. Service text is printed inert
(control characters as visible escapes); `--output json` escapes them as JSON does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from amstui.ams.model import Job
from amstui.bootstrap import exit_codes
from amstui.bootstrap.session import explain_not_found, fail, resolve_connection
from amstui.commands import job_ids, output
from amstui.monitor.inert_text import inert
from amstui.monitor.labels import duration_text, job_state_word


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.client import RetryPolicy
    from amstui.ams.errors import AmsError, NotFoundError

    connection, _ = resolve_connection(args, RetryPolicy())
    wanted = job_ids.parse(args.job_id, connection.api)
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
    if job.transform is not None:
        print_v3(job, rec)
        return exit_codes.OK
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


def print_v3(job: Job, rec: dict[str, Any]) -> None:
    """A v3 job: its fields, then each output with its error."""
    fields: dict[str, Any] = {
        k: v for k, v in rec.items() if k not in ("tasks", "outputs", "correlation_data")
    }
    fields["state"] = job_state_word(job)
    fields["priority"] = job.priority_text or job.priority
    fields["input"] = ", ".join(job.inputs) or None
    fields["created_by"] = job.created_by
    fields["resource_id"] = job.resource_id or None
    for key, value in job.correlation_data:
        fields[f"correlation_data.{key}"] = value
    width = max(len(k) for k in fields)
    for key, value in fields.items():
        shown = "-" if value is None or value == "" else inert(str(value))
        print(f"{inert(key).ljust(width)}  {shown}")
    for index, out in enumerate(rec["outputs"], 1):
        times = " -> ".join(t for t in (out["start_time"], out["end_time"]) if t) or "not started"
        print(
            f"\noutput {index}: {inert(out['label'])}  [{inert(out['state'])}, "
            f"{out['progress']}%]  asset {inert(out['asset']) or '-'}  {times}"
        )
        error = out["error"]
        if error is not None:
            print(
                f"  error {inert(error['code'])} ({inert(error['category']) or '-'}, "
                f"{inert(error['retry']) or '-'}): {inert(error['message'])}"
            )
            for detail in error["details"]:
                print(f"    {inert(detail['code'])}: {inert(detail['message'])}")
    if job.finished_with_failed_output:
        print("\nthe job finished, but an output failed (its transform continues on error)")
    sys.stdout.flush()
