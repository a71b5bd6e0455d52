"""`KeyFooter`: the keys of the current screen on one row, drawn as Textual's `Footer` draws
them, by one widget.

The stock footer is a container of one `FooterKey` widget per key. Each is styled when its
screen comes back (Textual restyles a pushed screen in full), laid out and rendered on its own:
with nine keys that was 3.5 of the 5 ms a detail screen took to restyle on `enter`, and more
to lay out and draw, in the frame the user waits for. It also recomposed on every screen switch
and focus change. This footer is one widget with one row: it draws the keys as `Footer` does
(` key description ` each, in the footer's theme colours, the command palette's key on the
right after a thin bar), and repaints only when the keys it would show change. A click on a
key presses it, as on `Footer`.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

#: What the footer shows of one binding: key, its display, description, enabled.
Shown = tuple[str, str, str, bool]

#: The thin bar before the command palette's key (`Footer`'s `border-left: vkey`).
PALETTE_BAR = "▏"


class KeyFooter(Widget):
    """The current screen's keys on one row (see the module docstring)."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--bar",
    }

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--bar {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys_shown: tuple[Shown, ...] = ()
        self._palette: Shown | None = None
        #: Each key's cells on the row: (first, last + 1, key).
        self._spans: list[tuple[int, int, str]] = []
        self._drawn: tuple[object, ...] | None = None
        self._strip = Strip([])
        #: Times the keys shown changed (tests read it).
        self.rebuilds = 0

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def keys_of(self, screen: Screen[object]) -> tuple[tuple[Shown, ...], Shown | None]:
        """The keys this footer shows on `screen`, and the command palette's key."""
        app = self.app
        keys: list[Shown] = []
        actions: set[str] = set()
        palette: Shown | None = None
        for key, (_, binding, enabled, _tooltip) in screen.active_bindings.items():
            shown = (binding.key, app.get_key_display(binding), binding.description, enabled)
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = shown
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)  # one key per action, as `Footer` shows
                keys.append(shown)
        return tuple(keys), palette

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.is_active or screen is not self.screen or not screen.app.app_focus:
            return  # a screen in the background: its footer is not seen
        keys, palette = self.keys_of(screen)
        if (keys, palette) != (self._keys_shown, self._palette):
            self._keys_shown, self._palette = keys, palette
            self.rebuilds += 1
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0:
            return Strip.blank(width, base)
        styles = (
            base,
            self.get_component_rich_style("key-footer--key"),
            self.get_component_rich_style("key-footer--description"),
            self.get_component_rich_style("key-footer--bar"),
        )
        drawn = (self._keys_shown, self._palette, width, styles)
        if drawn != self._drawn:
            self._strip = self._draw(width, *styles)
            self._drawn = drawn
        return self._strip

    def _draw(self, width: int, base: Style, key: Style, description: Style, bar: Style) -> Strip:
        dim = Style(dim=True)

        def parts(shown: Shown, compact: bool) -> list[Segment]:
            _, display, text, enabled = shown
            # `Footer`'s keys: " key description "; its palette key is drawn compact.
            pieces = [Segment(display if compact else f" {display} ", base + key)]
            if text:
                pieces.append(Segment(f" {text}" if compact else f"{text} ", base + description))
            return pieces if enabled else [Segment(p.text, (p.style or base) + dim) for p in pieces]

        # Cells between and after the keys: the footer's background only, as `Footer` draws.
        blank = Style(bgcolor=base.bgcolor)
        spans: list[tuple[int, int, str]] = []
        right: list[Segment] = []
        room = width
        if self._palette is not None:
            # A thin bar, the key, a cell of padding: at the right end of the row.
            shown = parts(self._palette, compact=True)
            used = sum(cell_len(p.text) for p in shown)
            right = [Segment(PALETTE_BAR, base + bar), *shown, Segment(" ", blank)]
            room = max(width - used - cell_len(PALETTE_BAR) - 1, 0)
            start = room + cell_len(PALETTE_BAR)
            spans.append((start, start + used, self._palette[0]))
        left: list[Segment] = []
        at = 0
        for shown_key in self._keys_shown:
            pieces = parts(shown_key, compact=False)
            used = sum(cell_len(p.text) for p in pieces)
            if at < room:
                spans.append((at, min(at + used, room), shown_key[0]))
            at += used
            left += pieces
        self._spans = spans
        row = Strip(left).crop_extend(0, room, blank)
        return Strip.join([row, Strip(right)]).crop(0, width)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
