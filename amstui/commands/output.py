"""Machine- and human-readable renderings of jobs for the headless commands.

The JSON fields are a stable contract for scripts (documented in the README):
id, name, state, progress, tasks, priority, created, start_time, end_time, last_modified,
running_duration_ms, queue_wait_s, elapsed_s; v3 and MK.IO jobs add transform, outputs (a list
of {label, state, progress, asset, start_time, end_time, error}), description,
correlation_data and failed_output (Finished, but an output failed). `id` is what `show`,
`wait` and `cancel` accept.

Text from the service never reaches the terminal raw: the table and CSV show control and
bidi characters as visible escapes (`inert`); JSON escapes them as JSON does (`\u001b`,
C1 controls and bidi characters included), so a parser reads back the exact name.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from amstui.ams.model import Job, JobOutput, JobState, Task, states_from_words
from amstui.monitor.inert_text import inert
from amstui.monitor.labels import duration_text, job_state_word

FIELDS = (
    "id",
    "name",
    "state",
    "progress",
    "tasks",
    "priority",
    "created",
    "start_time",
    "end_time",
    "last_modified",
    "running_duration_ms",
    "queue_wait_s",
    "elapsed_s",
)
#: The scalar v3 fields CSV adds (the outputs are in JSON only).
V3_CSV_FIELDS = ("transform", "failed_output", "description")


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_record(job: Job, now: datetime) -> dict[str, Any]:
    elapsed = job.elapsed(now)
    wait = job.queue_wait
    progress = job.progress
    return {
        "id": job.id,
        "name": job.name,
        "state": job.state.label,
        "progress": round(progress, 2) if progress is not None else None,
        "tasks": job.task_count,
        "priority": job.priority,
        "created": iso(job.created),
        "start_time": iso(job.start_time),
        "end_time": iso(job.end_time),
        "last_modified": iso(job.last_modified),
        "running_duration_ms": job.running_duration_ms,
        "queue_wait_s": round(wait.total_seconds(), 3) if wait is not None else None,
        "elapsed_s": round(elapsed.total_seconds(), 3) if elapsed is not None else None,
    } | (v3_fields(job) if job.transform is not None else {})


def v3_fields(job: Job) -> dict[str, Any]:
    return {
        "transform": job.transform,
        "outputs": [output_record(o) for o in job.outputs or ()],
        "description": job.description,
        "correlation_data": dict(job.correlation_data),
        "failed_output": job.finished_with_failed_output,
    }


def output_record(output: JobOutput) -> dict[str, Any]:
    error = output.error
    return {
        "label": output.label,
        "state": output.state.label,
        "progress": output.effective_progress,
        "asset": output.asset,
        "start_time": iso(output.start_time),
        "end_time": iso(output.end_time),
        "error": None
        if error is None
        else {
            "code": error.code,
            "message": error.message,
            "category": error.category,
            "retry": error.retry,
            "details": [{"code": d.code, "message": d.message} for d in error.details],
        },
    }


def task_record(task: Task, now: datetime) -> dict[str, Any]:
    duration = task.duration(now)
    return {
        "id": task.id,
        "name": task.name,
        "state": task.state.label,
        "progress": task.progress,
        "start_time": iso(task.start_time),
        "end_time": iso(task.end_time),
        "running_duration_ms": task.running_duration_ms,
        "elapsed_s": round(duration.total_seconds(), 3) if duration is not None else None,
        "media_processor_id": task.media_processor_id,
        "error_details": [{"code": e.code, "message": e.message} for e in task.error_details],
        "historical_events": [
            {"code": e.code, "message": e.message, "timestamp": iso(e.timestamp)}
            for e in task.historical_events
        ],
    }


#: What `json.dumps(ensure_ascii=False)` leaves raw but a terminal may obey or hide: DEL, C1
#: controls, bidi and zero-width characters, line separators.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON with every control and hiding character escaped as `\\uXXXX` (other non-ASCII
    text stays readable)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_lines(jobs: Iterable[Job], now: datetime) -> Iterable[str]:
    for job in jobs:
        yield json_text(job_record(job, now))


def csv_text(jobs: Iterable[Job], now: datetime) -> str:
    jobs = list(jobs)
    v3 = any(job.transform is not None for job in jobs)
    return csv_records((job_record(job, now) for job in jobs), v3)


def csv_records(records: Iterable[dict[str, Any]], v3: bool, lead: tuple[str, ...] = ()) -> str:
    """CSV of job records: a header row, the `lead` columns (e.g. `account`), the stable
    fields, and the v3 ones when any job is a v3 job; text made inert."""
    fields = (*lead, *FIELDS, *(V3_CSV_FIELDS if v3 else ()))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: inert(v) if isinstance(v, str) else v for k, v in record.items()})
    return buffer.getvalue()


def table_lines(jobs: Sequence[Job], now: datetime, width: int | None = None) -> list[str]:
    """A plain table that fits the terminal: the name column takes what is left."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    rows = []
    for job in jobs:
        rec = job_record(job, now)
        progress = f"{rec['progress']:.0f}%" if rec["progress"] is not None else "-"
        created = job.created.strftime("%Y-%m-%d %H:%M") if job.created else "-"
        elapsed = duration_text(rec["elapsed_s"])
        rows.append(
            (inert(job.id), inert(job_state_word(job)), progress, created, elapsed, inert(job.name))
        )
    headers = ("ID", "STATE", "PROGRESS", "CREATED", "DURATION", "NAME")
    fixed = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(5)]
    name_width = max(10, width - sum(fixed) - 2 * 5)
    out = []
    for row in (headers, *rows):
        cells = [str(v).ljust(fixed[i]) for i, v in enumerate(row[:5])]
        name = str(row[5])
        if len(name) > name_width:
            name = name[: name_width - 1] + "…"
        out.append("  ".join([*cells, name]).rstrip())
    return out


def parse_states(values: Sequence[str]) -> tuple[JobState, ...]:
    """`--state` values (repeated or comma-separated): see `states_from_words`."""
    return tuple(dict.fromkeys(s for value in values for s in states_from_words(value)))
