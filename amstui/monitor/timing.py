"""Time maths in the service's time: the service clock estimate and the ETA.

Durations, elapsed times and ETAs compare the service's timestamps (StartTime, Created, ...)
with "now"; taking "now" from the local clock gives 0 s durations and Created in the future
whenever the two clocks differ (a skewed build box, an emulator running at `--speed 20`).
`ServiceClock` estimates the service's clock instead, from what the service says:

- each response's `Date` header (RFC 7231, one-second resolution), taken as the middle of its
  second, at the local moment the response arrived;
- the rate at which the service's clock runs against ours, from the first and the newest
  `Date` (1 for Azure; 20 for an emulator at `--speed 20`; 0 for a frozen one), snapped to 1
  while the difference is within what the headers' resolution can explain;
- the newest timestamp seen in any job or task: the service's now is never before it.

`now()` never goes backwards, so a running duration never shrinks between two readings.
Without any observation it is the local clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from amstui.ams.model import Job

#: Date headers that far from each other (local seconds) are enough to measure a rate.
MIN_RATE_SPAN_S = 2.0
#: A service clock running faster than this is not believed (a broken Date header).
MAX_RATE = 10_000.0


def parse_http_date(value: str | None) -> datetime | None:
    """An RFC 7231 `Date` header as an aware UTC datetime; None if absent or malformed."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def job_timestamps(job: Job) -> Iterable[datetime]:
    """Every moment the service wrote into a job record (tasks and events included)."""
    for moment in (job.created, job.last_modified, job.start_time, job.end_time):
        if moment is not None:
            yield moment
    if job.outputs is not None:  # v3: the outputs' times (its tasks are read off them)
        for output in job.outputs:
            for moment in (output.start_time, output.end_time):
                if moment is not None:
                    yield moment
        return
    for task in job.tasks or ():
        for moment in (task.start_time, task.end_time):
            if moment is not None:
                yield moment
        for event in task.historical_events:
            if event.timestamp is not None:
                yield event.timestamp


class ServiceClock:
    """The estimated service time (see the module docstring). `local` is a monotonic clock."""

    def __init__(
        self,
        local: Callable[[], float] = time.monotonic,
        wallclock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._local = local
        self._wallclock = wallclock
        self._first: tuple[float, datetime] | None = None
        self._anchor: tuple[float, datetime] | None = None
        self.rate = 1.0
        self._newest_seen: datetime | None = None
        self._last_read: datetime | None = None

    def observe_date(self, header: str | None, received_at: float | None = None) -> None:
        """A response's `Date` header, received at local monotonic time `received_at`."""
        moment = parse_http_date(header)
        if moment is None:
            return
        local = self._local() if received_at is None else received_at
        service = moment + timedelta(seconds=0.5)
        if self._first is None:
            self._first = (local, service)
            # Readings so far were the local clock: no floor for the service's.
            self._last_read = None
        self._anchor = (local, service)
        first_local, first_service = self._first
        span = local - first_local
        if span >= MIN_RATE_SPAN_S:
            rate = (service - first_service).total_seconds() / span
            # Two one-second-resolution readings: up to 1 s of error over the span.
            self.rate = 1.0 if abs(rate - 1.0) <= 1.0 / span else min(max(rate, 0.0), MAX_RATE)

    def observe(self, moment: datetime | None) -> None:
        """A timestamp written by the service: its clock has reached at least that."""
        if moment is None or moment.tzinfo is None:
            return
        if self._newest_seen is None or moment > self._newest_seen:
            self._newest_seen = moment

    def observe_jobs(self, jobs: Iterable[Job]) -> None:
        # `observe` inlined: a load passes 100,000 jobs and their 400,000 timestamps here.
        newest = self._newest_seen
        for job in jobs:
            for moment in job_timestamps(job):
                if moment.tzinfo is not None and (newest is None or moment > newest):
                    newest = moment
        self._newest_seen = newest

    def now(self) -> datetime:
        """The service's time now (never earlier than a previous reading)."""
        if self._anchor is None:
            estimate = self._wallclock()
        else:
            local, service = self._anchor
            estimate = service + timedelta(seconds=(self._local() - local) * self.rate)
        for floor in (self._newest_seen, self._last_read):
            if floor is not None and floor > estimate:
                estimate = floor
        self._last_read = estimate
        return estimate


def eta(samples: Sequence[tuple[datetime, float]]) -> timedelta | None:
    """Remaining time at the observed progress rate: progress (0-100) over the span of the
    samples (oldest and newest); None until progress has moved over a positive span."""
    if len(samples) < 2:
        return None
    (t0, p0), (t1, p1) = samples[0], samples[-1]
    span = (t1 - t0).total_seconds()
    if span <= 0 or p1 <= p0:
        return None
    rate = (p1 - p0) / span
    return timedelta(seconds=max(100.0 - p1, 0.0) / rate)
