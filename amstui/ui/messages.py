"""Messages from the refresh engine to the app (workers post, widgets change in handlers)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from amstui.monitor.store import Transition


@dataclass
class JobsChanged(Message):
    """Jobs whose data changed since the last message, and jobs that reached a final state."""

    job_ids: set[str]
    transitions: list[Transition]
