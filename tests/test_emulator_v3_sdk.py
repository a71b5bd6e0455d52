"""Microsoft's own SDK (azure-mgmt-media 10.2.1) drives the emulator's ARM shape over a real
loopback socket, as Ravnur RMS customers do: a static-token credential, `base_url` pointed at
the emulator, and a per-call policy that lets azure-core send a bearer token over http on
loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.media import AzureMediaServices

from amstui.ams.model import JobState
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig
from tests.conftest import START

SUB = "6c3bbd1c-4b0a-4f4e-9d35-0b7f0b5d1a11"
RG = "media-rg"
ACCOUNT = "contosomedia"


class StaticToken:
    """The simplest credential: what RMS's sample does after its /auth/token call."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


class AllowHttpOnLoopback(SansIOHTTPPolicy):  # type: ignore[type-arg]
    def on_request(self, request: Any) -> None:
        request.context["enforce_https"] = False


def make_v3(**config: Any) -> Emulator:
    sim = SimConfig(seed=5, jobs=400, active=40, concurrency=6, error_rate=0.1)
    return Emulator(
        EmulatorConfig(
            sim=sim,
            start=START,
            speed=0.0,
            api="v3",
            subscription=SUB,
            resource_group=RG,
            account=ACCOUNT,
            page_size=7,
            **config,
        )
    )


@pytest.fixture
def v3_served() -> Iterator[RunningServer]:
    server = serve_in_thread(make_v3())
    try:
        yield server
    finally:
        server.stop()


def sdk(server: RunningServer, token: str = "sdk-token", **kwargs: Any) -> AzureMediaServices:
    return AzureMediaServices(
        StaticToken(token),
        SUB,
        base_url=server.origin,
        per_call_policies=[AllowHttpOnLoopback()],
        **kwargs,
    )


def test_list_transforms(v3_served: RunningServer) -> None:
    client = sdk(v3_served)
    transforms = list(client.transforms.list(RG, ACCOUNT))
    names = [t.name for t in transforms]
    assert names == sorted(names, key=str.lower) and "AdaptiveStreaming" in names
    assert len(names) >= 4
    for t in transforms:
        assert 1 <= len(t.outputs) <= 3
        assert t.id.endswith(f"/mediaservices/{ACCOUNT}/transforms/{t.name}")
    abr = next(t for t in transforms if t.name == "AdaptiveStreaming")
    assert {o.on_error for o in abr.outputs} == {"StopProcessingJob", "ContinueJob"}


def test_list_jobs_with_state_filter_and_created_desc_across_pages(
    v3_served: RunningServer,
) -> None:
    emu = v3_served.emulator
    client = sdk(v3_served)
    before = emu.stats.by_route["jobs"]
    jobs = list(
        client.jobs.list(
            RG,
            ACCOUNT,
            "AdaptiveStreaming",
            filter="properties/state eq Microsoft.Media.JobState'Finished'",
            orderby="properties/created desc",
        )
    )
    pages = emu.stats.by_route["jobs"] - before
    assert pages >= 3  # page size 7: the SDK followed at least two nextLinks
    expected = [
        j
        for j in emu.sim.job_list()
        if j.transform == "AdaptiveStreaming"
        and emu.sim.view(j, emu.now()).state == JobState.FINISHED
    ]
    assert len(jobs) == len(expected) and len(jobs) > 14
    assert {j.state for j in jobs} == {"Finished"}
    created = [j.created for j in jobs]
    assert created == sorted(created, reverse=True)
    assert len({j.name for j in jobs}) == len(jobs)  # no job twice, none lost across pages


