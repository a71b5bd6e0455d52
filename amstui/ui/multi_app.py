"""`MultiAccountApp`: the monitor watching several accounts in one table.

Each account has its own store and engine (`amstui.monitor.accounts`); the table shows their
jobs under row keys with an Account column first, coloured per account (the name itself is the
cell, so it reads without colour). The header carries one chip per account; the `/` filter
takes `account:NAME`; a quick key (`a`, binding id `app.account`) cycles the account shown:
all, then each in turn. Detail, cancel and copy act on the selected row's own account. One
account is never run through this class: it stays the plain `AmstuiApp`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from textual.binding import Binding
from textual.css.query import NoMatches

from amstui.ams.backend import JobsBackend
from amstui.monitor.accounts import (
    AccountFeed,
    EngineSet,
    MultiStore,
    keyed_runner,
    row_key,
    split_key,
)
from amstui.monitor.engine import RefreshEngine
from amstui.monitor.inert_text import inert
from amstui.monitor.store import JobStore
from amstui.ui.account_filter import split_account_terms, with_account
from amstui.ui.app import AmstuiApp, AppOptions
from amstui.ui.cells import styled
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.filter_bar import FilterBar
from amstui.ui.header_bar import HeaderBar, chips_text
from amstui.ui.job_filter import FilterError, parse_filter
from amstui.ui.jobs_table import MIXED, V3_APIS
from amstui.ui.keys import key_label

ACCOUNT_BINDING = Binding(
    "a", "cycle_account", "Show the next account (all, then each)", show=False, id="app.account"
)
#: Account colours, in the order the accounts are named.
ACCOUNT_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red")
#: The Account column: as wide as the longest name, within these bounds.
ACCOUNT_WIDTH = (7, 12)


@dataclass(frozen=True, slots=True)
class AccountSource:
    """One account to watch: its backend, its clock and its own refresh settings."""

    name: str
    endpoint: str
    backend: JobsBackend
    now: Callable[[], datetime]
    api: str = "v2"
    interval: float | None = None
    max_in_flight: int | None = None
    requests_per_second: float | None = None


def table_api(apis: Iterable[str]) -> str:
    """The table's column set for accounts of these shapes: v2's, v3's (ARM and MK.IO alike),
    or, for v2 and v3 side by side, the mixed one (`jobs_table.MIXED_COLUMNS`)."""
    shapes = {"v3" if api in V3_APIS else "v2" for api in apis}
    return MIXED if len(shapes) > 1 else shapes.pop() if shapes else "v2"


def account_colour(index: int) -> str:
    return ACCOUNT_COLOURS[index % len(ACCOUNT_COLOURS)]


class MultiAccountApp(AmstuiApp):
    BINDINGS = [*AmstuiApp.BINDINGS, ACCOUNT_BINDING]

    def __init__(
        self,
        sources: Sequence[AccountSource],
        options: AppOptions,
        *,
        monotonic: Callable[[], float] | None = None,
        on_exit: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        if len(sources) < 2:
            raise ValueError("MultiAccountApp watches two accounts or more")
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"account names repeat: {', '.join(names)}")
        for name in names:
            # Written `account:NAME` in the filter (split on whitespace) and `NAME:ID`.
            if not name or ":" in name or len(name.split()) != 1 or name.strip() != name:
                raise ValueError(f"not an account name for a set: {inert(name)!r}")
        self.sources = list(sources)
        self._cells = {
            s.name: styled(inert(s.name), account_colour(i)) for i, s in enumerate(sources)
        }
        self.shown_account: str | None = None
        options = replace(options, api=table_api(s.api for s in sources))
        super().__init__(
            sources[0].backend, options, now=sources[0].now, monotonic=monotonic, on_exit=on_exit
        )
        # Each account's rows are taken ahead in the order in use, when idle: the `a` key
        # shows them without a pass over every row.
        self.view.keep_prefixed = tuple((row_key(name, ""),) for name in names)

    def _build_monitor(
        self,
        backend: JobsBackend,
        options: AppOptions,
        now: Callable[[], datetime],
        kw: dict[str, Any],
    ) -> tuple[JobStore, RefreshEngine | EngineSet]:
        feeds: list[AccountFeed] = []
        for source in self.sources:
            store = JobStore(source.now)
            engine = RefreshEngine(
                source.backend,
                store,
                now=source.now,
                interval=source.interval or options.interval,
                max_in_flight=source.max_in_flight or options.max_in_flight,
                requests_per_second=(
                    source.requests_per_second
                    if source.requests_per_second is not None
                    else options.requests_per_second
                ),
                runner=keyed_runner(source.name, self._run_job_refresh),
                **kw,
            )
            feeds.append(AccountFeed(source.name, source.endpoint, store, engine, source.api))
        self.feeds = feeds
        store = MultiStore(now, [(feed.name, feed.store) for feed in feeds])
        return store, EngineSet(feeds)

    @property
    def account_names(self) -> list[str]:
        return [source.name for source in self.sources]

    def account_cell(self, key: str) -> str:
        return self._cells.get(split_key(key)[0], "")

    def on_mount(self) -> None:
        super().on_mount()
        low, high = ACCOUNT_WIDTH
        width = min(max(low, *(len(inert(n)) for n in self.account_names)), high)
        self.table.show_accounts(width, self.account_cell)

    # ------------------------------------------------------------------ header, help

    def refresh_header(self) -> None:
        text = chips_text(self.feeds, paused=self.engine.status.paused)
        if text == self._header_shown:
            return
        self._header_shown = text
        with contextlib.suppress(NoMatches):
            self.query_one(HeaderBar).update(text, layout=False)

    def help_keys(self) -> list[tuple[str, str]]:
        rows = super().help_keys()
        keys = self.bound_keys().get(ACCOUNT_BINDING.id or "", ACCOUNT_BINDING.key)
        rows.insert(len(rows) - 1, (key_label(keys), ACCOUNT_BINDING.description))
        for feed in self.feeds:
            engine = feed.engine
            rows.append(
                (
                    feed.name,
                    f"{feed.api} · {engine.status.state} · every {engine.interval:g}s · "
                    f"{engine.requests_per_minute()} req/min · {len(feed.store)} jobs",
                )
            )
        return rows

    # ------------------------------------------------------------------ filter

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cycle_account" and isinstance(self.screen, DetailScreen):
            return False
        return super().check_action(action, parameters)

    def action_cycle_account(self) -> None:
        names = self.account_names
        shown = self.shown_account
        following = names[0] if shown not in names else None
        if shown in names:
            index = names.index(shown)
            following = names[index + 1] if index + 1 < len(names) else None
        bar = self.query_one("#filter", FilterBar)
        text = with_account(bar.value, following)
        bar.set_text(text)
        self.apply_filter(text)

    def apply_filter(self, text: str) -> None:
        try:
            key_filter, rest = split_account_terms(text, self.account_names)
            job_filter = parse_filter(rest)
        except FilterError as exc:
            key_filter, job_filter, rest = None, None, ""
            self.status_message = f"filter not applied: {exc}"
            self._status_error = True
        else:
            if self.status_message.startswith("filter not applied"):
                self.status_message = ""
        shown = [
            word.partition(":")[2]
            for word in text.split()
            if word.lower().startswith("account:") and key_filter is not None
        ]
        self.shown_account = (
            shown[0] if len(shown) == 1 and shown[0] in self.account_names else None
        )
        wanted = text.strip() if (key_filter is not None or job_filter is not None) else ""
        self.view.drop_pending_filter()  # a pass for older text is not wanted now
        if wanted != self.view.filter_text or key_filter is not None or job_filter is not None:
            self.set_view_filter(job_filter, wanted, key_filter)
        else:
            self.refresh_status()
