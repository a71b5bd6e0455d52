"""The `?` help screen: every key, from `keys.help_rows()`."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from amstui.monitor.inert_text import inert
from amstui.ui.keys import help_rows

FILTER_HELP = (
    "Filter syntax: words match name or id; /regex/; state:error, state:active, "
    "name:text, id:text, priority:>1, transform:name (v3), account:name (several "
    "accounts); !term negates."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        #: (keys, description): the keys as bound now (a user's keymap included).
        self.rows = rows if rows is not None else help_rows()

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for keys, description in self.rows:
            table.add_row(Text(inert(keys)), Text(description))
        with VerticalScroll(id="help-box"):
            yield Static("[b]amstui keys[/b]", id="help-title")
            yield Static(table)
            yield Static(Text(FILTER_HELP), id="help-filter")
            yield Static("[dim]esc or ? to close[/dim]")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
