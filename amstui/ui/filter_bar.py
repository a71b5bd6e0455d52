"""`FilterBar`: the `/` filter input. Typing stays instant; the filter follows once typing
pauses (`DEBOUNCE`), at once on enter or when cleared, as one `FilterChanged` message."""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

#: Seconds of quiet typing before the filter is applied to the table.
DEBOUNCE = 0.15
PLACEHOLDER = "filter: words, /regex/, state:error, !term  (enter: keep, esc: clear)"


class FilterBar(Input):
    class FilterChanged(Message):
        """The filter text to apply; `done` when the user pressed enter."""

        def __init__(self, text: str, done: bool = False) -> None:
            super().__init__()
            self.text = text
            self.done = done

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id)
        self._timer: Timer | None = None

    def open(self) -> None:
        self.add_class("visible")
        self.focus()

    def close(self) -> None:
        self._stop_timer()
        self.value = ""
        self.remove_class("visible")

    def set_text(self, text: str) -> None:
        """Show `text` as the filter (quick filters) without waiting for a pause."""
        self._stop_timer()
        with self.prevent(Input.Changed):
            self.value = text

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._stop_timer()
        if not event.value:
            self.post_message(self.FilterChanged(""))  # cleared: everything back at once
            return
        self._timer = self.set_timer(DEBOUNCE, self._pause)

    def _pause(self) -> None:
        self._timer = None
        self.post_message(self.FilterChanged(self.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._stop_timer()
        if not self.value:
            self.remove_class("visible")
        self.post_message(self.FilterChanged(self.value, done=True))
