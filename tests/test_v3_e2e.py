"""AmsV3Client against the v3 emulator served on a loopback port (real sockets), in both shapes:
ARM (per-transform listing, absolute nextLinks, api-version, RMS `/auth/token`) and MK.IO
(account-wide listing, relative nextLinks, JWT bearer). Paging across pages and transforms,
get, cancel, 404, a 429 burst ridden out, the failed-output case, `token` and `rms-api-key`."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from amstui.ams.auth import BearerTokenAuth, NoCredential
from amstui.ams.backend import JobQuery
from amstui.ams.client import RetryPolicy
from amstui.ams.errors import AuthenticationError, NotFoundError
from amstui.ams.model import ACTIVE_STATES, JobState
from amstui.ams.service_credentials import RmsApiKeyAuth, StaticToken, rms_token_endpoint
from amstui.ams.v3_client import AmsV3Client
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig
from tests.conftest import START

SUB = "6c3bbd1c-4b0a-4f4e-9d35-0b7f0b5d1a11"
PAGE = 7


def jwt(sub: str = "me") -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'sub': sub, 'exp': 4102444800})}.c2ln"


def make(api: str, **config: Any) -> Emulator:
    sim = SimConfig(seed=5, jobs=120, active=30, concurrency=6, error_rate=0.25)
    return Emulator(
        EmulatorConfig(
            sim=sim,
            start=START,
            speed=0.0,
            api=api,
            subscription=SUB,
            resource_group="media-rg",
            account="contosomedia",
            page_size=PAGE,
            **config,
        )
    )


def serve(emulator: Emulator) -> Iterator[RunningServer]:
    server = serve_in_thread(emulator)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def arm_server() -> Iterator[RunningServer]:
    yield from serve(make("v3"))


@pytest.fixture
def mkio_server() -> Iterator[RunningServer]:
    yield from serve(make("mkio"))


sleeps: list[float] = []


async def _sleep(seconds: float) -> None:
    sleeps.append(seconds)


def client_for(server: RunningServer, auth: Any = None, **kw: Any) -> AmsV3Client:
    flavour = "mkio" if server.emulator.config.api == "mkio" else "arm"
    if auth is None:
        source = StaticToken(env={"AMSTUI_TOKEN": jwt()}) if flavour == "mkio" else NoCredential()
        auth = BearerTokenAuth(source, "https://management.azure.com/.default")
    return AmsV3Client(server.url, flavour=flavour, auth=auth, sleep=_sleep, **kw)


def expected_ids(emulator: Emulator) -> set[str]:
    return {f"{job.transform}/{job.arm_name}" for job in emulator.sim.job_list()}


async def test_arm_lists_every_job_across_pages_and_transforms(arm_server: RunningServer) -> None:
    async with client_for(arm_server) as client:
        transforms = await client.list_transforms()
        fetched = await client.list_jobs(JobQuery())
    assert len(transforms.value) > 1
    jobs = fetched.value
    assert {j.id for j in jobs} == expected_ids(arm_server.emulator)
    assert len(jobs) == len({j.id for j in jobs}) == 120
    per_transform = {t: sum(1 for j in jobs if j.transform == t) for t in transforms.value}
    # One request per page of each transform; the transforms were listed already.
    pages = sum(-(-n // PAGE) or 1 for n in per_transform.values())
    assert len(fetched.exchanges) == pages
    assert max(per_transform.values()) > PAGE  # some transform really spans pages
    assert all(ex.url.count("api-version=") == 1 for ex in fetched.exchanges)
    created = [j.created for j in jobs]
    assert created == sorted(created, reverse=True)  # type: ignore[type-var]
    assert client.reads_remaining is not None


async def test_arm_active_filter_matches_the_emulator(arm_server: RunningServer) -> None:
    arm_server.emulator.advance(600)
    async with client_for(arm_server) as client:
        fetched = await client.list_jobs(JobQuery(states=ACTIVE_STATES))
    want = {
        f"{job.transform}/{job.arm_name}"
        for job in arm_server.emulator.sim.job_list()
        if arm_server.emulator.sim.view(job, arm_server.emulator.now()).state.is_active
    }
    assert want and {j.id for j in fetched.value} == want
    assert all(j.state.is_active for j in fetched.value)
    processing = [j for j in fetched.value if j.state == JobState.PROCESSING]
    assert processing and all(j.outputs for j in processing)
    assert all(j.progress is not None and 0 <= j.progress <= 100 for j in processing)


async def test_mkio_account_wide_listing_with_relative_links(mkio_server: RunningServer) -> None:
    async with client_for(mkio_server) as client:
        fetched = await client.list_jobs(JobQuery())
    assert {j.id for j in fetched.value} == expected_ids(mkio_server.emulator)
    assert len(fetched.exchanges) == -(-120 // PAGE)
    assert all("/jobs?" in ex.url or ex.url.endswith("/jobs") for ex in fetched.exchanges)
    assert all("/transforms/" not in ex.url for ex in fetched.exchanges)
    assert all("api-version" not in ex.url for ex in fetched.exchanges)


@pytest.mark.parametrize("shape", ["v3", "mkio"])
async def test_get_cancel_and_404(shape: str) -> None:
    for server in serve(make(shape)):
        async with client_for(server) as client:
            listed = await client.list_jobs(JobQuery(states=(JobState.PROCESSING,)))
            target = listed.value[0]
            got = await client.get_job_with_tasks(target.id)
            assert got.value.id == target.id and got.value.outputs
            assert len(got.exchanges) == 1
            cancel = await client.cancel_job(target.id)
            assert cancel.exchange is not None and cancel.exchange.method == "POST"
            assert cancel.exchange.status == 200
            after = await client.get_job(target.id)
            assert after.value.state in (JobState.CANCELING, JobState.CANCELED)
            with pytest.raises(NotFoundError) as info:
                await client.get_job(f"{target.transform}/no-such-job")
            assert "not found" in str(info.value).lower()
            with pytest.raises(NotFoundError):
                await client.get_job("NoSuchTransform/x")


async def test_429_burst_is_ridden_out(arm_server: RunningServer) -> None:
    arm_server.emulator.faults.apply_spec("429=3")
    sleeps.clear()
    retry = RetryPolicy(max_attempts=5, max_retry_after=30)
    async with client_for(arm_server, retry=retry) as client:
        fetched = await client.get_job(next(iter(expected_ids(arm_server.emulator))))
    assert [ex.status for ex in fetched.exchanges] == [429, 429, 429, 200]
    assert sleeps == [1.0, 1.0, 1.0]  # the emulator's Retry-After, honoured


async def test_failed_output_in_a_finished_job_is_flagged(arm_server: RunningServer) -> None:
    arm_server.emulator.advance(4 * 3600)
    async with client_for(arm_server) as client:
        fetched = await client.list_jobs(JobQuery(states=(JobState.FINISHED,)))
    flagged = [j for j in fetched.value if j.finished_with_failed_output]
    assert flagged, "the simulation made no Finished job with a failed output"
    for job in flagged:
        failed = job.failed_outputs[0]
        assert failed.error is not None and failed.error.code
        assert job.tasks is not None and any(t.state == JobState.ERROR for t in job.tasks)


async def test_token_kind_against_mkio() -> None:
    token = jwt("alice")
    for server in serve(make("mkio", token=token)):
        good = BearerTokenAuth(StaticToken(env={"AMSTUI_TOKEN": token}), "s")
        async with client_for(server, auth=good) as client:
            assert len((await client.list_jobs(JobQuery(limit=3))).value) == 3
        bad = BearerTokenAuth(StaticToken(env={"AMSTUI_TOKEN": jwt("mallory")}), "s")
        async with client_for(server, auth=bad) as client:
            with pytest.raises(AuthenticationError):
                await client.list_jobs(JobQuery(limit=3))


async def test_rms_api_key_against_the_token_endpoint() -> None:
    for server in serve(make("v3", rms_api_key="rms-key-123")):
        url, sub = rms_token_endpoint(server.url)
        assert sub == SUB
        auth = RmsApiKeyAuth(url, sub, env={"AMSTUI_RMS_API_KEY": "rms-key-123"})
        async with client_for(server, auth=auth) as client:
            assert len((await client.list_jobs(JobQuery(limit=5))).value) == 5
            # The service forgets the token: one new one is fetched and the call goes through.
            server.emulator.expire_tokens()
            assert (await client.list_transforms()).value
        assert auth.fetches == 2
        wrong = RmsApiKeyAuth(url, sub, env={"AMSTUI_RMS_API_KEY": "wrong"})
        async with client_for(server, auth=wrong) as client:
            with pytest.raises(AuthenticationError, match="HTTP 401"):
                await client.list_transforms()


@pytest.mark.parametrize("shape", ["v3", "mkio"])
async def test_a_configured_account_connects_with_its_kind(
    shape: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from amstui import config
    from amstui.bootstrap.connect import connect_account

    token = jwt("cfg")
    for server in serve(make(shape, token=token)):
        token_file = tmp_path / "t"
        token_file.write_text(token)
        token_file.chmod(0o600)
        text = (
            f'[accounts.a]\napi = "{shape}"\nendpoint = "{server.url}"\n'
            f'credential = "token"\ntoken_file = "{token_file}"\ntransforms = ["Thumbnails"]\n'
        )
        account = config.parse_settings(text, "c.toml").accounts["a"]
        connection = connect_account(account)
        assert isinstance(connection.client, AmsV3Client)
        async with connection.client as client:
            jobs = (await client.list_jobs(JobQuery())).value
        assert jobs and {j.transform for j in jobs} == {"Thumbnails"}


async def test_an_account_of_twenty_transforms_is_listed_whole() -> None:
    """`amstui emulator --transforms N`: the five kinds, then numbered variants; every job
    belongs to one of the account's transforms and a name beyond them is 404."""
    emulator = Emulator(
        EmulatorConfig(
            sim=SimConfig(seed=3, jobs=400, active=40, transforms=20),
            start=START,
            speed=0.0,
            api="v3",
            subscription=SUB,
            resource_group="media-rg",
            account="contosomedia",
            page_size=PAGE,
        )
    )
    for server in serve(emulator):
        async with client_for(server) as client:
            transforms = await client.list_transforms()
            fetched = await client.list_jobs(JobQuery())
            with pytest.raises(NotFoundError):
                await client.get_job("AdaptiveStreaming5/any-job")
    names = transforms.value
    assert len(names) == len(set(names)) == 20
    assert "AdaptiveStreaming" in names and "AudioAnalysis4" in names
    assert {j.id for j in fetched.value} == expected_ids(emulator)
    assert {j.transform for j in fetched.value} <= set(names)
    assert len({j.transform for j in fetched.value}) > 15
