"""The emulator as a service others depend on (issue 9, items 18-21): hostile query options,
hostile paths after a relocation, hostile admin values and one expensive filter must never
make it answer 500, stop answering, or make other clients wait."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from amstui.emulator.app import Emulator
from amstui.emulator.server import serve_in_thread
from tests.conftest import make_emulator

HEADERS = {"Authorization": "Bearer t", "x-ms-version": "2.19", "Accept": "application/json"}


def http(emulator: Emulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=emulator.transport(), base_url="http://127.0.0.1/api/")


@pytest.mark.parametrize("option", ["$skip", "$top"])
@pytest.mark.parametrize("value", ["9" * 5000, "²", "١٢", "1_0", "+1", "-1", "0x10", " "])
async def test_skip_and_top_take_bounded_ascii_digits(
    emulator: Emulator, option: str, value: str
) -> None:
    async with http(emulator) as c:
        r = await c.get("Jobs", params={option: value}, headers=HEADERS)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    message = r.json()["odata.error"]["message"]["value"]
    assert option in message and len(message) < 300


async def test_skip_and_top_still_work(emulator: Emulator) -> None:
    async with http(emulator) as c:
        r = await c.get("Jobs", params={"$skip": "3", "$top": "007"}, headers=HEADERS)
    assert r.status_code == 200 and len(r.json()["value"]) == 7


def test_location_after_relocate_is_percent_encoded() -> None:
    server = serve_in_thread(make_emulator())
    try:
        httpx.post(f"{server.origin}/_emulator/relocate").raise_for_status()
        r = httpx.get(
            f"{server.origin}/api/Jobs('ジョブ\u202e')/Tasks",
            params={"$filter": "Name eq 'é'"},
            headers=HEADERS,
        )
        assert r.status_code == 301
        location = r.headers["location"]
        assert location.isascii()
        assert location.startswith(f"{server.origin}/relocated-1/api/Jobs(")
        assert "%E3%82%B8" in location and "%E2%80%AE" in location
        followed = httpx.get(location, headers=HEADERS)
        assert followed.status_code == 404  # the same (missing) job, at the new root
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("jobs", {"count": 1e400}),
        ("jobs", {"count": float("nan")}),
        ("jobs", {"count": True}),
        ("jobs", {"count": "3"}),
        ("jobs", {"count": 2.5}),
        ("jobs", {"name": ["x"]}),
        ("purge", {"oldest": 1e400}),
        ("purge", {"oldest": -1}),
        ("purge", {"older_than_days": float("inf")}),
        ("purge", {"oldest": None}),
        ("faults", {"kind": "429", "retry_after": float("nan")}),
        ("faults", {"kind": "429", "retry_after": 1e300}),
        ("faults", {"kind": "503", "count": 1e400}),
        ("faults", {"kind": "503", "route": {"a": 1}}),
        ("faults", {"spec": "latency=nan"}),
        ("clock", {"speed": 1e300}),
        ("clock", {"speed": float("inf")}),
        ("clock", {"speed": -1}),
        ("clock", {"advance": 1e300}),
        ("clock", {"advance": float("nan")}),
    ],
)
async def test_admin_refuses_hostile_values_and_keeps_serving(
    emulator: Emulator, path: str, payload: dict[str, object]
) -> None:
    import json

    # json.dumps writes NaN/Infinity/1e+400 as a hostile client would send them.
    body = json.dumps(payload).replace("Infinity", "1e400")
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://127.0.0.1") as c:
        r = await c.post(f"/_emulator/{path}", content=body)
        assert r.status_code == 400, r.text
        assert "error" in r.json()
        assert (await c.get("/api/Jobs", params={"$top": "1"}, headers=HEADERS)).status_code == 200
        assert (await c.get("/_emulator")).status_code == 200
        assert (await c.get("/_emulator/faults")).json()["bursts"] == []


async def test_the_clock_cannot_be_pushed_past_what_dates_can_hold(emulator: Emulator) -> None:
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://127.0.0.1") as c:
        ten_years = 10 * 365 * 86400
        statuses = [
            (await c.post("/_emulator/clock", json={"advance": ten_years})).status_code
            for _ in range(900)
        ]
        assert 400 in statuses
        assert (await c.post("/_emulator/clock", json={"speed": 10000})).status_code == 200
        assert (await c.get("/api/Jobs", params={"$top": "1"}, headers=HEADERS)).status_code == 200


async def test_a_filter_with_too_many_terms_is_refused_quickly() -> None:
    emulator = make_emulator(jobs=2000, active=20)
    many = " or ".join(f"Name eq 'job {i}'" for i in range(200))
    async with http(emulator) as c:
        started = time.monotonic()
        r = await c.get("Jobs", params={"$filter": many}, headers=HEADERS)
        elapsed = time.monotonic() - started
    assert r.status_code == 400 and "comparisons" in r.json()["odata.error"]["message"]["value"]
    assert elapsed < 1.0
    allowed = " or ".join(f"Name eq 'job {i}'" for i in range(30))
    async with http(emulator) as c:
        assert (
            await c.get("Jobs", params={"$filter": allowed}, headers=HEADERS)
        ).status_code == 200


def test_an_expensive_filter_does_not_block_other_clients() -> None:
    """While one client filters a big account, another client's small request is answered
    before the filter finishes (the filter runs off the event loop)."""
    server = serve_in_thread(make_emulator(jobs=30000, active=20))
    try:
        heavy = " or ".join(f"substringof('clip {i}', Name)" for i in range(30))
        done: dict[str, float] = {}

        def run_heavy() -> None:
            r = httpx.get(
                f"{server.url}Jobs", params={"$filter": heavy}, headers=HEADERS, timeout=120
            )
            assert r.status_code == 200
            done["heavy"] = time.monotonic()

        thread = threading.Thread(target=run_heavy)
        thread.start()
        time.sleep(0.3)  # the heavy request is being worked on
        small = httpx.get(f"{server.url}Jobs", params={"$top": "1"}, headers=HEADERS, timeout=120)
        done["small"] = time.monotonic()
        thread.join()
        assert small.status_code == 200
        assert done["small"] < done["heavy"], "the small request waited for the heavy filter"
    finally:
        server.stop()


async def test_demo_task_names_match_their_job() -> None:
    """Issue 10: an Indexing job runs the indexer, a Thumbnails job the thumbnailer; no job
    has tasks of another kind."""
    emulator = make_emulator(jobs=300, active=20)
    kinds = {
        "Indexing ": ("Azure Media Indexer",),
        "Thumbnails for ": ("Azure Media Video Thumbnails",),
        "Encoding ": ("Media Encoder", "Azure Media Video Thumbnails"),
    }
    seen = set()
    for view in emulator.sim.views(emulator.now()):
        for prefix, processors in kinds.items():
            if view.name.startswith(prefix):
                seen.add(prefix)
                for task in view.tasks:
                    assert task.name.startswith(processors), (view.name, task.name)
    assert seen == set(kinds)
    await asyncio.sleep(0)


def test_requests_on_one_connection_do_not_wait_for_delayed_acks() -> None:
    """The served emulator answers keep-alive requests back to back. Its sockets once left
    Nagle's algorithm on (asyncio turns it off only on sockets made with IPPROTO_TCP), so a
    response sent in two writes waited for the client's delayed ACK: at least 40 ms a request
    on Linux, 0.8 s for these 20. The bound leaves a loaded machine ten times the room it
    needs (~1 ms a request)."""
    server = serve_in_thread(make_emulator())
    try:
        with httpx.Client(base_url=server.url) as client:
            client.get("Jobs()?$top=1")  # the connection is open: only its reuse is timed
            started = time.perf_counter()
            for _ in range(20):
                assert client.get("Jobs()?$top=1").status_code == 401  # no token: a short answer
            took = time.perf_counter() - started
    finally:
        server.stop()
    assert took < 0.4, f"20 requests took {took:.2f} s"
