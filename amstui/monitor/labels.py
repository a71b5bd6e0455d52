"""The words and signs every view uses for jobs: state glyphs, short ids, durations and count
summaries, shared by the monitor's table and the headless commands so that both say the same.

Plain strings, no styling: the monitor adds colour on top, the headless commands print them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from amstui.ams.model import Job, JobState

#: One glyph per state, so that a state reads without colour (NO_COLOR, 16-colour terminals).
STATE_GLYPHS = {
    JobState.QUEUED: "◌",
    JobState.SCHEDULED: "◔",
    JobState.PROCESSING: "▶",
    JobState.FINISHED: "✔",
    JobState.ERROR: "✖",
    JobState.CANCELED: "⊘",
    JobState.CANCELING: "…",
}
GONE_GLYPH = "✗"
UNKNOWN_GLYPH = "?"
#: Length of the id the monitor shows (the start of the GUID after `nb:jid:UUID:`); `show`,
#: `wait` and `cancel` accept it back as a prefix.
SHORT_ID_LENGTH = 8


def state_glyph(state: JobState, gone: bool = False) -> str:
    if gone:
        return GONE_GLYPH
    return STATE_GLYPHS.get(state, UNKNOWN_GLYPH)


def state_word(state: JobState, gone: bool = False) -> str:
    """`Processing`, `Unknown(9)`, or `Gone` for a job that vanished from the service."""
    return "Gone" if gone else state.label


#: A v3 job that ended Finished although an output failed (`onError: ContinueJob`).
FAILED_OUTPUT_GLYPH = "⚠"


def job_state_word(job: Job, gone: bool = False) -> str:
    """`state_word`, flagging a v3 job that finished with a failed output:
    `Finished, 1 output failed` (its state alone hides the failure)."""
    word = state_word(job.state, gone)
    failed = len(job.failed_outputs) if not gone and job.finished_with_failed_output else 0
    if failed:
        return f"{word}, {failed} output{'s' if failed != 1 else ''} failed"
    return word


def job_glyph(job: Job, gone: bool = False) -> str:
    if not gone and job.finished_with_failed_output:
        return FAILED_OUTPUT_GLYPH
    return state_glyph(job.state, gone)


def job_guid(job_id: str) -> str:
    """The GUID part of an AMS id (`nb:jid:UUID:<guid>`)."""
    return job_id.rsplit(":", 1)[-1]


def short_id(job_id: str) -> str:
    return job_guid(job_id)[:SHORT_ID_LENGTH]


def duration_text(value: timedelta | float | None) -> str:
    """`2d03h`, `1h02m`, `12m05s`, `45s` (seconds or a timedelta); '' for None."""
    if value is None:
        return ""
    total = value.total_seconds() if isinstance(value, timedelta) else value
    seconds = int(max(total, 0))
    if seconds >= 86400:
        return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def outcome_word(job: Job, gone: bool = False) -> str:
    """The lower-case word a count summary uses for a job: `finished`, `error`, `gone`,
    `finished with failed outputs`..."""
    if not gone and job.finished_with_failed_output:
        return "finished with failed outputs"
    return state_word(job.state, gone).lower()


def count_summary(words: Iterable[str]) -> str:
    """`2 error, 1 finished`: how many of each word, in alphabetical order."""
    counts = Counter(words)
    return ", ".join(f"{n} {word}" for word, n in sorted(counts.items()))
