"""The first load of a big account, over a real loopback socket: pages are asked for one
ahead (the next while this one's jobs are read), go into the store as they arrive and are
published at doubling sizes, and the load costs no request more than the minimum."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from amstui.ams import odata
from amstui.ams.auth import BearerTokenAuth, NoCredential
from amstui.ams.backend import JobQuery
from amstui.ams.client import AmsV2Client, RetryPolicy
from amstui.ams.errors import ProtocolError
from amstui.ams.model import Job, JobState
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import serve_in_thread
from amstui.emulator.simulation import SimConfig
from amstui.monitor.engine import FIRST_PAGE, RefreshEngine
from amstui.monitor.store import JobStore
from tests.conftest import START
from tests.hostile_http import HostileServer, Reply, Seen


def served_emulator(jobs: int) -> Emulator:
    sim = SimConfig(seed=5, jobs=jobs, active=30, concurrency=6)
    return Emulator(EmulatorConfig(sim=sim, start=START, speed=0.0))


def client_for(origin: str) -> AmsV2Client:
    return AmsV2Client(
        f"{origin}/api/",
        auth=BearerTokenAuth(NoCredential(), "s"),
        retry=RetryPolicy(max_attempts=1),
    )


@pytest.mark.parametrize("jobs", [5500, 3000])
async def test_pages_arrive_in_order_and_cost_the_minimum(jobs: int) -> None:
    emulator = served_emulator(jobs)
    server = serve_in_thread(emulator)
    pages: list[list[str]] = []
    try:
        client = client_for(server.origin)
        fetched = await client.list_jobs(
            JobQuery(), on_page=lambda page: pages.append([j.id for j in page])
        )
        await client.aclose()
    finally:
        server.stop()  # every request it answered is counted once it has stopped
    # Without pages handed on (the headless commands): one request at a time, the same
    # account served afresh.
    alone_emulator = served_emulator(jobs)
    alone_server = serve_in_thread(alone_emulator)
    try:
        client = client_for(alone_server.origin)
        alone = await client.list_jobs(JobQuery())
        await client.aclose()
    finally:
        alone_server.stop()
    newest_first = sorted(emulator.sim.job_list(), key=lambda j: j.created, reverse=True)
    assert [j.id for j in fetched.value] == [j.id for j in newest_first]
    assert [len(p) for p in pages] == [1000] * (jobs // 1000) + (
        [jobs % 1000] if jobs % 1000 else []
    )
    assert [i for p in pages for i in p] == [j.id for j in fetched.value]
    # Full pages, then the short (or empty) page that proves the end: nothing asked twice.
    # Pages handed on keep two requests in flight: the one past the end is canceled (the
    # server may have answered it already).
    minimum = jobs // 1000 + 1
    assert fetched.requests == minimum <= emulator.stats.total <= minimum + 1
    assert alone.requests == minimum == alone_emulator.stats.total
    assert [j.id for j in alone.value] == [j.id for j in fetched.value]


async def test_a_refused_page_stops_the_listing_and_the_page_asked_ahead() -> None:
    def entity(n: int) -> dict[str, object]:
        return {
            "Id": f"nb:jid:UUID:00000000-0000-4000-8000-{n:012d}",
            "Name": f"job {n}",
            "State": 3,
            "Created": "2026-03-02T09:00:00",
            "Priority": 0,
            "RunningDuration": 1.0,
        }

    def respond(seen: Seen) -> Reply:
        start = int(seen.param("$skip", "0"))
        items: list[dict[str, Any]] = [entity(start + n) for n in range(1000)]
        if start == 1000:
            items[500]["Created"] = "yesterday"  # a date no AMS wrote
        return Reply.json(json.dumps({"value": items}))

    with HostileServer(respond) as hostile:
        client = AmsV2Client(hostile.url, auth=BearerTokenAuth(NoCredential(), "s"))
        with pytest.raises(ProtocolError, match="unrecognised date"):
            await client.list_jobs(JobQuery())
        await client.aclose()
    # The second page was refused while the third was being asked for: no fourth.
    assert 2 <= len(hostile.requests) <= 3


async def test_pages_handed_on_keep_two_requests_in_flight_and_one_otherwise() -> None:
    """A first load (pages handed on) asks for the page after next while a page is read, so
    the server is never idle; without `on_page` one request is in flight at a time."""

    def entity(n: int) -> dict[str, object]:
        return {
            "Id": f"nb:jid:UUID:00000000-0000-4000-8000-{n:012d}",
            "Name": f"job {n}",
            "State": 3,
            "Created": f"2026-03-02T09:{(9999 - n) // 600:02d}:{(9999 - n) // 10 % 60:02d}",
            "Priority": 0,
            "RunningDuration": 1.0,
        }

    def counting(most: list[int]) -> Callable[[Seen], Reply]:
        """A server that notes how many requests it holds as each comes in. Each server has
        its own count: a page asked for ahead by the first load may still be in its handler
        after that server closed, and must not count against the next."""
        lock = threading.Lock()
        in_flight = [0]

        def respond(seen: Seen) -> Reply:
            start = int(seen.param("$skip", "0"))
            with lock:
                in_flight[0] += 1
                most.append(in_flight[0])
            try:
                time.sleep(0.05)  # the server's work on a page
                items = [entity(n) for n in range(start, min(start + 1000, 4500))]
                return Reply.json(json.dumps({"value": items}))
            finally:
                with lock:
                    in_flight[0] -= 1

        return respond

    for handed_on in (True, False):
        most: list[int] = []
        pages: list[int] = []
        with HostileServer(counting(most)) as hostile:
            client = AmsV2Client(hostile.url, auth=BearerTokenAuth(NoCredential(), "s"))
            listener = (lambda page, pages=pages: pages.append(len(page))) if handed_on else None
            fetched = await client.list_jobs(JobQuery(), on_page=listener)
            await client.aclose()
        assert len(fetched.value) == 4500 and fetched.requests == 5
        if handed_on:
            assert pages == [1000, 1000, 1000, 1000, 500]
            assert max(most) == 2 and 5 <= len(hostile.requests) <= 6
        else:
            assert max(most) == 1 and len(hostile.requests) == 5


async def test_a_first_load_is_published_as_it_arrives_at_doubling_sizes() -> None:
    emulator = served_emulator(9500)
    server = serve_in_thread(emulator)
    published: list[int] = []
    try:
        client = client_for(server.origin)
        store = JobStore(now=emulator.now)
        store.subscribe(lambda changed, ended: published.append(len(store)))
        engine = RefreshEngine(client, store, now=emulator.now)
        report = await engine.cycle()
        await client.aclose()
    finally:
        server.stop()
    assert len(store) == 9500
    loads = list(dict.fromkeys(published))  # the sizes the status line showed, in order
    assert loads == [FIRST_PAGE, 2000, 4000, 8000, 9500], loads
    processing = sum(
        1 for v in emulator.sim.views(emulator.now()) if v.state == JobState.PROCESSING
    )
    # The first page, 10 pages of the listing (the last one short), the processing jobs'
    # tasks: publishing as pages arrive asks for nothing more (but the page past the end,
    # asked for while the last one was read, and canceled).
    assert report.requests == 1 + 10 + processing
    assert report.requests <= emulator.stats.total <= report.requests + 1
    assert report.listed == 9500


def test_the_fast_path_reads_a_job_as_the_general_one_does() -> None:
    rng = random.Random(3)
    dates = ["2026-03-02T09:00:00", "2026-03-02T09:00:00.5", "2026-03-02T09:00:00.123", None]
    for n in range(400):
        entity = {
            "Id": f"nb:jid:UUID:{n}",
            "Name": rng.choice(["a", "", "Ünïcode [b]red[/b]"]),
            "State": rng.randrange(0, 7),
            "Created": rng.choice(dates[:3]),
            "LastModified": rng.choice(dates),
            "StartTime": rng.choice(dates),
            "EndTime": rng.choice(dates),
            "Priority": rng.randrange(-3, 10),
            "RunningDuration": rng.choice([0.0, 1234.5, 9e15]),
            "TemplateId": rng.choice([None, "", "nb:jtid:UUID:1"]),
        }
        fast = odata.parse_job(entity)
        # A state sent as text takes the general path (it accepts digits in a string).
        general = odata.parse_job({**entity, "State": str(entity["State"])})
        assert fast == general
        assert fast.created is not None and fast.created.tzinfo is UTC
    for odd in ({"State": 9}, {"Priority": True}, {"RunningDuration": float("inf")}):
        entity = {"Id": "nb:jid:UUID:1", "Name": "n", "State": 3, **odd}
        try:
            job: Job | None = odata.parse_job(entity)
        except ProtocolError:
            job = None
        # Unknown states are kept (pseudo-members); wrong types and infinities refused.
        assert (job is not None) == ("State" in odd and odd["State"] == 9)


def test_an_out_of_range_date_in_the_fast_form_is_refused_as_before() -> None:
    with pytest.raises(ProtocolError, match="invalid or out-of-range date"):
        odata.parse_date("2026-13-02T09:00:00")
    assert odata.parse_date("2026-03-02T09:00:00.1234567") == datetime(
        2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC
    )
