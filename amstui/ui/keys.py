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
    Binding("c", "cancel_job", "Cancel", id="app.cancel"),
    # Not in the footer (it must keep `q Quit` at 80 columns); in the help and the palette.
    Binding("y", "copy_id", "Copy id", show=False, id="app.copy"),
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
    Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True, id="app.interrupt"),
]

#: `c` in read-only mode: says why nothing happens (the cancel binding is hidden then).
READONLY_CANCEL = Binding(
    "c", "explain_readonly", "Cancel (read-only)", show=False, id="app.cancel_readonly"
)

KEY_LABELS = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
}


#: Help-screen wording where the footer's short label says too little.
LONG_DESCRIPTIONS = {"app.cancel": "Cancel the selected job (asks first)"}


def key_label(keys: str) -> str:
    """How a key (or comma-separated keys) is written for people: `?`, `/`, `esc`."""
    return "  ".join(KEY_LABELS.get(k.strip(), k.strip()) for k in keys.split(","))


def help_rows(
    bound: dict[str, str] | None = None, *, readonly: bool = False
) -> list[tuple[str, str]]:
    """The help screen's rows; `bound` maps binding ids to the keys bound now (a keymap)."""
    bound = bound or {}
    rows = list(WIDGET_KEYS)
    for binding in APP_BINDINGS:
        if binding.key in ("escape", "ctrl+c"):
            continue
        description = LONG_DESCRIPTIONS.get(binding.id or "", binding.description)
        if readonly and binding.id == "app.cancel":
            description += " (disabled: read-only mode)"
        keys = bound.get(binding.id or "", binding.key)
        rows.append((key_label(keys), description))
    rows.append(("ctrl+p", "command palette: jump to a job, actions"))
    return rows
