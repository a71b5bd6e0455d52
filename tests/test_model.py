"""The job model: states (known and unknown), derived timing values, user state words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from amstui.ams.model import Job, JobState, Task, states_from_words

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_states_numbering_and_finality() -> None:
    assert [s.value for s in JobState] == list(range(7))
    assert {s for s in JobState if s.is_final} == {
        JobState.FINISHED,
        JobState.ERROR,
        JobState.CANCELED,
    }
    assert JobState.CANCELING.is_active and not JobState.CANCELING.is_final
    odd = JobState(17)
    assert odd.label == "Unknown(17)" and not odd.is_final and not odd.is_active


def test_derived_values() -> None:
    tasks = (
        Task("t1", "a", JobState.FINISHED, 100.0),
        Task("t2", "b", JobState.PROCESSING, 40.0),
    )
    job = Job(
        "j",
        "n",
        JobState.PROCESSING,
        created=T0,
        start_time=T0 + timedelta(seconds=30),
        tasks=tasks,
    )
    assert job.queue_wait == timedelta(seconds=30)
    assert job.elapsed(T0 + timedelta(minutes=5)) == timedelta(minutes=4, seconds=30)
    assert job.progress == 70.0 and job.tasks_done == 1
    done = Job(
        "j", "n", JobState.FINISHED, created=T0, start_time=T0, end_time=T0 + timedelta(minutes=2)
    )
    assert done.progress == 100.0 and done.elapsed(T0 + timedelta(hours=9)) == timedelta(minutes=2)
    assert Job("j", "n", JobState.QUEUED, created=T0).progress == 0.0
    assert Job("j", "n", JobState.PROCESSING, created=T0).progress is None  # tasks unknown
    assert done.merged(Job("j", "n2", JobState.FINISHED, created=T0)).name == "n2"
    with_tasks = job.merged(Job("j", "n", JobState.PROCESSING, created=T0))
    assert with_tasks.tasks == tasks  # a list entry keeps the known tasks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("error", (JobState.ERROR,)),
        ("failed", (JobState.ERROR,)),
        ("proc,queued", (JobState.PROCESSING, JobState.QUEUED)),
        ("active", (JobState.QUEUED, JobState.SCHEDULED, JobState.PROCESSING, JobState.CANCELING)),
        ("final", (JobState.FINISHED, JobState.ERROR, JobState.CANCELED)),
        ("canceled,cancelled", (JobState.CANCELED,)),
        ("3", (JobState.FINISHED,)),
        ("", ()),
    ],
)
def test_state_words(text: str, expected: tuple[JobState, ...]) -> None:
    assert states_from_words(text) == expected


@pytest.mark.parametrize("text", ["cancel", "sleeping", "x"])
def test_bad_state_words(text: str) -> None:
    with pytest.raises(ValueError, match="unknown state"):
        states_from_words(text)
