"""The MK.IO shape (`--api mkio`), spoken to with plain httpx over a real socket: the
account-wide job list with `$top` and relative nextLinks, the JWT and legacy header rules,
the `supplemental` block and MK.IO's payload differences."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig
from tests.conftest import START

PROJECT = "contoso-media"


def jwt(claims: dict[str, Any] | None = None) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims or {'sub': 'me'})}.c2lnbmF0dXJl"


JWT = jwt()
BEARER = {"Authorization": f"Bearer {JWT}"}


def make(**config: Any) -> Emulator:
    sim = SimConfig(seed=6, jobs=250, active=30, concurrency=5, error_rate=0.2)
    return Emulator(
        EmulatorConfig(sim=sim, start=START, speed=0.0, api="mkio", account=PROJECT, **config)
    )


@pytest.fixture
def mkio() -> Iterator[RunningServer]:
    server = serve_in_thread(make())
    try:
        yield server
    finally:
        server.stop()


def test_account_wide_listing_with_top_and_relative_next_links(mkio: RunningServer) -> None:
    root = f"/api/ams/{PROJECT}/"
    with httpx.Client(base_url=mkio.origin, headers=BEARER) as c:
        r = c.get(root + "jobs", params={"$top": "40", "$orderby": "properties/created desc"})
        assert r.status_code == 200
        body = r.json()
        names, pages = [j["name"] for j in body["value"]], 1
        assert len(body["value"]) == 40
        while "@odata.nextLink" in body:
            link = body["@odata.nextLink"]
            assert link.startswith(f"/api/ams/{PROJECT}/jobs?")  # server-relative, as MK.IO
            assert "api-version" not in link and "%24top=40" in link
            body = c.get(link).json()
            assert len(body["value"]) <= 40
            names += [j["name"] for j in body["value"]]
            pages += 1
    emu = mkio.emulator
    expected = sorted(emu.sim.job_list(), key=lambda j: (-j.created.timestamp(), j.arm_name))
    assert names == [j.arm_name for j in expected]  # every transform's jobs, nothing twice
    assert pages == -(-len(expected) // 40)
    assert len({j.transform for j in expected}) >= 4


def test_per_transform_routes_and_payload_differences(mkio: RunningServer) -> None:
    root = f"/api/ams/{PROJECT}/"
    with httpx.Client(base_url=mkio.origin, headers=BEARER) as c:
        transforms = c.get(root + "transforms").json()
        jobs = c.get(root + "transforms/AdaptiveStreaming/jobs", params={"$top": "1000"}).json()
        one = c.get(root + f"transforms/AdaptiveStreaming/jobs/{jobs['value'][0]['name']}").json()
        missing = c.get(root + "transforms/AdaptiveStreaming/jobs/nope")
    for body in (transforms, jobs, one):
        assert body["supplemental"]["subscription"] == {
            "id": "00000000-0000-0000-0000-000000000000",
            "name": PROJECT,
        }
        assert body["supplemental"]["operation"]
    assert one["id"].startswith(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/default/"
        f"providers/Microsoft.Media/mediaservices/{PROJECT}/transforms/AdaptiveStreaming/jobs/"
    )
    six = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
    for job in jobs["value"]:
        props = job["properties"]
        assert six.match(props["created"]) and six.match(props["lastModified"])
        assert "correlationData" not in props  # omitted when empty
        for out in props["outputs"]:
            assert "startTime" not in out
            if "error" in out:
                assert set(out["error"]) == {"code", "message", "category", "retry"}
    assert "@odata.nextLink" not in jobs
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == "NotFound" and error["detail"] == error["message"]


def test_cancel_on_mkio(mkio: RunningServer) -> None:
    emu = mkio.emulator
    root = f"/api/ams/{PROJECT}/"
    with httpx.Client(base_url=mkio.origin, headers=BEARER) as c:
        active = c.get(
            root + "jobs",
            params={"$filter": "properties/state eq Microsoft.Media.JobState'Processing'"},
        ).json()["value"]
        job = active[0]
        transform = job["id"].split("/transforms/")[1].split("/")[0]
        url = f"{root}transforms/{transform}/jobs/{job['name']}"
        r = c.post(url + "/cancelJob")
        assert r.status_code == 200 and r.content == b""
        assert c.get(url).json()["properties"]["state"] == "Canceling"
    assert emu.stats.by_route["POST cancelJob"] == 1


def test_auth_rules() -> None:
    server = serve_in_thread(make())
    pinned = serve_in_thread(make(token=JWT))
    try:
        url = f"{server.origin}/api/ams/{PROJECT}/transforms"
        assert httpx.get(url).status_code == 401
        not_jwt = httpx.get(url, headers={"Authorization": "Bearer plain-opaque-token"})
        assert not_jwt.status_code == 401
        assert not_jwt.json()["error"]["detail"]
        assert httpx.get(url, headers={"Authorization": "Bearer a.b.c"}).status_code == 401
        assert httpx.get(url, headers=BEARER).status_code == 200
        assert httpx.get(url, headers={"x-mkio-token": "legacy-token"}).status_code == 200
        pinned_url = f"{pinned.origin}/api/ams/{PROJECT}/transforms"
        assert httpx.get(pinned_url, headers=BEARER).status_code == 200
        other = jwt({"sub": "someone-else"})
        assert (
            httpx.get(pinned_url, headers={"Authorization": f"Bearer {other}"}).status_code == 401
        )
        assert httpx.get(pinned_url, headers={"x-mkio-token": "legacy-token"}).status_code == 401
        assert httpx.get(pinned_url, headers={"x-mkio-token": JWT}).status_code == 200
        # No api-version on MK.IO, and ARM paths do not exist there.
        arm = httpx.get(
            f"{server.origin}/subscriptions/x/resourceGroups/y/providers/Microsoft.Media/"
            f"mediaServices/{PROJECT}/transforms",
            headers=BEARER,
        )
        assert arm.status_code == 404
        other_project = httpx.get(f"{server.origin}/api/ams/other/transforms", headers=BEARER)
        assert other_project.status_code == 404
    finally:
        server.stop()
        pinned.stop()