def test_get_cancel_and_missing_job(v3_served: RunningServer) -> None:
    emu = v3_served.emulator
    client = sdk(v3_served)
    processing = next(
        j for j in emu.sim.job_list() if emu.sim.view(j, emu.now()).state == JobState.PROCESSING
    )
    job = client.jobs.get(RG, ACCOUNT, processing.transform, processing.arm_name)
    assert job.name == processing.arm_name and job.state == "Processing"
    assert job.outputs and 0 <= job.outputs[0].progress <= 100
    assert job.outputs[0].odata_type == "#Microsoft.Media.JobOutputAsset"
    client.jobs.cancel_job(RG, ACCOUNT, processing.transform, processing.arm_name)
    after = client.jobs.get(RG, ACCOUNT, processing.transform, processing.arm_name)
    assert after.state in ("Canceling", "Canceled")
    emu.advance(3600)
    assert client.jobs.get(RG, ACCOUNT, processing.transform, processing.arm_name).state == (
        "Canceled"
    )
    with pytest.raises(ResourceNotFoundError):
        client.jobs.get(RG, ACCOUNT, processing.transform, "no-such-job")


def test_create_update_delete_round_trip(v3_served: RunningServer) -> None:
    from azure.mgmt.media.models import Job, JobInputAsset, JobOutputAsset

    client = sdk(v3_served)
    created = client.jobs.create(
        RG,
        ACCOUNT,
        "Thumbnails",
        "sdk-job-1",
        Job(
            input=JobInputAsset(asset_name="in-1"),
            outputs=[JobOutputAsset(asset_name="out-1"), JobOutputAsset(asset_name="out-2")],
            correlation_data={"key1": "value1"},
            priority="High",
        ),
    )
    assert created.name == "sdk-job-1" and created.state == "Queued"
    assert created.priority == "High" and created.correlation_data == {"key1": "value1"}
    got = client.jobs.get(RG, ACCOUNT, "thumbnails", "SDK-JOB-1")  # names are case-insensitive
    assert got.name == "sdk-job-1"
    v3_served.emulator.advance(86400)
    assert client.jobs.get(RG, ACCOUNT, "Thumbnails", "sdk-job-1").state in (
        "Finished",
        "Error",
    )
    client.jobs.delete(RG, ACCOUNT, "Thumbnails", "sdk-job-1")
    with pytest.raises(ResourceNotFoundError):
        client.jobs.get(RG, ACCOUNT, "Thumbnails", "sdk-job-1")


def test_429_with_retry_after_is_retried_then_succeeds(v3_served: RunningServer) -> None:
    emu = v3_served.emulator
    httpx.post(
        f"{v3_served.origin}/_emulator/faults",
        json={"kind": "429", "count": 2, "retry_after": 1, "route": "transforms"},
    ).raise_for_status()
    client = sdk(v3_served, retry_backoff_factor=0.01)
    started = time.monotonic()
    names = [t.name for t in client.transforms.list(RG, ACCOUNT)]
    elapsed = time.monotonic() - started
    assert "Thumbnails" in names
    assert emu.stats.by_route_status[("transforms", 429)] == 2
    assert emu.stats.by_route_status[("transforms", 200)] == 1
    assert elapsed >= 1.8  # it waited Retry-After (1 s) twice


def test_wrong_token_is_refused_without_retry() -> None:
    server = serve_in_thread(make_v3(token="the-only-token"))
    try:
        with pytest.raises(ClientAuthenticationError):
            list(sdk(server, token="another").transforms.list(RG, ACCOUNT))
        assert server.emulator.stats.by_status[401] == 1
        assert list(sdk(server, token="the-only-token").transforms.list(RG, ACCOUNT))
    finally:
        server.stop()


def test_rms_token_endpoint_feeds_the_sdk() -> None:
    server = serve_in_thread(make_v3(rms_api_key="rms-key-123"))
    try:
        refused = httpx.post(
            f"{server.origin}/auth/token", json={"subscriptionId": SUB, "apiKey": "wrong"}
        )
        assert refused.status_code == 401 and refused.json()["error"]["code"]
        answer = httpx.post(
            f"{server.origin}/auth/token", json={"subscriptionId": SUB, "apiKey": "rms-key-123"}
        )
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        token = answer.text
        assert token and "\n" not in token
        with pytest.raises(ClientAuthenticationError):
            list(sdk(server, token="made-up").transforms.list(RG, ACCOUNT))
        assert list(sdk(server, token=token).transforms.list(RG, ACCOUNT))
    finally:
        server.stop()
