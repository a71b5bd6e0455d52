"""`KeyFooter`: Textual's `Footer`, rebuilt only when the keys it shows change.

The stock footer recomposes (one widget per key, each styled and laid out again) whenever its
screen says its bindings were updated: on every screen switch and focus change, twice per
switch, for the screen going to the background as well (whose bindings then read without its
focused widget's keys, so it was rebuilt wrong, and rebuilt again when it came back). Opening
the detail screen and going back to the table cost 40 to 80 ms each in footer rebuilds alone,
frames that a key pressed right after had to wait for. This footer follows its screen only
while that screen is the current one, and skips the rebuild when the keys are the ones it
shows already. It draws exactly what `Footer` draws.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

#: What the footer shows of one binding: key, its display, description, enabled, tooltip.
Shown = tuple[str, str, str, bool, str]


class KeyFooter(Footer):
    """A `Footer` that recomposes only when the keys it would show changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys_shown: tuple[Shown, ...] | None = None
        #: Recompositions asked for (tests read it).
        self.rebuilds = 0

    def keys_of(self, screen: Screen[object]) -> tuple[Shown, ...]:
        """The keys this footer would show on `screen` (and the command palette's key)."""
        app = self.app
        return tuple(
            (binding.key, app.get_key_display(binding), binding.description, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == app.COMMAND_PALETTE_BINDING
        )

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.is_active:
            return  # a screen in the background: its footer is not seen (and rebuilt on return)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            keys = self.keys_of(screen)
            if keys == self._keys_shown:
                return  # the same keys: the footer on screen is right as it is
            self._keys_shown = keys
            self.rebuilds += 1
        super().bindings_changed(screen)
