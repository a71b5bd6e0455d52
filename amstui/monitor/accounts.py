"""Several accounts in one monitor: row keys, the combined store and the engine set.

Each account keeps its own `JobStore` and `RefreshEngine` (its own credential, interval,
budget, backoff and connection state). The monitor's view and table see one `MultiStore`
whose entries are keyed by a row key, `account + SEP + job id`, so equal ids in two accounts
never collide. `EngineSet` stands where one engine stands for a single account: it routes
per-job work (detail refresh, cancel, the selected and visible rows) to the row's own account,
and runs every account's loop side by side so that one account's outage or throttling never
slows the others. Nothing here knows of Textual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from amstui.monitor.engine import CycleReport, EngineStatus, RefreshEngine
from amstui.monitor.labels import short_id
from amstui.monitor.store import JobEntry, JobStore, Transition

#: Between the account and the job id in a row key (never in an account name or a job id).
SEP = "\x1f"
#: Worst first: the summary state of several accounts is the worst of theirs.
STATE_RANK = ("auth", "offline", "degraded", "connecting", "live")


def row_key(account: str, job_id: str) -> str:
    return f"{account}{SEP}{job_id}"


def split_key(key: str) -> tuple[str, str]:
    """(account, job id) of a row key; ("", key) for a plain job id (one account)."""
    account, sep, job_id = key.partition(SEP)
    return (account, job_id) if sep else ("", key)


def display_key(key: str) -> str:
    """A row key as people write it: `ACCOUNT:ID` (a plain id unchanged)."""
    account, job_id = split_key(key)
    return f"{account}:{job_id}" if account else job_id


def short_key(key: str) -> str:
    """A row key shortened for a notice: `ACCOUNT:short id`."""
    account, job_id = split_key(key)
    return f"{account}:{short_id(job_id)}" if account else short_id(job_id)


@dataclass(slots=True)
class AccountFeed:
    """One account of the set: its name, where it lives, its own store and engine."""

    name: str
    endpoint: str
    store: JobStore
    engine: RefreshEngine
    api: str = "v2"


class MultiStore(JobStore):
    """The jobs of several accounts' stores under row keys (entries are shared, not copied).

    Stores never drop an entry, so the combined dict only grows; each account store's flush
    is passed on at once with its ids turned into row keys.
    """

    def __init__(self, now: Callable[[], datetime], stores: Sequence[tuple[str, JobStore]]) -> None:
        super().__init__(now)
        self.stores = dict(stores)
        for name, store in stores:
            for job_id, entry in store.entries.items():
                self._adopt(name, job_id, entry)
            store.subscribe(self._forward(name, store))

    def _adopt(self, name: str, job_id: str, entry: JobEntry) -> str:
        key = row_key(name, job_id)
        self.entries[key] = entry
        return key

    def _forward(self, name: str, store: JobStore) -> Callable[[set[str], list[Transition]], None]:
        def listener(changed: set[str], ended: list[Transition]) -> None:
            keys: set[str] = set()
            for job_id in changed:
                entry = store.entries.get(job_id)
                if entry is None:
                    continue
                key = row_key(name, job_id)
                if self.entries.get(key) is not entry:
                    self._adopt(name, job_id, entry)
                keys.add(key)
            named = [replace(t, account=name) for t in ended]
            for host in self._listeners:
                host(keys, named)

        return listener

    def account_of(self, key: str) -> str:
        return split_key(key)[0]

    @property
    def active_count(self) -> int:
        return sum(store.active_count for store in self.stores.values())

    def active_ids(self) -> list[str]:
        return [row_key(n, i) for n, s in self.stores.items() for i in s.active_ids()]

    def exchanges(self, job_id: str) -> tuple[Any, ...]:
        account, plain = split_key(job_id)
        store = self.stores.get(account)
        return store.exchanges(plain) if store is not None else ()

    def count_of(self, account: str) -> int:
        store = self.stores.get(account)
        return len(store) if store is not None else 0

    def flush(self, transitions: bool = True) -> None:
        for store in self.stores.values():
            store.flush(transitions)


class EngineSet:
    """The engines of several accounts behind the interface the monitor uses of one."""

    def __init__(self, feeds: Sequence[AccountFeed]) -> None:
        self.feeds = list(feeds)
        self._by_name = {feed.name: feed for feed in self.feeds}
        self._selected: str | None = None
        self._visible: frozenset[str] = frozenset()

    def engine_of(self, key: str) -> RefreshEngine | None:
        feed = self._by_name.get(split_key(key)[0])
        return feed.engine if feed is not None else None

    def feed(self, name: str) -> AccountFeed | None:
        return self._by_name.get(name)

    @property
    def loaded(self) -> bool:
        """True once every account's first full listing is in."""
        return all(feed.engine.loaded for feed in self.feeds)

    @property
    def names(self) -> list[str]:
        return [feed.name for feed in self.feeds]

    # ------------------------------------------------------------------ status

    @property
    def status(self) -> EngineStatus:
        """The worst state of the set (its reason names the account), paused if all are."""
        statuses = [(feed.name, feed.engine.status) for feed in self.feeds]
        worst_name, worst = min(
            statuses,
            key=lambda s: STATE_RANK.index(s[1].state) if s[1].state in STATE_RANK else 0,
        )
        reason = f"{worst_name}: {worst.reason}" if worst.reason else ""
        good = [s.last_good_at for _, s in statuses if s.last_good_at is not None]
        return EngineStatus(
            state=worst.state,
            reason=reason,
            last_good_at=min(good) if len(good) == len(statuses) else None,
            paused=all(s.paused for _, s in statuses),
            cycles=min(s.cycles for _, s in statuses),
        )

    def requests_per_minute(self) -> int:
        return sum(feed.engine.requests_per_minute() for feed in self.feeds)

    def since_last_good(self) -> float | None:
        ages = [feed.engine.since_last_good() for feed in self.feeds]
        known = [age for age in ages if age is not None]
        return max(known) if known else None

    # ------------------------------------------------------------------ routing

    @property
    def selected(self) -> str | None:
        return self._selected

    @selected.setter
    def selected(self, key: str | None) -> None:
        self._selected = key
        account, job_id = split_key(key) if key else ("", "")
        for feed in self.feeds:
            feed.engine.selected = job_id if feed.name == account else None

    @property
    def visible(self) -> frozenset[str]:
        return self._visible

    @visible.setter
    def visible(self, keys: Iterable[str]) -> None:
        self._visible = frozenset(keys)
        per: dict[str, set[str]] = {feed.name: set() for feed in self.feeds}
        for key in self._visible:
            account, job_id = split_key(key)
            if account in per:
                per[account].add(job_id)
        for feed in self.feeds:
            feed.engine.visible = frozenset(per[feed.name])

    async def refresh_job(self, key: str, *, with_tasks: bool = True) -> None:
        engine = self.engine_of(key)
        if engine is not None:
            await engine.refresh_job(split_key(key)[1], with_tasks=with_tasks)

    async def cancel(self, key: str) -> None:
        """Cancel on the row's own account (raises its backend's errors)."""
        engine = self.engine_of(key)
        if engine is None:
            raise KeyError(f"no account for {display_key(key)!r}")
        await engine.cancel(split_key(key)[1])

    # ------------------------------------------------------------------ running

    def refresh_now(self) -> None:
        for feed in self.feeds:
            feed.engine.refresh_now()

    def set_paused(self, paused: bool) -> None:
        for feed in self.feeds:
            feed.engine.set_paused(paused)

    async def cycle(self) -> CycleReport:
        """One cycle of every account, side by side (one's failure is its own)."""
        reports = await asyncio.gather(
            *(feed.engine.cycle() for feed in self.feeds), return_exceptions=True
        )
        total = CycleReport()
        for report in reports:
            if isinstance(report, CycleReport):
                total.requests += report.requests
                total.listed += report.listed
                total.errors.extend(report.errors)
        return total

    async def run(self, wake: asyncio.Event) -> None:
        """Every account's loop at its own interval; `wake` wakes them all."""
        wakes = [asyncio.Event() for _ in self.feeds]

        async def relay() -> None:
            while True:
                await wake.wait()
                wake.clear()
                for event in wakes:
                    event.set()

        await asyncio.gather(
            relay(), *(feed.engine.run(w) for feed, w in zip(self.feeds, wakes, strict=True))
        )


Runner = Callable[[str, Callable[[], Coroutine[Any, Any, None]]], Coroutine[Any, Any, None]]


def keyed_runner(account: str, runner: Runner) -> Runner:
    """A host's per-job runner for one account's engine: the host sees row keys, so equal
    ids in two accounts never share a worker group."""

    async def run(job_id: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await runner(row_key(account, job_id), work)

    return run
