"""Cells of the jobs table and the detail pane: small pure functions from values to markup.

Cells are plain strings of Rich markup, not Text objects: a 10,000-job table holds 100,000 of
them, and strings are neither walked by the cyclic garbage collector nor heavy (full
collections over Text objects paused the UI for up to 300 ms). The detail pane turns them into
Text with `Text.from_markup`.

Every cell reads without colour (NO_COLOR, 16-colour terminals): state is glyph *and* word,
progress is a bar *and* a percent.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from amstui.ams.model import Job, JobState
from amstui.monitor import labels
from amstui.monitor.inert_text import inert

_STYLES = {
    JobState.QUEUED: "dim",
    JobState.SCHEDULED: "cyan",
    JobState.PROCESSING: "bold yellow",
    JobState.FINISHED: "green",
    JobState.ERROR: "bold red",
    JobState.CANCELED: "magenta",
    JobState.CANCELING: "magenta",
}
STATE_STYLE = {state: (labels.STATE_GLYPHS[state], style) for state, style in _STYLES.items()}
BAR_WIDTH = 10
_EIGHTHS = " ▏▎▍▌▋▊▉"


#: A run of backslashes and the `[` after it.
_BRACKET = re.compile(r"(\\*)\[")
#: What Rich's markup parser takes for a tag, from its `[` (`rich.markup.RE_TAGS`).
_TAG_AT = re.compile(r"\[[a-z#/@][^[]*?]")
_TRAILING = re.compile(r"\\+$")


def plain_markup(text: str, *, tag_follows: bool = False) -> str:
    """`text` as markup that renders exactly `text` (`tag_follows`: a closing tag comes right
    after it, as in `styled`).

    Rich's `escape` only escapes a `[` that starts something tag-like, but its parser turns
    every backslash-bracket into a bracket, so `a\\[b` would be shown `a[b`. Here a `[` after k
    backslashes is written after 2k+1 of them when tag-like (k literal backslashes, the tag as
    text) and after k+1 of them otherwise (the parser drops one). A trailing run of backslashes
    is doubled only when a tag follows (it would escape that tag)."""

    def bracket(match: re.Match[str]) -> str:
        run = len(match.group(1))
        if _TAG_AT.match(text, match.end() - 1):
            return "\\" * (2 * run + 1) + "["
        return "\\" * (run + 1 if run else 0) + "["

    markup = _BRACKET.sub(bracket, text)
    if tag_follows:
        markup = _TRAILING.sub(lambda m: m.group(0) * 2, markup)
    return markup


def styled(text: str, style: str = "") -> str:
    """`text` (escaped) in `style`, as markup."""
    if style and text:
        return f"[{style}]{plain_markup(text, tag_follows=True)}[/]"
    return plain_markup(text)


def state_cell(state: JobState, gone: bool = False) -> str:
    if gone:
        return styled(f"{labels.GONE_GLYPH} Gone", "dim strike")
    glyph, style = STATE_STYLE.get(state, (labels.UNKNOWN_GLYPH, "reverse"))
    return styled(f"{glyph} {state.label}", style)


def job_state_cell(job: Job, gone: bool = False) -> str:
    """`state_cell`, flagging a v3 job that ended Finished with a failed output (`⚠`, red):
    its state alone would hide the failure."""
    if not gone and job.finished_with_failed_output:
        return styled(f"{labels.FAILED_OUTPUT_GLYPH} {job.state.label}", "bold red")
    return state_cell(job.state, gone)


def progress_bar(progress: float | None, width: int = BAR_WIDTH) -> str:
    if progress is None:
        return " " * width
    clamped = min(max(progress, 0.0), 100.0)
    eighths = round(clamped / 100 * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[part] if part and full < width else "")
    return bar.ljust(width, "·")


def progress_cell(progress: float | None, state: JobState, width: int = BAR_WIDTH) -> str:
    if progress is None:
        return styled("   –", "dim")
    style = "green" if state == JobState.FINISHED else "red" if state == JobState.ERROR else ""
    return styled(f"{progress_bar(progress, width)} {progress:3.0f}%", style)


def tasks_cell(done: int | None, total: int | None) -> str:
    if total is None:
        return styled("–", "dim")
    return f"{done}/{total}"


def outputs_cell(job: Job) -> str:
    """A v3 job's outputs: `finished/total`, and `✖N` for the failed ones."""
    outputs = job.outputs
    if outputs is None:
        return styled("–", "dim")
    done = sum(1 for o in outputs if o.state == JobState.FINISHED)
    failed = len(job.failed_outputs)
    text = f"{done}/{len(outputs)}"
    return styled(f"{text} ✖{failed}", "bold red") if failed else text


duration = labels.duration_text
short_id = labels.short_id


def duration_cell(delta: timedelta | None, running: bool) -> str:
    return styled(duration(delta), "" if running else "dim")


def time_cell(moment: datetime | None, now: datetime) -> str:
    """Today: 14:05:09; otherwise 03-02 14:05."""
    if moment is None:
        return ""
    if moment.date() == now.date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%m-%d %H:%M")


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def stale_cell(stale: timedelta) -> str:
    return styled(f"⚠{duration(stale)}", "bold red")


def name_cell(name: str, width: int) -> str:
    """The name, cut to `width` with an ellipsis (the table would cut it bluntly)."""
    text = inert(name) or "(no name)"
    if width > 1 and len(text) > width:
        text = text[: width - 1] + "…"
    return plain_markup(text)


def id_cell(job_id: str) -> str:
    """v2: the start of the GUID; v3 (`TRANSFORM/JOB`): the job's name."""
    shown = job_id.rsplit("/", 1)[-1] if "/" in job_id else short_id(job_id)
    return styled(inert(shown), "dim")
