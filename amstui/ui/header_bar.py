"""`HeaderBar`: account, endpoint, connection state, freshness, request rate, paused."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from rich.text import Text
from textual.widgets import Static

from amstui.monitor.accounts import AccountFeed, EngineSet
from amstui.monitor.engine import RefreshEngine
from amstui.monitor.inert_text import inert
from amstui.ui.cells import duration

STATE_LOOK = {
    "connecting": ("○ connecting", "yellow"),
    "live": ("● live", "bold green"),
    "degraded": ("▲ degraded", "bold yellow"),
    "offline": ("✖ offline", "bold red"),
    "auth": ("✖ auth failed", "bold red"),
}


def header_text(account: str, endpoint: str, engine: RefreshEngine | EngineSet) -> Text:
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


def chips_text(feeds: Sequence[AccountFeed], paused: bool = False) -> Text:
    """Several accounts: one compact chip each (name, state glyph and word, age of the last
    good refresh), then the requests per minute of them all."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" amstui ", "bold reverse")
    total = 0
    for feed in feeds:
        engine = feed.engine
        status = engine.status
        label, style = STATE_LOOK.get(status.state, (status.state, ""))
        text.append("  ")
        text.append(inert(feed.name), "bold")
        text.append(" ")
        text.append(label, style)
        since = engine.since_last_good()
        if since is not None:
            text.append(f" {duration(timedelta(seconds=since))}", "dim")
        total += engine.requests_per_minute()
    text.append(f"  {total} req/min", "dim")
    if paused:
        text.append("  ⏸ PAUSED", "bold reverse yellow")
    return text
