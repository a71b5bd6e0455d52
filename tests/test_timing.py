"""The service clock estimate and the ETA (amstui.monitor.timing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from amstui.ams.model import HistoricalEvent, Job, JobState, Task
from amstui.monitor.timing import ServiceClock, eta, parse_http_date

SERVICE = datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)
LOCAL = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


class FakeLocal:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def header(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def clock() -> tuple[ServiceClock, FakeLocal]:
    local = FakeLocal()
    return ServiceClock(local, wallclock=lambda: LOCAL), local


class TestServiceClock:
    def test_without_observations_it_is_the_local_clock(self) -> None:
        c, _ = clock()
        assert c.now() == LOCAL

    def test_a_date_header_sets_the_service_time(self) -> None:
        c, local = clock()
        c.observe_date(header(SERVICE))
        assert abs((c.now() - SERVICE).total_seconds() - 0.5) < 1e-6
        local.t += 10
        assert abs((c.now() - SERVICE).total_seconds() - 10.5) < 1e-6

    def test_a_reading_before_the_first_date_does_not_hold_the_clock_back(self) -> None:
        c, _ = clock()
        assert c.now() == LOCAL  # months ahead of the service
        c.observe_date(header(SERVICE))
        assert c.now() < SERVICE + timedelta(seconds=1)

    def test_the_rate_of_a_fast_emulator_is_measured(self) -> None:
        c, local = clock()
        c.observe_date(header(SERVICE))
        local.t += 5
        c.observe_date(header(SERVICE + timedelta(seconds=100)))  # speed 20
        assert c.rate == pytest.approx(20.0)
        local.t += 2
        assert c.now() == SERVICE + timedelta(seconds=100.5 + 40)

    def test_a_real_service_within_header_resolution_runs_at_rate_1(self) -> None:
        c, local = clock()
        c.observe_date(header(SERVICE))
        local.t += 2.6
        c.observe_date(header(SERVICE + timedelta(seconds=3)))  # 2.6 s, the header says 3
        assert c.rate == 1.0

    def test_a_frozen_service_clock_stays_frozen(self) -> None:
        c, local = clock()
        c.observe_date(header(SERVICE))
        local.t += 10
        c.observe_date(header(SERVICE))
        first = c.now()
        local.t += 30
        assert c.rate == 0.0 and c.now() == first

    def test_never_before_the_newest_timestamp_seen(self) -> None:
        c, _ = clock()
        c.observe_date(header(SERVICE))
        later = SERVICE + timedelta(seconds=42)
        task = Task(
            id="t",
            name="t",
            state=JobState.FINISHED,
            progress=100.0,
            historical_events=(HistoricalEvent("Finished", "", later),),
        )
        job = Job(id="j", name="j", state=JobState.FINISHED, created=SERVICE, tasks=(task,))
        c.observe_jobs([job])
        assert c.now() == later

    def test_never_goes_backwards(self) -> None:
        c, local = clock()
        c.observe_date(header(SERVICE + timedelta(seconds=60)))
        ahead = c.now()
        local.t += 1
        c.observe_date(header(SERVICE))  # an older reading (another front end, a lag)
        assert c.now() >= ahead

    @pytest.mark.parametrize(
        "value", [None, "", "yesterday", "Mon, 99 Foo 2026 99:99:99 GMT", "\x1b[2J"]
    )
    def test_malformed_date_headers_are_ignored(self, value: str | None) -> None:
        c, _ = clock()
        c.observe_date(value)
        assert parse_http_date(value) is None and c.now() == LOCAL


class TestEta:
    def test_from_the_rate_between_the_oldest_and_newest_samples(self) -> None:
        samples = [
            (SERVICE, 10.0),
            (SERVICE + timedelta(seconds=5), 12.0),
            (SERVICE + timedelta(seconds=10), 20.0),
        ]
        # 10 points in 10 s: 1 %/s, 80 points left. (From the first sample alone: 90 s.)
        assert eta(samples) == timedelta(seconds=80)

    def test_not_from_progress_over_time_since_start(self) -> None:
        # 50 -> 60 in 20 s: 0.5 %/s, 40 left = 80 s (60 % in 20 s would say 13 s).
        samples = [(SERVICE, 50.0), (SERVICE + timedelta(seconds=20), 60.0)]
        assert eta(samples) == timedelta(seconds=80)

    @pytest.mark.parametrize(
        "samples",
        [
            [],
            [(SERVICE, 10.0)],
            [(SERVICE, 10.0), (SERVICE, 20.0)],
            [(SERVICE, 30.0), (SERVICE + timedelta(seconds=5), 30.0)],
        ],
    )
    def test_unknown_until_progress_moves(self, samples: list[tuple[datetime, float]]) -> None:
        assert eta(samples) is None
