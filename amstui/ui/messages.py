"""Messages between the monitor's widgets and screens (changes reach widgets as messages, never
as calls into the app)."""

from __future__ import annotations

from textual.message import Message


class JobsChanged(Message):
    """The job view moved on: rows changed, arrived, moved or ended.

    Carries nothing heavier than the view's version; a burst of changes coalesces into one
    message in the queue (`can_replace`), so a refresh cycle's updates are drawn together.
    Receivers read what they need from the view and the store.
    """

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobsChanged)


class RefreshJob(Message):
    """Please fetch this job's record and tasks now (the detail pane's `r`, opening it)."""

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id


class DetailClosed(Message):
    """The detail screen went out of sight (closed, or left for the table): the app keeps it
    drawn for the job under the cursor, ready for the next `enter`."""
