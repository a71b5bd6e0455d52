"""The refresh engine on AMS v3 (issue 13 item 5), against the v3 emulator over loopback.

Over 10 cycles the requests the emulator counts (`/_emulator/stats`) stay within the v3
minimum + 1 (the selected job): ARM lists each transform that has an active job every cycle,
an idle one every third cycle, the transform list every 10 cycles, and GETs a job that left
the active set only when its listing did not carry the final record; MK.IO lists the account
once a cycle. No per-job progress request is made (outputs carry progress). When the service
reports fewer than 10% of its reads left, the interval stretches and the status says so.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from amstui.ams.auth import BearerTokenAuth, NoCredential
from amstui.ams.client import RetryPolicy
from amstui.ams.v3_client import AmsV3Client
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig
from amstui.emulator.throttle import ArmLimits
from amstui.monitor.engine import DISCOVERY_OVERLAP, RefreshEngine
from amstui.monitor.plan import IDLE_EVERY, STRETCH
from amstui.monitor.store import JobStore
from tests.conftest import START
from tests.test_v3_e2e import jwt

PAGE = 6
INTERVAL = 5.0


def served(api: str, arrival_rate: float = 2.0) -> Iterator[RunningServer]:
    emulator = Emulator(
        EmulatorConfig(
            sim=SimConfig(
                seed=31,
                jobs=150,
                active=7,
                concurrency=3,
                error_rate=0.2,
                arrival_rate=arrival_rate,
                task_seconds=40.0,
                cancel_seconds=10.0,
            ),
            start=START,
            speed=0.0,
            api=api,
            page_size=PAGE,
        )
    )
    server = serve_in_thread(emulator)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def arm_server() -> Iterator[RunningServer]:
    yield from served("v3")


@pytest.fixture
def mkio_server() -> Iterator[RunningServer]:
    yield from served("mkio")


def engine_for(server: RunningServer) -> tuple[RefreshEngine, JobStore]:
    mkio = server.emulator.config.api == "mkio"
    source: Any = NoCredential()
    if mkio:
        from amstui.ams.service_credentials import StaticToken

        source = StaticToken(env={"AMSTUI_TOKEN": jwt()})
    client = AmsV3Client(
        server.url,
        flavour="mkio" if mkio else "arm",
        auth=BearerTokenAuth(source, "https://management.azure.com/.default"),
        retry=RetryPolicy(max_attempts=2, max_retry_after=0.5),
    )
    emulator = server.emulator
    store = JobStore(now=emulator.now)
    return RefreshEngine(client, store, now=emulator.now, interval=INTERVAL), store


def stats(server: RunningServer) -> tuple[int, list[dict[str, Any]]]:
    """The request count since the last reset and the log of those requests (admin calls
    are not counted)."""
    total = httpx.get(f"{server.origin}/_emulator/stats").json()["total"]
    log = httpx.get(f"{server.origin}/_emulator/log?limit=1000").json()["requests"]
    return int(total), list(log)


def reset(server: RunningServer) -> None:
    httpx.post(f"{server.origin}/_emulator/stats/reset").raise_for_status()


def truth(emulator: Emulator) -> dict[str, tuple[str, bool, datetime]]:
    """job id -> (transform, active, created) as the service would answer now."""
    now = emulator.now()
    return {
        f"{job.transform}/{job.arm_name}": (
            job.transform,
            not (view := emulator.sim.view(job, now)).state.is_final,
            view.created,
        )
        for job in emulator.sim.job_list()
    }


def listed_transforms(log: list[dict[str, Any]]) -> list[str]:
    """The transform of each job-listing request in the emulator's log (paths, not pages)."""
    out = []
    for entry in log:
        path = entry["path"].split("?")[0]
        parts = path.rstrip("/").split("/")
        if len(parts) >= 3 and parts[-1] == "jobs" and parts[-3] == "transforms":
            out.append(parts[-2])
    return out


async def test_arm_cost_over_10_cycles_is_the_minimum_plus_the_selected_job(
    arm_server: RunningServer,
) -> None:
    emulator = arm_server.emulator
    engine, store = engine_for(arm_server)
    await engine.cycle()  # the first load: the transform list and every transform in full
    transforms = engine.schedule.transforms
    assert len(transforms) == 5 and len(store) == 150
    first = truth(emulator)
    engine.selected = next(i for i, (_, active, _) in first.items() if active)
    last_listed = dict.fromkeys(transforms, emulator.now())
    previous = first
    idle_listings: dict[str, list[int]] = {t: [] for t in transforms}
    totals = []
    for cycle in range(1, 11):
        emulator.advance(INTERVAL)
        busy = {t for t, active, _ in previous.values() if active}
        newest = max(created for _, _, created in previous.values())
        reset(arm_server)
        report = await engine.cycle()
        requests, log = stats(arm_server)
        now = truth(emulator)
        listed = set(listed_transforms(log))
        # Every transform with an active job is listed; the idle ones only on their turn.
        assert busy <= listed, (cycle, busy, listed)
        for t in listed - busy:
            idle_listings[t].append(cycle)
        # The minimum for what was listed: the pages each listing needs, the transform list
        # on every 10th cycle, and a GET for each job that ended out of its listing's sight.
        window = min([newest, *(last_listed[t] for t in listed)]) - DISCOVERY_OVERLAP
        pages = 0
        carried = set()
        for t in listed:
            matched = [
                i
                for i, (tt, active, created) in now.items()
                if tt == t and (active or created > window)
            ]
            carried.update(matched)
            pages += max(1, math.ceil(len(matched) / PAGE))
            last_listed[t] = emulator.now()
        ended = {
            i for i, (_, active, _) in previous.items() if active and i in now and not now[i][1]
        }
        gets = len(ended - carried)
        reread = 1 if cycle % 10 == 0 else 0
        minimum = reread + pages + gets
        assert requests <= minimum + 1, (cycle, requests, minimum, report)
        assert requests == report.requests
        totals.append(requests)
        previous = now
    # Idle transforms were listed, but never two cycles running (every third cycle).
    for t, cycles in idle_listings.items():
        assert all(b - a >= IDLE_EVERY for a, b in itertools.pairwise(cycles)), (
            t,
            cycles,
        )
    assert any(idle_listings.values())
    # The engine never asked for a job's outputs one by one for progress.
    assert report.processing >= 0 and all(
        e.job.tasks is not None for e in store.entries.values() if not e.gone
    )
    # Far below AMS Explorer's one GET per active job every 2.5 s (two per 5 s cycle).
    explorer = sum(2 * sum(1 for _, a, _ in previous.values() if a) for _ in range(10))
    assert sum(totals) < max(explorer, 1) * 2


