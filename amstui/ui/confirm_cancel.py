"""The cancel confirmation dialog: nothing is canceled without an explicit yes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from amstui.ams.model import Job
from amstui.ui.cells import short_id


class ConfirmCancel(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, cancel", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static("[b]Cancel this job?[/b]", id="confirm-title")
            yield Static(f"{self.job.name}\n[dim]{self.job.id}[/dim]", id="confirm-job")
            yield Static(
                f"State: {self.job.state.label}. Canceling stops its tasks; it cannot be resumed.",
                id="confirm-note",
            )
            with Horizontal(id="confirm-buttons"):
                yield Button("Keep running [N]", id="no", variant="primary")
                yield Button(f"Cancel {short_id(self.job.id)} [Y]", id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
