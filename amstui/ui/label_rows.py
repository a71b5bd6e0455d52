"""`LabelRows`: `label  value` rows drawn as a Rich `Table.grid(padding=(0, 2))` with a bold,
unwrapped label column draws them, without a table's cost.

The detail screen shows its timing fields, a v3 job's fields and each exchange's request line
and headers as such rows. A Rich table measures every cell of every column before it draws and
is measured again by Textual for the widget's width and height: a 12-row grid cost about 5 ms
per pass, three passes per frame. These rows are measured once (the labels' width and the
widest value) and drawn line by line, with the same segments the grid gives (the snapshot tests
compare the screens), wrapping a long value under its column as the grid does. With `indent`
and `gap` they draw the indented grids under a task (its id, errors and events) and under a
v3 output (asset, times, error) as well.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

#: Cells between the label column and the value column.
GAP = 2


class LabelRows:
    """Rows of a label and a value; see the module docstring."""

    def __init__(self, label_style: str = "bold", *, indent: int = 0, gap: int = GAP) -> None:
        self.label_style = label_style
        #: Blank cells before the labels (a grid's blank first column), and after them.
        self.indent = indent
        self.gap = gap
        self.rows: list[tuple[str, Text]] = []

    def add_row(self, label: str, value: Text | str) -> None:
        self.rows.append((label, value if isinstance(value, Text) else Text(value)))

    def _widths(self) -> tuple[int, int]:
        labels = max((cell_len(label) for label, _ in self.rows), default=0)
        values = max((_widest_line(value) for _, value in self.rows), default=0)
        return labels, values

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        if not self.rows:
            return Measurement(0, 0)
        labels, values = self._widths()
        word = max((_longest_word(value) for _, value in self.rows), default=0)
        most, before = options.max_width, self.indent + labels + self.gap
        return Measurement(min(before + word, most), min(before + values, most))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.rows:
            return
        labels, values = self._widths()
        room = max(1, options.max_width - self.indent - labels - self.gap)
        values = min(max(values, 1), room)  # a table's column is a cell wide at least
        label_style = console.get_style(self.label_style)
        indent = [Segment(" " * self.indent)] if self.indent else []
        gap = [Segment(" " * self.gap, label_style)] if self.gap else []
        under = [Segment(" " * (labels + self.gap), label_style)] if labels + self.gap else []
        new_line = Segment.line()
        for label, value in self.rows:
            lines = value.wrap(console, values, justify="left", overflow="ellipsis")
            for index, line in enumerate(lines):
                yield from indent
                if index:
                    yield from under
                else:
                    if labels:
                        yield Segment(label + " " * (labels - cell_len(label)), label_style)
                    yield from gap
                # As a table cell draws it: the line's own style becomes a span.
                yield from Text(end="").append_text(line).render(console)
                yield new_line


def _widest_line(text: Text) -> int:
    return max((line.cell_len for line in text.split(allow_blank=True)), default=0)


def _longest_word(text: Text) -> int:
    return max((cell_len(word) for word in text.plain.split()), default=0)