async def test_mkio_lists_the_account_once_a_cycle(mkio_server: RunningServer) -> None:
    emulator = mkio_server.emulator
    engine, store = engine_for(mkio_server)
    await engine.cycle()
    assert len(store) == 150
    previous = truth(emulator)
    engine.selected = next(i for i, (_, active, _) in previous.items() if active)
    for cycle in range(1, 11):
        emulator.advance(INTERVAL)
        newest = store.newest_created
        assert newest is not None
        reset(mkio_server)
        report = await engine.cycle()
        requests, _ = stats(mkio_server)
        now = truth(emulator)
        matched = {
            i
            for i, (_, active, created) in now.items()
            if active or created > newest - DISCOVERY_OVERLAP
        }
        ended = {
            i for i, (_, active, _) in previous.items() if active and i in now and not now[i][1]
        }
        minimum = max(1, math.ceil(len(matched) / PAGE)) + len(ended - matched)
        assert requests <= minimum + 1, (cycle, requests, minimum, report)
        assert requests == report.requests and report.listed == len(matched)
        previous = now
    assert engine.schedule.listed is None  # MK.IO never lists its transforms to find jobs


async def test_few_reads_left_stretch_the_interval_and_say_so(arm_server: RunningServer) -> None:
    emulator = arm_server.emulator
    engine, _ = engine_for(arm_server)
    await engine.cycle()
    assert engine.current_interval() == INTERVAL and engine.status.state == "live"
    assert engine.reads.most >= 200
    # Another client spends the subscription's reads (a frozen bucket does not refill).
    assert emulator.v3 is not None
    frozen = ArmLimits(False, monotonic=lambda: 0.0)
    for _ in range(235):
        frozen.reads.take()
    emulator.v3.limits = frozen
    emulator.advance(INTERVAL)
    await engine.cycle()
    assert engine.current_interval() == INTERVAL * STRETCH
    assert engine.status.state == "live"
    assert "reads low" in engine.status.reason and f"{INTERVAL * STRETCH:g}s" in (
        engine.status.reason
    )
    # Reads back: the usual pace, and the words go.
    emulator.v3.limits = ArmLimits(False)
    emulator.advance(INTERVAL)
    await engine.cycle()
    assert engine.current_interval() == INTERVAL and engine.status.reason == ""


@pytest.fixture
def quiet_arm_server() -> Iterator[RunningServer]:
    yield from served("v3", arrival_rate=0.0)


async def test_a_new_job_in_an_idle_transform_shows_within_three_cycles(
    quiet_arm_server: RunningServer,
) -> None:
    """Even with a long interval, when busier transforms keep moving the newest job seen past
    the discovery overlap: an idle transform's window reaches back to its last listing."""
    emulator = quiet_arm_server.emulator
    engine, store = engine_for(quiet_arm_server)
    await engine.cycle()
    for _ in range(12):  # let everything settle so that some transforms go idle
        emulator.advance(60)
        await engine.cycle()
    active = {e.job.transform for e in store.entries.values() if not e.job.is_final}
    names = engine.schedule.transforms
    c = engine.schedule.cycle  # the next cycle's number

    def idle_due_in(k: int) -> str:
        return next(
            t for i, t in enumerate(names) if t not in active and (c + k + i) % IDLE_EVERY == 0
        )

    # B is listed on the next cycle, A only on the one after.
    b, a = idle_due_in(0), idle_due_in(1)
    newcomer = emulator.sim.create_job(emulator.now(), transform=a)
    new_id = f"{newcomer.transform}/{newcomer.arm_name}"
    emulator.advance(300)  # the newcomer ends before anyone looks at A
    emulator.sim.create_job(emulator.now(), transform=b)  # B's new job: the newest seen moves on
    await engine.cycle()
    assert new_id not in store.entries and store.newest_created == emulator.now()
    emulator.advance(300)
    await engine.cycle()
    # A's window reaches back to its last listing, not to the newest job seen minus the overlap.
    assert new_id in store.entries, "the idle transform's new job was missed"
    assert store.entries[new_id].job.is_final
