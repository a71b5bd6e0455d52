"""The shared words and signs (amstui.monitor.labels), and that the table and the headless
commands both use them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amstui.ams.model import Job, JobState
from amstui.commands import wait
from amstui.monitor import labels
from amstui.monitor.store import JobEntry
from amstui.ui import cells

JOB_ID = "nb:jid:UUID:0a1b2c3d-1111-4222-8333-444455556666"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, ""),
        (-5, "0s"),
        (0, "0s"),
        (59.9, "59s"),
        (61, "1m01s"),
        (3600, "1h00m"),
        (3723, "1h02m"),
        (90000, "1d01h"),
    ],
)
def test_duration_text(seconds: float | None, text: str) -> None:
    assert labels.duration_text(seconds) == text
    if seconds is not None:
        assert labels.duration_text(timedelta(seconds=seconds)) == text
        assert cells.duration(timedelta(seconds=seconds)) == text


def test_every_known_state_has_its_own_glyph() -> None:
    known = [JobState(n) for n in range(7)]
    glyphs = [labels.state_glyph(s) for s in known]
    assert len(set(glyphs)) == 7 and labels.UNKNOWN_GLYPH not in glyphs
    assert labels.state_glyph(JobState(42)) == labels.UNKNOWN_GLYPH
    assert labels.state_glyph(JobState.FINISHED, gone=True) == labels.GONE_GLYPH


def test_short_id_and_guid() -> None:
    assert labels.short_id(JOB_ID) == "0a1b2c3d" == cells.short_id(JOB_ID)
    assert labels.job_guid(JOB_ID) == JOB_ID.removeprefix("nb:jid:UUID:")


def test_count_summary_sorted_by_word() -> None:
    assert labels.count_summary(["finished", "error", "finished", "gone"]) == (
        "1 error, 2 finished, 1 gone"
    )
    assert labels.count_summary([]) == ""


def test_the_table_and_wait_show_the_same_glyph_and_word() -> None:
    for state in (JobState.PROCESSING, JobState.ERROR, JobState(9)):
        job = Job(id=JOB_ID, name="n", state=state, created=None)
        line = wait.View.line(JobEntry(job=job), now=None)  # type: ignore[arg-type]
        glyph, word = labels.state_glyph(state), labels.state_word(state)
        assert line.startswith(f"{glyph} {word}")
        assert f"{glyph} {word}" in cells.state_cell(state)
    gone = JobEntry(
        job=Job(id=JOB_ID, name="n", state=JobState.PROCESSING, created=None), gone=True
    )
    assert wait.View.line(gone, now=None).startswith(f"{labels.GONE_GLYPH} Gone")  # type: ignore[arg-type]
