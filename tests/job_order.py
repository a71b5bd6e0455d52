"""An independent statement of the jobs table's orders, for tests: the value a job sorts by
under each sort key, read straight from its store entry (the job view reads the same values
from snapshots, and sorts with the creation time and the row key as tie-breaks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from amstui.monitor.job_view import STATE_ORDER
from amstui.monitor.store import JobEntry

NEVER = datetime.min.replace(tzinfo=UTC)


def sort_value(entry: JobEntry, key: str, now: datetime) -> Any:
    """The value rows sort by for a sort key (comparable across all jobs)."""
    job = entry.job
    if key == "state":
        if entry.gone:
            return (9, 0)
        return (STATE_ORDER.get(job.state, 7), int(job.state))
    if key == "name":
        return job.name.lower()
    if key == "progress":
        return job.progress if job.progress is not None else -1.0
    if key == "duration":
        elapsed = entry.elapsed(now)
        return elapsed.total_seconds() if elapsed is not None else -1.0
    if key == "priority":
        return job.priority
    if key == "eta":
        eta = entry.eta(now)
        return eta.total_seconds() if eta is not None else float("inf")
    if key == "id":
        return job.id
    return job.created or NEVER
