"""`CellCache`: the jobs table's cells parsed from markup once, not on every redraw.

A row is redrawn whenever one of its cells changes (progress, duration) or it comes on screen
again; its other cells (state, name, id, created) rarely change. Parsing markup is most of what
drawing a row costs, so the parsed, truncated and padded `Text` of a cell is kept, keyed by its
markup and width, in a bounded LRU: a redraw parses only the cells that changed.

The cached `Text` objects are shared: callers read them (`Text.append_text` copies) and never
change them.
"""

from __future__ import annotations

from collections import OrderedDict

from rich.text import Text

#: Cells kept: a few screens of rows (about ten cells a row), most recently used last.
CELLS = 4096


class CellCache:
    """Parsed cells keyed by (markup, width); see the module docstring."""

    __slots__ = ("_cells", "parsed", "size")

    def __init__(self, size: int = CELLS) -> None:
        self.size = max(1, size)
        self._cells: OrderedDict[tuple[str, int], Text] = OrderedDict()
        #: Cells parsed (cache misses): tests and benchmarks read it.
        self.parsed = 0

    def __len__(self) -> int:
        return len(self._cells)

    def text(self, markup: str, width: int) -> Text:
        """The cell as drawn: `markup` parsed, cut to `width` (an ellipsis) and padded to it."""
        key = (markup, width)
        cells = self._cells
        cell = cells.get(key)
        if cell is not None:
            cells.move_to_end(key)
            return cell
        cell = Text.from_markup(markup, end="")
        cell.truncate(width, overflow="ellipsis", pad=True)
        self.parsed += 1
        cells[key] = cell
        if len(cells) > self.size:
            cells.popitem(last=False)
        return cell

    def clear(self) -> None:
        self._cells.clear()
