"""`DetailLines`: the detail screen's body as one Line-API view (`ScrollView.render_line`).

The body is a list of named sections (Timing, Tasks or Outputs, Job, Raw response), each a
heading and blocks of two kinds:

- `RenderedBlock`: a small Rich renderable (label rows, a task list, an exchange's head rows)
  rendered to strips at the current width with the app's console, once per width or change;
- `TextLinesBlock`: a body of text lines (the raw JSON pretty-printed, or a non-JSON body), of
  which the virtual height is known from the lines' cell lengths without rendering anything.
  A line is highlighted (JSON) and folded at the width (character folding, continuation rows
  keep the line's indentation) only when it comes on screen, and its strips are cached.

A Static per section made Textual lay out and render every section (the whole highlighted JSON
included) on each frame that changed one; here a frame renders the rows on screen, nothing more.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import StringIO

from rich.cells import cell_len, chop_cells
from rich.console import Console, RenderableType
from rich.containers import Lines
from rich.highlighter import JSONHighlighter
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from amstui.ui import scroll_mark
from amstui.ui.scroll_mark import ScrollMark

#: Continuation rows of a folded line keep its indentation while at least this much room is left.
MIN_FOLD_ROOM = 20
#: Blank columns between the lines and the scroll mark.
MARK_GAP = 1
#: What every line of a frame is drawn with: the lines' width, the base and headings'
#: styles, the rows of the scroll mark's thumb and the mark's cells (thumb, track).
Frame = tuple[int, Style, Style, range, tuple[Strip, Strip]]


def plain_text(renderable: RenderableType, width: int = 300) -> str:
    """What a renderable shows, as plain text (no colour, trailing spaces removed)."""
    console = Console(width=width, file=StringIO(), color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in capture.get().splitlines())


class RenderedBlock:
    """A small renderable, rendered to strips once per width."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._width = -1
        self._strips: list[Strip] = []

    def strips(self, width: int, console: Console) -> list[Strip]:
        if width != self._width:
            options = console.options.update_width(width)
            lines = console.render_lines(self.renderable, options, pad=False)
            self._strips = [Strip(line) for line in lines]
            self._width = width
        return self._strips

    def height(self, width: int, console: Console) -> int:
        return len(self.strips(width, console))

    def strip(self, row: int, width: int, console: Console) -> Strip:
        return self.strips(width, console)[row]

    def plain(self) -> str:
        return plain_text(self.renderable)

    def anchor(self, row: int, width: int) -> tuple[int, int]:
        return (row, 0)

    def row_of(self, anchor: tuple[int, int], width: int, console: Console) -> int:
        return min(anchor[0], max(self.height(width, console) - 1, 0))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class TextLinesBlock:
    """Text lines (inert already: no control characters), highlighted as JSON when
    `highlight`, folded at the width; only lines on screen are highlighted and folded."""

    def __init__(self, lines: Sequence[str], *, highlight: bool, style: str = "") -> None:
        self.lines = lines
        self.highlight = highlight
        self.style = style
        #: Each line's width in cells (a wide character takes two).
        self._cells = [cell_len(line) for line in lines]
        self._width = -1
        #: The first row of each line at the current width, and the total after the last.
        self._starts: list[int] = []
        #: Highlighted lines by index, and rows drawn at the current width by row.
        self._texts: dict[int, Text] = {}
        self._rows: dict[int, Strip] = {}
        #: Lines longer than the width, divided into their rows' pieces, by index.
        self._folded: dict[int, Lines] = {}
        #: Lines highlighted so far (tests read it: only lines on screen are).
        self.lines_highlighted = 0

    def _layout(self, width: int) -> list[int]:
        if width != self._width:
            starts = [0] * (len(self.lines) + 1)
            row = 0
            for index, (line, cells) in enumerate(zip(self.lines, self._cells, strict=True)):
                starts[index] = row
                row += self._fold_count(line, cells, width)
            starts[-1] = row
            self._starts = starts
            self._width = width
            self._rows.clear()
            self._folded.clear()
        return self._starts

    @staticmethod
    def _room(line: str, width: int) -> tuple[int, int]:
        """The indentation of continuation rows and the room left on them."""
        indent = _indent(line)
        if width - indent < MIN_FOLD_ROOM:
            indent = 0
        return indent, max(width - indent, 1)

    def _fold_count(self, line: str, cells: int, width: int) -> int:
        if cells <= width:
            return 1
        if cells != len(line):  # wide characters: fold for real
            return len(self._fold_offsets(line, width)) + 1
        _, room = self._room(line, width)
        return 1 + -(-(cells - width) // room)

    def _fold_offsets(self, line: str, width: int) -> list[int]:
        """Where the line's continuation rows start (character offsets)."""
        if cell_len(line) <= width:
            return []
        _, room = self._room(line, width)
        if cell_len(line) == len(line):
            return list(range(width, len(line), room))
        first = chop_cells(line, width)[0]
        offsets = [len(first)]
        offset = len(first)
        for piece in chop_cells(line[offset:], room)[:-1]:
            offset += len(piece)
            offsets.append(offset)
        return offsets

    def height(self, width: int, console: Console) -> int:
        return self._layout(width)[-1]

    def _text(self, index: int) -> Text:
        text = self._texts.get(index)
        if text is None:
            text = Text(self.lines[index], style=self.style, end="", no_wrap=True)
            if self.highlight:
                JSONHighlighter().highlight(text)
                self.lines_highlighted += 1
            self._texts[index] = text
        return text

    def strip(self, row: int, width: int, console: Console) -> Strip:
        strip = self._rows.get(row)
        if strip is not None:
            return strip
        starts = self._layout(width)
        index = bisect_right(starts, row, 0, len(self.lines)) - 1
        part = row - starts[index]
        text = self._text(index)
        piece = text
        if part or self._cells[index] > width:
            pieces = self._folded.get(index)
            if pieces is None:
                # Cached: a long line (a body that is one line) has hundreds of rows on screen.
                pieces = self._folded[index] = text.divide(self._fold_offsets(text.plain, width))
            piece = pieces[min(part, len(pieces) - 1)]
            if part:
                indent, _ = self._room(text.plain, width)
                piece = Text(" " * indent, end="").append_text(piece)
        strip = Strip(piece.render(console), piece.cell_len)
        self._rows[row] = strip
        return strip

    def plain(self) -> str:
        return "\n".join(self.lines)

    def anchor(self, row: int, width: int) -> tuple[int, int]:
        starts = self._layout(width)
        index = bisect_right(starts, row, 0, len(self.lines)) - 1
        return (index, row - starts[index])

    def row_of(self, anchor: tuple[int, int], width: int, console: Console) -> int:
        starts = self._layout(width)
        index = min(anchor[0], max(len(self.lines) - 1, 0))
        return min(starts[index] + anchor[1], max(starts[index + 1] - 1, starts[index]))


Block = RenderedBlock | TextLinesBlock
#: A place in the body: a section's name, a place in it (see `DetailLines`), a block's anchor.
Anchor = tuple[str, int, tuple[int, int]]


@dataclass
class Section:
    """A heading and its blocks; `name` is how the screen and the tests refer to it."""

    name: str
    title: str
    blocks: list[Block] = field(default_factory=list)


class DetailLines(ScrollView, can_focus=True):
    """The detail screen's body (see the module docstring)."""

    COMPONENT_CLASSES = {"detail-lines--section"}

    DEFAULT_CSS = """
    DetailLines {
        overflow-x: hidden;
        /* The scroll position is drawn by the view (`scroll_mark`), not by a scroll bar. */
        scrollbar-size-vertical: 0;
        & > .detail-lines--section {
            text-style: bold;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sections: list[Section] = []
        #: At the laid-out width: each piece's first row (and the total after the last), and
        #: the pieces: (section, place, what) where place -2 is the margin above a heading,
        #: -1 the heading, and 0… the section's blocks.
        self._width = -1
        self._starts: list[int] = []
        self._pieces: list[tuple[Section, int, Block | None]] = []
        #: While a frame is drawn: what its lines are drawn with (`Frame`).
        self._frame: Frame | None = None
        #: What is at the top of the view (kept when the lines fold again at a new width),
        #: and the row it moved to, until the view is scrolled there.
        self._top_anchor: Anchor | None = None
        self._pending_top: int | None = None
        #: The scrollable height does not shrink below this while it is held (`hold_height`).
        self._height_floor = 0
        #: The scroll position, drawn in the last column, and the lines joined to its cells
        #: by line on screen (`scroll_mark.beside`).
        self._mark = ScrollMark(gap=MARK_GAP)
        self._marked: dict[int, scroll_mark.Joined] = {}

    # ------------------------------------------------------------------ content

    def set_section(self, section: Section, before: str | None = None) -> None:
        """Add a section or replace the one of the same name; a new one goes before the
        section named `before` (or last). What is at the top of the view stays there."""
        anchor = self._anchor()
        names = [s.name for s in self._sections]
        if section.name in names:
            index = names.index(section.name)
            if self._replace_in_place(self._sections[index], section):
                self._sections[index] = section
                return
            self._sections[index] = section
        elif before in names:
            self._sections.insert(names.index(before), section)
        else:
            self._sections.append(section)
        self._relayout(anchor, self._sections.index(section))

    def remove_section(self, name: str) -> None:
        if any(s.name == name for s in self._sections):
            anchor = self._anchor()
            index = [s.name for s in self._sections].index(name)
            self._sections = [s for s in self._sections if s.name != name]
            self._relayout(anchor, index)

    def _replace_in_place(self, old: Section, new: Section) -> bool:
        """Swap a section for one of the same height at the laid-out width, repainting only
        the rows that differ (the clock moving the timing's Elapsed repaints one row, not the
        screen). False: the heights differ (or nothing is laid out), lay out again."""
        width = self._width
        if width <= 0 or width != self.text_width or old.title != new.title:
            return False
        if len(old.blocks) != len(new.blocks):
            return False
        if any(isinstance(block, TextLinesBlock) for block in (*old.blocks, *new.blocks)):
            return False  # comparing would draw (and highlight) every line
        console = self.app.console
        pairs = list(zip(old.blocks, new.blocks, strict=True))
        if any(a.height(width, console) != b.height(width, console) for a, b in pairs):
            return False
        starts = dict(zip((id(b) for _, _, b in self._pieces), self._starts, strict=False))
        self._pieces = [
            (new, place, None if block is None else new.blocks[place])
            if section is old
            else (section, place, block)
            for section, place, block in self._pieces
        ]
        for before, after in pairs:
            start = starts[id(before)]
            for row in range(after.height(width, console)):
                if before.strip(row, width, console) != after.strip(row, width, console):
                    self.refresh_lines(start + row)
        return True

    def section(self, name: str) -> Section | None:
        return next((s for s in self._sections if s.name == name), None)

    def section_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self._sections)

    def section_row(self, name: str) -> int | None:
        """The row of a section's heading (None: no such section, or not laid out yet)."""
        self._ensure_layout()
        for start, (section, place, _) in zip(self._starts, self._pieces, strict=False):
            if place == -1 and section.name == name:
                return start
        return None

    def text_blocks(self) -> Iterable[TextLinesBlock]:
        for section in self._sections:
            yield from (b for b in section.blocks if isinstance(b, TextLinesBlock))

    def hold_height(self) -> None:
        """Keep the scrollable height from shrinking until `release_height`.

        Showing another job replaces the raw response with a one-line placeholder, and the
        response comes back a frame later: the height would shrink, then grow again. Each
        change of virtual size makes Textual lay the screen out again, a second full render in
        the frame that first shows the job: about 5 ms of the key's time at 120x40 (measured
        with Textual's scroll bar, hidden then shown; the view now draws its own mark). Rows
        below the content are blank."""
        self._height_floor = self.virtual_size.height

    def release_height(self) -> None:
        """The scrollable height follows the content again (from the next layout on)."""
        self._height_floor = 0

    # ------------------------------------------------------------------ layout

    @property
    def text_width(self) -> int:
        """The lines' room: the view, less the scroll mark and the gap before it."""
        return max(self.scrollable_content_region.width - MARK_GAP - scroll_mark.WIDTH, 0)

    def _thumb_rows(self) -> range:
        height = self.scrollable_content_region.height
        return scroll_mark.thumb_rows(height, self.virtual_size.height, int(self.scroll_y))

    def _ensure_layout(self) -> None:
        width = self.text_width
        if width > 0 and width != self._width:
            self._layout(width)

    def _layout(self, width: int) -> None:
        old_width = self._width
        console = self.app.console
        starts: list[int] = []
        pieces: list[tuple[Section, int, Block | None]] = []
        row = 0
        for section in self._sections:
            for place in (-2, -1):  # the margin above the heading, the heading
                starts.append(row)
                pieces.append((section, place, None))
                row += 1
            for place, block in enumerate(section.blocks):
                starts.append(row)
                pieces.append((section, place, block))
                row += block.height(width, console)
        starts.append(row)
        self._starts, self._pieces, self._width = starts, pieces, width
        self.virtual_size = Size(width, max(row, self._height_floor))
        if old_width > 0 and self._top_anchor is not None:
            # A new width (often found while drawing, before the resize event): the lines
            # fold again, and the view goes where what was at its top now is.
            top = self._row_of(self._top_anchor)
            if top is not None and top != int(self.scroll_y):
                self._pending_top = top
                self.call_later(self._apply_pending_top)

    def _apply_pending_top(self) -> None:
        top, self._pending_top = self._pending_top, None
        if top is not None:
            self.scroll_to(y=top, animate=False)

    def _piece_at(self, row: int) -> int:
        return bisect_right(self._starts, row, 0, len(self._pieces)) - 1

    def _anchor(self) -> Anchor | None:
        """What is at the top of the view: a section, a place in it and a place in that
        block (kept across layouts: a section's change above does not move the view)."""
        if self._width <= 0 or not self._pieces:
            return None
        top = int(self.scroll_y)
        if top <= 0:
            return None
        index = self._piece_at(top)
        section, place, block = self._pieces[index]
        inner = (0, 0) if block is None else block.anchor(top - self._starts[index], self._width)
        return section.name, place, inner

    def _row_of(self, anchor: Anchor) -> int | None:
        """The row of an anchor in the current layout (None: its section is gone)."""
        name, place, inner = anchor
        for start, (section, at, block) in zip(self._starts, self._pieces, strict=False):
            if section.name == name and at == place:
                if block is not None:
                    start += block.row_of(inner, self._width, self.app.console)
                return start
        return None

    def _relayout(self, anchor: Anchor | None, changed: int) -> None:
        """Lay out again after the section at index `changed` (and those below it) moved or
        changed; the rows above it are repainted only if the view scrolls."""
        width = self.text_width
        if width <= 0:
            self._width = -1
            return
        self._layout(width)
        row = self._row_of(anchor) if anchor is not None else None
        if row is not None and row != int(self.scroll_y):
            self.scroll_to(y=row, animate=False)  # scrolling repaints the view
        else:
            # The section's margin row is its first: a raw response arriving below the
            # screen repaints nothing on it.
            first = self._section_start(changed)
            self.refresh_lines(first, max(self._starts[-1] - first, 0) + self.size.height)
        self._top_anchor = self._anchor()

    def _section_start(self, index: int) -> int:
        """The first row (its margin) of the section at `index`, or the end of the body."""
        if index >= len(self._sections):
            return self._starts[-1]
        section = self._sections[index]
        for start, (at, place, _) in zip(self._starts, self._pieces, strict=False):
            if at is section and place == -2:
                return start
        return 0

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._top_anchor = self._anchor()

    def on_resize(self, event: events.Resize) -> None:
        self._ensure_layout()

    # ------------------------------------------------------------------ scroll keys

    # Not animated: each frame of a scroll animation would draw (and highlight) the lines it
    # passes over, for a jump the user wants at once.

    def action_scroll_up(self) -> None:
        self.scroll_up(animate=False)

    def action_scroll_down(self) -> None:
        self.scroll_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    # ------------------------------------------------------------------ drawing

    def render_lines(self, crop: Region) -> list[Strip]:
        # The width, the base and heading styles are read once for all the lines of a frame
        # (each is a walk up the DOM).
        self._frame = self._frame_styles()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _frame_styles(self) -> Frame:
        base = self.rich_style
        return (
            self.text_width,
            base,
            self.get_component_rich_style("detail-lines--section"),
            # A change of the scrollable height (which moves the thumb) repaints the view.
            self._thumb_rows(),
            self._mark.cells(self, base),
        )

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._frame_styles()
        thumb, (thumb_cell, track_cell) = frame[3], frame[4]
        cell = thumb_cell if y in thumb else track_cell
        marked = self._marked[y] = scroll_mark.beside(
            self._line(y, frame), cell, self._marked.get(y)
        )
        return marked[2]

    def _line(self, y: int, frame: Frame) -> Strip:
        """Line `y` of the view without the scroll mark."""
        width, base, heading, _, _ = frame
        if width <= 0:
            return Strip.blank(0, base)
        if width != self._width:
            self._layout(width)
        top = self._pending_top
        row = (int(self.scroll_y) if top is None else top) + y
        if row >= self._starts[-1]:
            return Strip.blank(width, base)
        index = self._piece_at(row)
        section, place, block = self._pieces[index]
        if block is None:
            if place == -1:
                return self._heading(section.title, width, base + heading)
            return Strip.blank(width, base)
        strip = block.strip(row - self._starts[index], width, self.app.console)
        return strip.adjust_cell_length(width).apply_style(base)

    def _heading(self, title: str, width: int, style: Style) -> Strip:
        text = Text(title, end="", no_wrap=True)
        text.truncate(width, overflow="ellipsis")
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.adjust_cell_length(width).apply_style(style)
