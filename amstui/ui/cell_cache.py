"""`CellCache`: the jobs table's cells parsed from markup and drawn once, not on every redraw.

A row is redrawn whenever one of its cells changes (progress, duration) or it comes on screen
again; its other cells (state, name, id, created) rarely change. Parsing markup and rendering
the `Text` is most of what drawing a row costs, so each cell is kept, keyed by its markup and
width, in a bounded LRU, as the segments it draws (`segments`, what a row strip is assembled
from): a redraw parses and renders only the cells that changed.

The cached objects are shared: callers read them and never change them. Segments are rendered
with the console given on the first use of a cell; one cache serves one console (the app's).
"""

from __future__ import annotations

from collections import OrderedDict

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

#: Cells kept: a few screens of rows (about ten cells a row), most recently used last.
CELLS = 4096

#: A cell as drawn: its segments and their width in cells.
Drawn = tuple[tuple[Segment, ...], int]


def parse(markup: str, width: int) -> Text:
    """The cell as drawn: `markup` parsed, cut to `width` (an ellipsis) and padded to it.

    Emoji codes are not markup here: a job named `:fire:` reads `:fire:`. Markup with no tag
    and no escape is its own text (most names, ids and times): it skips the parser."""
    if "[" in markup or "\\" in markup:
        cell = Text.from_markup(markup, end="", emoji=False)
    else:
        cell = Text(markup, end="")
    cell.truncate(width, overflow="ellipsis", pad=True)
    return cell


class CellCache:
    """Cells keyed by (markup, width); see the module docstring."""

    __slots__ = ("_drawn", "parsed", "size")

    def __init__(self, size: int = CELLS) -> None:
        self.size = max(1, size)
        self._drawn: OrderedDict[tuple[str, int], Drawn] = OrderedDict()
        #: Cells parsed (cache misses): tests and benchmarks read it.
        self.parsed = 0

    def __len__(self) -> int:
        return len(self._drawn)

    def segments(self, markup: str, width: int, console: Console) -> Drawn:
        """The cell as drawn (`parse`), rendered: its segments and its width in cells."""
        key = (markup, width)
        drawn = self._drawn
        cell = drawn.get(key)
        if cell is not None:
            drawn.move_to_end(key)
            return cell
        text = parse(markup, width)
        self.parsed += 1
        cell = (tuple(text.render(console)), text.cell_len)
        drawn[key] = cell
        if len(drawn) > self.size:
            drawn.popitem(last=False)
        return cell

    def clear(self) -> None:
        self._drawn.clear()
