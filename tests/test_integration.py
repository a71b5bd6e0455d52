"""AmsV2Client against the emulator served on a real loopback socket (uvicorn in a thread)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from amstui.ams.auth import BearerTokenAuth
from amstui.ams.backend import JobQuery
from amstui.ams.client import AmsV2Client
from amstui.ams.errors import JobAlreadyFinishedError
from amstui.ams.model import JobState
from amstui.emulator.app import Emulator
from amstui.emulator.server import RunningServer, serve_in_thread
from tests.conftest import FakeCredential, make_emulator


def client_at(url: str, cred: FakeCredential | None = None) -> AmsV2Client:
    return AmsV2Client(url, auth=BearerTokenAuth(cred or FakeCredential("socket-token"), "s"))


@pytest.fixture
def big_server() -> Iterator[RunningServer]:
    server = serve_in_thread(make_emulator(jobs=2500, active=50))
    yield server
    server.stop()


@pytest.fixture
def legacy_server() -> Iterator[RunningServer]:
    base = make_emulator()
    server = serve_in_thread(Emulator(replace(base.config, legacy_redirect=True)))
    yield server
    server.stop()


async def test_operations_over_a_socket(served: RunningServer) -> None:
    emulator = served.emulator
    async with client_at(served.url) as client:
        listed = await client.list_jobs(JobQuery())
        assert len(listed.value) == len(emulator.sim.jobs)
        assert listed.value[0].created >= listed.value[-1].created  # newest first
        processing = next(j for j in listed.value if j.state == JobState.PROCESSING)
        full = await client.get_job_with_tasks(processing.id)
        assert full.value.tasks and full.value.progress is not None
        assert 0 < full.value.progress < 100
        assert {e.request_id for e in full.exchanges} and all(
            e.latency_s > 0 for e in full.exchanges
        )
        await client.cancel_job(processing.id)
        emulator.advance(5)
        assert (await client.get_job(processing.id, via="filter")).value.state == JobState.CANCELED
        with pytest.raises(JobAlreadyFinishedError):
            await client.cancel_job(processing.id)


async def test_paging_past_1000_over_a_socket(big_server: RunningServer) -> None:
    big_server.emulator.stats.reset()
    async with client_at(big_server.url) as client:
        listed = await client.list_jobs(JobQuery())
    assert len(listed.value) == 2500 and len({j.id for j in listed.value}) == 2500
    assert big_server.emulator.stats.by_route["Jobs"] == 3


async def test_301_across_two_origins(legacy_server: RunningServer) -> None:
    port = legacy_server.port
    global_root = f"http://localhost:{port}/api/"
    # A client that lets httpx follow the redirect loses its token on the new origin: 401.
    async with httpx.AsyncClient(follow_redirects=True) as naive:
        r = await naive.get(
            global_root + "Jobs()?$top=1",
            headers={"Authorization": "Bearer t", "x-ms-version": "2.19"},
        )
    assert r.status_code == 401 and r.url.host == "127.0.0.1"
    assert [h.status_code for h in r.history] == [301]
    # amstui re-bases, re-sends with the token, and keeps the new root.
    cred = FakeCredential("legacy-token")
    async with client_at(global_root, cred) as client:
        listed = await client.list_jobs_raw(top=3)
        assert [e.status for e in listed.exchanges] == [301, 200]
        assert client.endpoint == f"http://127.0.0.1:{port}/api/"
        again = await client.list_jobs_raw(top=3)
        assert [e.status for e in again.exchanges] == [200]
    assert "legacy-token" in legacy_server.emulator.seen_tokens


async def test_reset_over_a_socket_is_retried(served: RunningServer) -> None:
    served.emulator.faults.add("reset", 1)
    async with client_at(served.url) as client:
        result = await client.list_jobs_raw(top=2)
    assert [e.status for e in result.exchanges] == [None, 200]


async def test_the_rest_samples_request_over_a_socket(served: RunningServer) -> None:
    job_id = next(v.id for v in served.emulator.sim.views(served.emulator.now()) if v.state == 2)
    url = f"{served.url}Jobs()?$filter=Id%20eq%20'{job_id.replace(':', '%3A')}'&$top=1"
    headers = {
        "DataServiceVersion": "1.0;NetFx",
        "MaxDataServiceVersion": "3.0;NetFx",
        "Accept": "application/json",
        "Accept-Charset": "UTF-8",
        "Authorization": "Bearer sample",
        "x-ms-version": "2.11",
    }
    async with httpx.AsyncClient() as c:
        r = await c.get(url, headers=headers)
    assert r.status_code == 200
    assert (
        r.headers["content-type"]
        == "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"
    )
    assert r.json()["value"][0]["Id"] == job_id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_emulator_command_serves_and_prints_a_ready_line() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "amstui",
            "emulator",
            "--port",
            str(port),
            "--jobs",
            "50",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("try:"):
                break
        text = "".join(lines)
        assert f"account root:    http://127.0.0.1:{port}/api/" in text
        assert re.search(rf"amstui --endpoint http://127.0.0.1:{port}/api/ --credential none", text)
        for _ in range(100):
            try:
                r = httpx.get(
                    f"http://127.0.0.1:{port}/api/Jobs()?$top=2",
                    headers={"Authorization": "Bearer x", "x-ms-version": "2.19"},
                )
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert r.status_code == 200 and len(r.json()["value"]) == 2
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "-5"], "--jobs"),
        (["--faults", "explode=1"], "unknown fault"),
        (["--speed", "-1"], "--speed"),
    ],
)
def test_emulator_command_bad_arguments(args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "amstui", "emulator", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


async def test_a_connection_reads_the_service_clock_from_its_responses() -> None:
    """The clock the monitor and the headless commands share (`Connection.now`) follows the
    service's `Date` header and its rate, over a real socket: an emulator months away from the
    local clock and running 20 times faster."""
    from datetime import UTC, datetime, timedelta

    from amstui.bootstrap.connect import connect_account
    from amstui.config import Account
    from amstui.emulator.app import EmulatorConfig
    from amstui.emulator.simulation import SimConfig

    emu = Emulator(
        EmulatorConfig(
            sim=SimConfig(seed=3, jobs=20, active=5, concurrency=5),
            start=datetime(2025, 1, 6, 9, 0, tzinfo=UTC),
            speed=20.0,
        )
    )
    server = serve_in_thread(emu)
    try:
        connection = connect_account(Account("t", server.url, credential="none"))
        async with connection.client:
            local = connection.now()
            assert abs((local - datetime.now(UTC)).total_seconds()) < 5  # nothing heard yet
            await connection.client.list_jobs_raw(top=1)
            first = connection.now()
            assert abs((first - emu.now()).total_seconds()) < 3
            for _ in range(6):  # 3 s of real time: 60 s of service time
                time.sleep(0.5)
                await connection.client.list_jobs_raw(top=1)
            assert connection.clock is not None and 15 < connection.clock.rate < 25
            time.sleep(0.5)  # no request: the estimate runs at the measured rate
            assert abs((connection.now() - emu.now()).total_seconds()) < 3
            assert connection.now() - first > timedelta(seconds=50)
    finally:
        server.stop()


def test_the_monitor_store_feeds_the_service_clock() -> None:
    """The monitor's rows bound the service clock from below: a job the service wrote at a
    later time than the estimate moves `now` (what the table's durations use) up to it."""
    from datetime import UTC, datetime

    from amstui.ams.model import Job
    from amstui.bootstrap.connect import connect_account
    from amstui.bootstrap.launch import follow_service_clock
    from amstui.config import Account
    from amstui.monitor.store import JobStore

    connection = connect_account(Account("t", "http://127.0.0.1:19010/api/", credential="none"))
    store = JobStore(connection.now)
    follow_service_clock(store, connection)
    later = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
    store.upsert(Job(id="nb:jid:UUID:1", name="n", state=JobState.PROCESSING, created=later))
    store.flush()
    assert connection.now() >= later
