"""`HeaderBar`: account, endpoint, connection state, freshness, request rate, paused."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.widgets import Static

from amstui.monitor.engine import RefreshEngine
from amstui.ui.cells import duration

STATE_LOOK = {
    "connecting": ("○ connecting", "yellow"),
    "live": ("● live", "bold green"),
    "degraded": ("▲ degraded", "bold yellow"),
    "offline": ("✖ offline", "bold red"),
    "auth": ("✖ auth failed", "bold red"),
}


def header_text(account: str, endpoint: str, engine: RefreshEngine) -> Text:
    status = engine.status
    label, style = STATE_LOOK.get(status.state, (status.state, ""))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" amstui ", "bold reverse")
    text.append(f" {account} ", "bold")
    text.append(endpoint, "dim")
    text.append("  ")
    text.append(label, style)
    if status.reason:
        text.append(f": {status.reason}", style)
    since = engine.since_last_good()
    if since is not None:
        text.append(f"  updated {duration(timedelta(seconds=since))} ago", "")
    text.append(f"  {engine.requests_per_minute()} req/min", "dim")
    if status.paused:
        text.append("  ⏸ PAUSED", "bold reverse yellow")
    return text


class HeaderBar(Static):
    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; }
    """
