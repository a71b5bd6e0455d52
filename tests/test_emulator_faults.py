"""Each injected fault, as a raw HTTP client sees it and as AmsV2Client rides it out or reports it;
plus the admin path and its counters."""

from __future__ import annotations

import time

import httpx
import pytest

from amstui.ams.auth import BearerTokenAuth, NoCredential
from amstui.ams.client import AmsV2Client, RetryPolicy
from amstui.ams.errors import (
    AuthenticationError,
    NotFoundError,
    ProtocolError,
    ThrottledError,
    TransportError,
)
from amstui.ams.model import JobState
from amstui.emulator.app import Emulator
from tests.conftest import FakeCredential

HEADERS = {"Authorization": "Bearer t", "x-ms-version": "2.19", "Accept": "application/json"}


def raw(emulator: Emulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=emulator.transport(), base_url="http://127.0.0.1/")


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(
    emulator: Emulator, credential: object = None, sleeps: Sleeps | None = None
) -> AmsV2Client:
    return AmsV2Client(
        "http://127.0.0.1/api/",
        auth=BearerTokenAuth(credential or NoCredential(), "s"),  # type: ignore[arg-type]
        transport=emulator.transport(),
        sleep=sleeps or Sleeps(),
        jitter=lambda: 1.0,
    )


async def admin(emulator: Emulator, method: str, path: str, json: object = None) -> httpx.Response:
    async with raw(emulator) as c:
        return await c.request(method, f"_emulator/{path}", json=json)


class TestThrottling:
    async def test_503_burst_without_retry_after(self, emulator: Emulator) -> None:
        assert (await admin(emulator, "POST", "faults", {"spec": "503=2"})).status_code == 200
        async with raw(emulator) as c:
            first = await c.get("api/Jobs", headers=HEADERS)
            second = await c.get("api/Jobs", headers=HEADERS)
            third = await c.get("api/Jobs", headers=HEADERS)
        assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
        assert "Server is busy" in first.json()["odata.error"]["message"]["value"]
        assert "retry-after" not in first.headers

    async def test_client_rides_out_503_with_retry_after(self, emulator: Emulator) -> None:
        emulator.faults.apply_spec("503=2,503-retry-after=3")
        sleeps = Sleeps()
        result = await client(emulator, sleeps=sleeps).list_jobs_raw(top=5)
        assert len(result.value) == 5 and sleeps.calls == [3.0, 3.0]
        assert [e.status for e in result.exchanges] == [503, 503, 200]

    async def test_429_has_retry_after(self, emulator: Emulator) -> None:
        emulator.faults.add("429", 1)
        async with raw(emulator) as c:
            r = await c.get("api/Jobs", headers=HEADERS)
        assert r.status_code == 429 and r.headers["retry-after"] == "1"

    async def test_persistent_throttling_is_reported(self, emulator: Emulator) -> None:
        emulator.faults.add("503", 100)
        with pytest.raises(ThrottledError):
            await client(emulator).list_jobs_raw()

    async def test_500_then_success(self, emulator: Emulator) -> None:
        emulator.faults.add("500", 1)
        result = await client(emulator).list_jobs_raw(top=1)
        assert [e.status for e in result.exchanges] == [500, 200]

    async def test_route_scoped_fault(self, emulator: Emulator) -> None:
        emulator.faults.apply_spec("500=1,route=Tasks")
        job_id = next(iter(emulator.sim.jobs))
        c = client(emulator)
        jobs = await c.list_jobs_raw(top=1)
        assert [e.status for e in jobs.exchanges] == [200]
        tasks = await c.get_tasks(job_id)
        assert [e.status for e in tasks.exchanges] == [500, 200]


class TestBrokenResponses:
    async def test_reset_in_process_is_a_read_error(self, emulator: Emulator) -> None:
        emulator.faults.add("reset", 1)
        async with raw(emulator) as c:
            with pytest.raises(httpx.ReadError):
                await c.get("api/Jobs", headers=HEADERS)
            assert (await c.get("api/Jobs", headers=HEADERS)).status_code == 200

    async def test_client_retries_a_reset(self, emulator: Emulator) -> None:
        emulator.faults.add("reset", 2)
        result = await client(emulator).list_jobs_raw(top=2)
        assert len(result.value) == 2 and [e.status for e in result.exchanges] == [None, None, 200]
        assert "reset" in (result.exchanges[0].error or "")

    @pytest.mark.parametrize("kind", ["malformed", "truncated"])
    async def test_bad_json_is_a_protocol_error(self, emulator: Emulator, kind: str) -> None:
        emulator.faults.add(kind, 1)
        async with raw(emulator) as c:
            r = await c.get("api/Jobs", headers=HEADERS)
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()
        emulator.faults.add(kind, 1)
        with pytest.raises(ProtocolError) as info:
            await client(emulator).list_jobs_raw()
        assert info.value.exchange is not None and info.value.exchange.status == 200

    async def test_slow_body_arrives_whole(self, emulator: Emulator) -> None:
        emulator.faults.add("slow", 1)
        started = time.perf_counter()
        result = await client(emulator).list_jobs_raw(top=10)
        assert len(result.value) == 10 and time.perf_counter() - started >= 0.5

    async def test_latency(self, emulator: Emulator) -> None:
        emulator.faults.apply_spec("latency=0.2")
        started = time.perf_counter()
        await client(emulator).list_jobs_raw(top=1)
        assert time.perf_counter() - started >= 0.2


