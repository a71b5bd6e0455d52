"""The cancel confirmation dialog: nothing is canceled without an explicit yes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from amstui.ams.model import Job
from amstui.monitor.inert_text import inert
from amstui.ui.cells import short_id


class ConfirmCancel(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, cancel", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, job: Job, *, account: str | None = None) -> None:
        super().__init__()
        self.job = job
        #: The job's account when several are watched (the dialog names it).
        self.account = account

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text("Cancel this job?", "bold"), id="confirm-title")
            # The job's name and id exactly as the service has them: data, never markup.
            job = Text(inert(self.job.name))
            job.append("\n")
            job.append(inert(self.job.id), "dim")
            if self.account is not None:
                job.append("\nAccount: ")
                job.append(inert(self.account), "bold")
            yield Static(job, id="confirm-job")
            yield Static(
                Text(
                    f"State: {self.job.state.label}. Canceling stops its tasks; "
                    "it cannot be resumed."
                ),
                id="confirm-note",
            )
            with Horizontal(id="confirm-buttons"):
                yield Button(Text("Keep running [N]"), id="no", variant="primary")
                yield Button(
                    Text(f"Cancel {inert(short_id(self.job.id))} [Y]"), id="yes", variant="error"
                )

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
