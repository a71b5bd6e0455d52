"""`StatusLine`: the one-line summary under the table (counts, filter, sort, the cursor's job)
with a message in front when there is something to say. Every part is shown verbatim: filter
text, job ids and error messages are data, never markup, and their control characters are
shown as escapes."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from amstui.monitor.inert_text import inert

SEPARATOR = "  ·  "


def status_text(message: str, parts: list[str], width: int = 0) -> Text:
    """The status line; with a `width`, parts that do not fit whole are left out (never a
    dangling separator), except the message, which is cut with an ellipsis."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    pieces = ([message] if message else []) + [p for p in parts if p]
    for index, piece in enumerate(pieces):
        shown = inert(piece)
        extra = len(SEPARATOR) if index else 0
        if width and index and text.cell_len + extra + len(shown) > width:
            break
        if index:
            text.append(SEPARATOR)
        text.append(shown)
    return text


class StatusLine(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[Text, bool] | None = None

    def show_status(self, message: str, parts: list[str], *, error: bool = False) -> None:
        text = status_text(message, parts, self.content_region.width)
        if (text, error) == self._shown:
            return  # asked many times a second: repaint only when it reads differently
        self._shown = (text, error)
        # A fixed one-line bar: no layout pass (it would repaint the whole screen).
        self.update(text, layout=False)
        self.set_class(error, "error")