class TestTokensRelocationPurge:
    async def test_token_expiry_until_a_new_token(self, emulator: Emulator) -> None:
        cred = FakeCredential("old", "new")
        c = client(emulator, cred)
        await c.list_jobs_raw(top=1)
        assert (await admin(emulator, "POST", "expire-tokens")).json()["expired"] == 1
        result = await c.list_jobs_raw(top=1)
        assert [e.status for e in result.exchanges] == [200] and cred.calls == 2
        # A client stuck with the old token keeps getting 401.
        stuck = client(emulator, FakeCredential("old"))
        with pytest.raises(AuthenticationError):
            await stuck.list_jobs_raw(top=1)

    async def test_relocation_mid_session(self, emulator: Emulator) -> None:
        c = client(emulator)
        await c.list_jobs_raw(top=1)
        assert (await admin(emulator, "POST", "relocate")).json()["prefix"] == "/relocated-1"
        result = await c.list_jobs_raw(top=1)
        assert [e.status for e in result.exchanges] == [301, 200]
        assert c.endpoint == "http://127.0.0.1/relocated-1/api/"
        again = await c.list_jobs_raw(top=1)
        assert [e.status for e in again.exchanges] == [200]

    async def test_purge_makes_jobs_vanish(self, emulator: Emulator) -> None:
        victim = next(iter(emulator.sim.jobs))
        r = await admin(emulator, "POST", "purge", {"ids": [victim]})
        assert r.json()["purged"] == [victim]
        c = client(emulator)
        with pytest.raises(NotFoundError):
            await c.get_job(victim)
        listed = await c.list_jobs_raw()
        assert victim not in {j.id for j in listed.value}
        oldest = await admin(emulator, "POST", "purge", {"oldest": 3})
        assert len(oldest.json()["purged"]) == 3


class TestAdmin:
    async def test_stats_and_log(self, emulator: Emulator) -> None:
        c = client(emulator)
        job_id = next(iter(emulator.sim.jobs))
        await c.list_jobs_raw(top=1)
        await c.get_tasks(job_id)
        emulator.faults.add("503", 1)
        await c.get_job(job_id)
        stats = (await admin(emulator, "GET", "stats")).json()
        assert stats["total"] == 4
        assert stats["by_route"] == {"Jobs": 1, "Jobs(id)/Tasks": 1, "Jobs(id)": 2}
        assert stats["by_route_status"]["Jobs(id) 503"] == 1
        log = (await admin(emulator, "GET", "log?limit=2")).json()["requests"]
        assert [e["status"] for e in log] == [503, 200]
        await admin(emulator, "POST", "stats/reset")
        assert (await admin(emulator, "GET", "stats")).json()["total"] == 0

    async def test_clock_jobs_and_status(self, emulator: Emulator) -> None:
        before = emulator.now()
        r = await admin(emulator, "POST", "clock", {"advance": 60})
        assert r.status_code == 200 and (emulator.now() - before).total_seconds() == 60
        made = await admin(emulator, "POST", "jobs", {"count": 2, "name": "Admin job"})
        assert made.status_code == 201 and len(made.json()["ids"]) == 2
        listing = (await admin(emulator, "GET", "jobs?state=0")).json()["jobs"]
        assert {j["id"] for j in listing} >= set(made.json()["ids"])
        status = (await admin(emulator, "GET", "")).json()
        assert status["jobs"] == len(emulator.sim.jobs)

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "faults", {"spec": "explode=1"}),
            ("POST", "faults", {"spec": "503"}),
            ("POST", "faults", {"kind": "503", "count": 0}),
            ("POST", "clock", {"advance": -5}),
            ("POST", "purge", {}),
            ("POST", "jobs", {"count": 0}),
            ("GET", "nothing-here", None),
        ],
    )
    async def test_bad_admin_requests(
        self, emulator: Emulator, method: str, path: str, body: object
    ) -> None:
        r = await admin(emulator, method, path, body)
        assert r.status_code in (400, 404) and "error" in r.json()

    async def test_admin_is_not_the_api(self, emulator: Emulator) -> None:
        async with raw(emulator) as c:
            r = await c.get("api/_emulator/stats", headers=HEADERS)
        assert r.status_code == 404


async def test_job_state_seen_through_the_client_after_cancel(emulator: Emulator) -> None:
    c = client(emulator)
    job = next(v for v in emulator.sim.views(emulator.now()) if v.state == JobState.PROCESSING)
    await c.cancel_job(job.id)
    assert (await c.get_job(job.id)).value.state == JobState.CANCELING
    emulator.advance(10)
    final = await c.get_job_with_tasks(job.id)
    assert final.value.state == JobState.CANCELED and final.value.tasks
    assert RetryPolicy().max_attempts >= 2
    with pytest.raises(Exception, match="already finished"):
        await c.cancel_job(job.id)


async def test_transport_error_when_nothing_listens() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    c = AmsV2Client(
        f"http://127.0.0.1:{port}/api/",
        auth=BearerTokenAuth(NoCredential(), "s"),
        sleep=Sleeps(),
        retry=RetryPolicy(max_attempts=2),
    )
    with pytest.raises(TransportError, match="could not connect"):
        await c.list_jobs_raw()
    await c.aclose()
