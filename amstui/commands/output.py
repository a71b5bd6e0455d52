"""Machine- and human-readable renderings of jobs for the headless commands.

The JSON fields are a stable contract for scripts (documented in the README):
id, name, state, progress, tasks, priority, created, start_time, end_time, last_modified,
running_duration_ms, queue_wait_s, elapsed_s.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from amstui.ams.model import Job, JobState, Task, states_from_words

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
        "tasks": len(job.tasks) if job.tasks is not None else None,
        "priority": job.priority,
        "created": iso(job.created),
        "start_time": iso(job.start_time),
        "end_time": iso(job.end_time),
        "last_modified": iso(job.last_modified),
        "running_duration_ms": job.running_duration_ms,
        "queue_wait_s": round(wait.total_seconds(), 3) if wait is not None else None,
        "elapsed_s": round(elapsed.total_seconds(), 3) if elapsed is not None else None,
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


def json_lines(jobs: Iterable[Job], now: datetime) -> Iterable[str]:
    for job in jobs:
        yield json.dumps(job_record(job, now), ensure_ascii=False)


def csv_text(jobs: Iterable[Job], now: datetime) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for job in jobs:
        writer.writerow(job_record(job, now))
    return buffer.getvalue()


def short_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def table_lines(jobs: Sequence[Job], now: datetime, width: int | None = None) -> list[str]:
    """A plain table that fits the terminal: the name column takes what is left."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    rows = []
    for job in jobs:
        rec = job_record(job, now)
        progress = f"{rec['progress']:.0f}%" if rec["progress"] is not None else "-"
        created = job.created.strftime("%Y-%m-%d %H:%M") if job.created else "-"
        elapsed = short_duration(rec["elapsed_s"])
        rows.append((job.id, rec["state"], progress, created, elapsed, job.name))
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
