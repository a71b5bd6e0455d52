"""Cells of the jobs table and the detail pane: small pure functions from values to Rich Text.

Every cell reads without colour (NO_COLOR, 16-colour terminals): state is glyph *and* word,
progress is a bar *and* a percent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.text import Text

from amstui.ams.model import JobState

STATE_STYLE = {
    JobState.QUEUED: ("◌", "dim"),
    JobState.SCHEDULED: ("◔", "cyan"),
    JobState.PROCESSING: ("▶", "bold yellow"),
    JobState.FINISHED: ("✔", "green"),
    JobState.ERROR: ("✖", "bold red"),
    JobState.CANCELED: ("⊘", "magenta"),
    JobState.CANCELING: ("…", "magenta"),
}
BAR_WIDTH = 10
_EIGHTHS = " ▏▎▍▌▋▊▉"


class SortableText(Text):
    """Rich Text that carries the value it sorts by (DataTable sorts cell values)."""

    def __init__(self, text: str = "", style: str = "", sort_key: Any = None) -> None:
        super().__init__(text, style=style, no_wrap=True, overflow="ellipsis")
        self.sort_key = sort_key


def state_cell(state: JobState, gone: bool = False) -> SortableText:
    if gone:
        return SortableText("✗ Gone", "dim strike", sort_key=(9, 0))
    glyph, style = STATE_STYLE.get(state, ("?", "reverse"))
    return SortableText(f"{glyph} {state.label}", style, sort_key=(_state_rank(state), int(state)))


def _state_rank(state: JobState) -> int:
    order = {
        JobState.PROCESSING: 0,
        JobState.CANCELING: 1,
        JobState.SCHEDULED: 2,
        JobState.QUEUED: 3,
        JobState.ERROR: 4,
        JobState.CANCELED: 5,
        JobState.FINISHED: 6,
    }
    return order.get(state, 7)


def progress_bar(progress: float | None, width: int = BAR_WIDTH) -> str:
    if progress is None:
        return " " * width
    clamped = min(max(progress, 0.0), 100.0)
    eighths = round(clamped / 100 * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[part] if part and full < width else "")
    return bar.ljust(width, "·")


def progress_cell(progress: float | None, state: JobState, width: int = BAR_WIDTH) -> SortableText:
    if progress is None:
        return SortableText("   –", "dim", sort_key=-1.0)
    style = "green" if state == JobState.FINISHED else "red" if state == JobState.ERROR else ""
    return SortableText(
        f"{progress_bar(progress, width)} {progress:3.0f}%", style, sort_key=progress
    )


def tasks_cell(done: int | None, total: int | None) -> SortableText:
    if total is None:
        return SortableText("–", "dim", sort_key=-1)
    return SortableText(f"{done}/{total}", sort_key=(done or 0) / max(total, 1))


def duration(delta: timedelta | None) -> str:
    """1h02m, 12m05s, 45s; '' for None."""
    if delta is None:
        return ""
    seconds = int(max(delta.total_seconds(), 0))
    if seconds >= 86400:
        return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def duration_cell(delta: timedelta | None, running: bool) -> SortableText:
    key = delta.total_seconds() if delta is not None else -1.0
    return SortableText(duration(delta), "" if running else "dim", sort_key=key)


def time_cell(moment: datetime | None, now: datetime) -> SortableText:
    """Today: 14:05:09; otherwise 03-02 14:05."""
    if moment is None:
        return SortableText("", sort_key=datetime.min.isoformat())
    local = moment
    text = (
        local.strftime("%H:%M:%S") if local.date() == now.date() else local.strftime("%m-%d %H:%M")
    )
    return SortableText(text, sort_key=moment.isoformat())


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def short_id(job_id: str) -> str:
    return job_id.rsplit(":", 1)[-1][:8]


def stale_cell(stale: timedelta | None) -> SortableText:
    if stale is None:
        return SortableText("", sort_key=-1.0)
    return SortableText(f"⚠{duration(stale)}", "bold red", sort_key=stale.total_seconds())


def text_cell(value: str, style: str = "", sort_key: Any = None) -> SortableText:
    return SortableText(value, style, sort_key=value.lower() if sort_key is None else sort_key)
