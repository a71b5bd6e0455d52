"""Every key binding of the app, with a stable id and a description: the footer, the `?` help
screen and the README's key table are all built from this one list."""

from __future__ import annotations

from textual.binding import Binding

#: (keys shown in help, description) for keys handled by widgets rather than app bindings.
WIDGET_KEYS = (
    ("↑ ↓  j k", "move the cursor"),
    ("PgUp PgDn", "page up / down"),
    ("g  G", "first / last job"),
    ("enter", "open the job's detail pane (J: its raw JSON, r: refresh it)"),
    ("esc", "back / clear the filter"),
)

APP_BINDINGS = [
    Binding("question_mark", "help", "Help", id="app.help"),
    Binding("slash", "filter", "Filter", id="app.filter"),
    Binding("s", "next_sort", "Sort", id="app.sort"),
    Binding("S", "reverse_sort", "Reverse sort", show=False, id="app.sort_reverse"),
    Binding("r", "refresh", "Refresh", id="app.refresh"),
    Binding("p", "pause", "Pause", id="app.pause"),
    Binding("c", "cancel_job", "Cancel job", id="app.cancel"),
    Binding("y", "copy_id", "Copy id", id="app.copy"),
    Binding("0", "quick_filter('')", "Show all jobs", show=False, id="app.filter_all"),
    Binding(
        "1", "quick_filter('state:active')", "Show active jobs", show=False, id="app.filter_active"
    ),
    Binding(
        "2",
        "quick_filter('state:processing')",
        "Show processing jobs",
        show=False,
        id="app.filter_processing",
    ),
    Binding(
        "3",
        "quick_filter('state:queued,scheduled')",
        "Show queued and scheduled",
        show=False,
        id="app.filter_waiting",
    ),
    Binding(
        "4", "quick_filter('state:error')", "Show failed jobs", show=False, id="app.filter_error"
    ),
    Binding(
        "5",
        "quick_filter('state:finished')",
        "Show finished jobs",
        show=False,
        id="app.filter_finished",
    ),
    Binding(
        "6",
        "quick_filter('state:canceled,canceling')",
        "Show canceled jobs",
        show=False,
        id="app.filter_canceled",
    ),
    Binding("escape", "escape", "Back", show=False, id="app.escape"),
    Binding("q", "quit", "Quit", id="app.quit"),
]

KEY_LABELS = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
}


def help_rows() -> list[tuple[str, str]]:
    rows = list(WIDGET_KEYS)
    for binding in APP_BINDINGS:
        if binding.key == "escape":
            continue
        rows.append((KEY_LABELS.get(binding.key, binding.key), binding.description))
    rows.append(("ctrl+p", "command palette: jump to a job, actions"))
    return rows
