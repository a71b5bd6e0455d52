"""Checks of the settings that only the UI can judge: the theme name and the [keys] remaps.

Called where the monitor is launched, before the app starts, so that a bad theme or key is a
config error (exit 2) naming the file and key. It imports Textual, so headless commands and
`amstui --version` never load it.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES
from textual.widgets import DataTable

from amstui.config import Resolved, check_ui
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.help_screen import HelpScreen
from amstui.ui.jobs_table import JobsTable
from amstui.ui.keys import APP_BINDINGS

_KEY_NAMES = frozenset(k.value for k in Keys) | frozenset(KEY_NAME_REPLACEMENTS.values())


def is_key_name(name: str) -> bool:
    """A key Textual can deliver: a named key, a printable character, or its Unicode name."""
    return name in _KEY_NAMES or key_to_character(name) is not None


def _scope(*groups: Iterable[object]) -> dict[str, str]:
    """Binding id -> keys; bindings without an id are fixed keys, shown as "(action)"."""
    scope: dict[str, str] = {}
    for group in groups:
        for binding in group:
            if isinstance(binding, Binding):
                scope[binding.id or f"({binding.action})"] = binding.key
    return scope


def check_ui_settings(resolved: Resolved) -> None:
    """ConfigError if the theme is unknown or a [keys] entry is unknown, invalid or clashes."""
    screen = list(Screen.BINDINGS)
    check_ui(
        resolved,
        themes=BUILTIN_THEMES,
        scopes=[
            _scope(APP_BINDINGS, JobsTable.BINDINGS, DataTable.BINDINGS, screen),
            _scope(DetailScreen.BINDINGS, screen),
            _scope(HelpScreen.BINDINGS),
            _scope(ConfirmCancel.BINDINGS),
        ],
        is_key_name=is_key_name,
    )
