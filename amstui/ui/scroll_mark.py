"""The scroll position of a Line-API view, drawn by the view itself in its last column.

Textual's scroll bar is a widget of its own. Each frame that repaints a scrolled view (a page
down, a sort, a detail opened) renders its 37-40 rows through Textual's styles pipeline and
splits every line of the compositor's output in two: at 120x40, a page down took 14.3 ms
(median) with it and 9.5 ms without, a detail open 22.8 ms and 17.2 ms. The mark is one
cell per row, joined to the row the view draws anyway, and two strips made once per style.

The mark is drawn in the widget's scroll bar colours; its thumb is a full block, so that it
also reads without colour (NO_COLOR). The mouse wheel scrolls the view as before; the mark
itself cannot be dragged.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

#: The mark's cells: the thumb, and the track around it (drawn in the scroll bar's colours;
#: the thumb is a full block, so that it reads without colour).
THUMB = "█"
TRACK = " "
#: Columns the mark takes at the right of the view.
WIDTH = 1


def thumb_rows(height: int, total: int, top: int) -> range:
    """The rows of the view (0 at its top) where the thumb is drawn: `height` rows on screen
    out of `total`, from row `top`. Nothing when everything fits."""
    if height <= 0 or total <= height:
        return range(0)
    size = max(1, round(height * height / total))
    top = min(max(top, 0), total - height)
    start = round((height - size) * top / (total - height))
    return range(start, start + size)


class ScrollMark:
    """The mark's two cells as strips (made again only when the style changes), after `gap`
    blank columns."""

    __slots__ = ("_cells", "_gap", "_style")

    def __init__(self, gap: int = 0) -> None:
        #: Blank columns drawn before the mark's cell.
        self._gap = gap
        self._style: tuple[object, ...] | None = None
        self._cells = (Strip.blank(gap + WIDTH), Strip.blank(gap + WIDTH))

    def cells(self, widget: Widget, base: Style) -> tuple[Strip, Strip]:
        """(thumb, track) in `widget`'s scroll bar colours over `base` (the same strips while
        the colours are the same: Textual's caches of a strip then serve every frame)."""
        styles = widget.styles
        _, background = widget.background_colors
        track = background + styles.scrollbar_background
        thumb = track + styles.scrollbar_color
        key = (base, thumb, track)
        if key != self._style:
            self._style = key
            gap = [Segment(" " * self._gap, base)] if self._gap else []
            on_track = base + Style(color=thumb.rich_color, bgcolor=track.rich_color)
            self._cells = (
                Strip([*gap, Segment(THUMB, on_track)], self._gap + WIDTH),
                Strip([*gap, Segment(TRACK, on_track)], self._gap + WIDTH),
            )
        return self._cells


Joined = tuple[Strip, Strip, Strip]


def beside(line: Strip, cell: Strip, joined: Joined | None) -> Joined:
    """`line` with the mark's `cell` after it, as (line, cell, both joined): `joined` again
    while it was made from these same strips, so that the view returns the same strip object
    every frame and Textual's caches of that strip serve its crops and styles."""
    if joined is None or joined[0] is not line or joined[1] is not cell:
        joined = (line, cell, Strip.join((line, cell)))
    return joined
