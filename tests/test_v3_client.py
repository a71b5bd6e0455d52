"""AmsV3Client against httpx.MockTransport: ARM and MK.IO listing and paging, filters, the
nextLink origin rule, get, cancel, errors, retries and the reads-remaining header."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from amstui.ams.auth import BearerTokenAuth
from amstui.ams.backend import JobQuery, JobsBackend
from amstui.ams.errors import (
    AuthenticationError,
    InvalidJobIdError,
    NotFoundError,
    ProtocolError,
    ThrottledError,
)
from amstui.ams.model import JobState
from amstui.ams.v3_client import AmsV3Client
from tests.conftest import FakeCredential

ARM = "https://management.azure.com/subscriptions/sub1/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct/"
MKIO = "https://api.mk.io/api/ams/proj/"


def job(
    name: str, transform: str, state: str = "Processing", created: str = "2026-03-02T09:00:00Z"
) -> dict[str, Any]:
    return {
        "name": name,
        "id": f"/subscriptions/sub1/resourceGroups/rg/providers/Microsoft.Media/mediaservices/acct/transforms/{transform}/jobs/{name}",
        "type": "Microsoft.Media/mediaservices/transforms/jobs",
        "properties": {
            "created": created,
            "state": state,
            "outputs": [
                {
                    "@odata.type": "#Microsoft.Media.JobOutputAsset",
                    "state": state,
                    "progress": 30,
                    "label": "L",
                    "assetName": "a",
                }
            ],
            "priority": "Normal",
        },
    }


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        #: The Authorization header of each request as sent (httpx re-sends the same object).
        self.auth: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.auth.append(request.headers.get("Authorization", ""))
        return self.handler(request)


async def _no_sleep(seconds: float) -> None:
    sleeps.append(seconds)


sleeps: list[float] = []


def make(handler: Handler, endpoint: str = ARM, **kw: Any) -> tuple[AmsV3Client, Recorder]:
    sleeps.clear()
    recorder = Recorder(handler)
    flavour = "mkio" if "api/ams" in endpoint else "arm"
    client = AmsV3Client(
        endpoint,
        flavour=flavour,
        auth=BearerTokenAuth(
            FakeCredential("tok-1", "tok-2"), "https://management.azure.com/.default"
        ),
        transport=httpx.MockTransport(recorder),
        sleep=_no_sleep,
        **kw,
    )
    return client, recorder


def ok(body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers={"x-ms-request-id": "rid-1", **headers})


def arm_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message}}, headers=headers
    )


async def test_arm_lists_every_transform_across_pages() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        url = request.url
        assert url.params["api-version"] == "2022-07-01"
        path = url.path
        if path.endswith("/transforms"):
            if "$skiptoken" in url.params:
                return ok({"value": [{"name": "T2"}]})
            return ok(
                {
                    "value": [{"name": "T1"}],
                    "@odata.nextLink": ARM + "transforms?api-version=2022-07-01&$skiptoken=T1",
                }
            )
        transform = path.split("/transforms/")[1].split("/")[0]
        if transform == "T1" and "$skiptoken" not in url.params:
            return ok(
                {
                    "value": [job("a", "T1", created="2026-03-02T09:00:00Z")],
                    "@odata.nextLink": str(url.copy_merge_params({"$skiptoken": "a"})),
                },
                **{"x-ms-ratelimit-remaining-subscription-reads": "249"},
            )
        if transform == "T1":
            return ok(
                {"value": [job("b", "T1", "Queued", created="2026-03-02T09:02:00Z")]},
                **{"x-ms-ratelimit-remaining-subscription-reads": "248"},
            )
        return ok({"value": [job("c", "T2", "Finished", created="2026-03-02T09:01:00Z")]})

    client, rec = make(handler)
    async with client:
        fetched = await client.list_jobs(JobQuery())
    assert [j.id for j in fetched.value] == ["T1/b", "T2/c", "T1/a"]  # newest first
    assert [j.state for j in fetched.value] == [
        JobState.QUEUED,
        JobState.FINISHED,
        JobState.PROCESSING,
    ]
    assert client.known_transforms == ("T1", "T2")
    assert len(rec.requests) == 5 and len(fetched.exchanges) == 5
    assert all(a == "Bearer tok-1" for a in rec.auth)
    assert client.reads_remaining == 248
    assert any(ex.header("x-ms-ratelimit-remaining-subscription-reads") for ex in fetched.exchanges)
    # The transforms are remembered: the next listing does not list them again.
    async with make(handler)[0] as again:
        again.known_transforms = ("T2",)
        assert [j.id for j in (await again.list_jobs(JobQuery())).value] == ["T2/c"]


async def test_filter_and_orderby_in_v3_syntax() -> None:
    seen: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(parse_qs(urlsplit(str(request.url)).query))
        return ok({"value": []})

    client, _ = make(handler, transforms=["Enc"])
    query = JobQuery(
        states=(JobState.PROCESSING, JobState.QUEUED),
        created_after=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        either=True,
    )
    async with client:
        await client.list_jobs(query)
    assert seen[0]["$filter"] == [
        "((properties/state eq Microsoft.Media.JobState'Processing' or "
        "properties/state eq Microsoft.Media.JobState'Queued') or "
        "properties/created gt 2026-03-02T09:30:00.000000Z)"
    ]
    assert seen[0]["$orderby"] == ["properties/created desc"]
    assert AmsV3Client.filter_for(JobQuery(), ["o'neil"]) == "name eq 'o''neil'"


async def test_ids_query_only_their_transforms_and_names() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "/transforms/T2/jobs" in request.url.path
        return ok({"value": [job("x", "T2"), job("y", "T2")]})

    client, rec = make(handler)
    async with client:
        fetched = await client.list_jobs(JobQuery(ids=("T2/x",)))
    assert [j.id for j in fetched.value] == ["T2/x"]
    assert len(rec.requests) == 1
    assert "name eq 'x'" in rec.requests[0].url.params["$filter"]
    # A job outside the watched transforms is not looked for anywhere else.
    client, rec = make(handler, transforms=["T1"])
    async with client:
        assert (await client.list_jobs(JobQuery(ids=("T2/x",)))).value == []
    assert rec.requests == []


async def test_many_ids_are_split_into_several_queries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        names = [c.split("'")[1] for c in request.url.params["$filter"].split(" or ")]
        return ok({"value": [job(n, "T") for n in names]})

    client, rec = make(handler)
    ids = tuple(f"T/j{i}" for i in range(95))
    async with client:
        fetched = await client.list_jobs(JobQuery(ids=ids))
    assert {j.id for j in fetched.value} == set(ids)
    assert len(rec.requests) == 3  # 40 + 40 + 15 names


async def test_name_prefix_and_limit_filtered_client_side() -> None:
    client, _ = make(
        lambda r: ok({"value": [job("keep-1", "T"), job("drop", "T"), job("keep-2", "T")]}),
        transforms=["T"],
    )
    async with client:
        fetched = await client.list_jobs(JobQuery(name_startswith="keep", limit=1))
    assert [j.name for j in fetched.value] == ["keep-1"]


async def test_mkio_lists_account_wide_with_relative_links() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "api-version" not in request.url.params
        assert request.url.path == "/api/ams/proj/jobs"
        if request.url.params.get("$skiptoken") == "2":
            return ok({"value": [job("c", "T2")], "supplemental": {"operation": "list"}})
        return ok(
            {
                "value": [job("a", "T1"), job("b", "T2")],
                "@odata.nextLink": "/api/ams/proj/jobs?$skiptoken=2",
            }
        )

    client, rec = make(handler, MKIO)
    async with client:
        fetched = await client.list_jobs(JobQuery(newest_first=False))
    assert [j.id for j in fetched.value] == ["T1/a", "T2/b", "T2/c"]
    assert (
        str(rec.requests[1].url) == "https://api.mk.io/api/ams/proj/jobs?%24skiptoken=2"
        or rec.requests[1].url.params["$skiptoken"] == "2"
    )


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/steal?api-version=1",
        "//evil.example/x",
        "http://management.azure.com/x",
        "https://user:pw@management.azure.com/x",
        "https://management.azure.com:8443/x",
    ],
)
async def test_next_link_to_another_origin_is_refused(link: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "management.azure.com" and request.url.scheme == "https"
        return ok({"value": [job("a", "T")], "@odata.nextLink": link})

    client, rec = make(handler, transforms=["T"])
    async with client:
        with pytest.raises(ProtocolError, match="another origin"):
            await client.list_jobs(JobQuery())
    assert len(rec.requests) == 1


async def test_repeating_next_link_ends_the_listing() -> None:
    link = ARM + "transforms/T/jobs?api-version=2022-07-01&$skiptoken=same"
    client, rec = make(lambda r: ok({"value": [], "@odata.nextLink": link}), transforms=["T"])
    async with client:
        with pytest.raises(ProtocolError, match="repeated"):
            await client.list_jobs(JobQuery())
    assert len(rec.requests) == 2


async def test_next_link_without_api_version_gets_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["api-version"] == "2021-06-01"
        if "$skiptoken" in request.url.params:
            return ok({"value": [job("b", "T")]})
        return ok({"value": [job("a", "T")], "@odata.nextLink": "transforms/T/jobs?$skiptoken=1"})

    client, rec = make(handler, transforms=["T"], api_version="2021-06-01")
    async with client:
        assert len((await client.list_jobs(JobQuery())).value) == 2
    assert len(rec.requests) == 2


async def test_get_job_and_404() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/jobs/there"):
            return ok(job("there", "Enc 1", "Finished"))
        return arm_error(
            404, "NotFound", "The requested resource was not found.", **{"x-ms-request-id": "r404"}
        )

    client, rec = make(handler)
    async with client:
        fetched = await client.get_job_with_tasks("Enc 1/there")
        assert fetched.value.id == "Enc 1/there" and fetched.value.tasks is not None
        assert "/transforms/Enc%201/jobs/there" in str(rec.requests[0].url)
        with pytest.raises(NotFoundError) as info:
            await client.get_job("Enc 1/gone")
    assert "The requested resource was not found." in str(info.value)
    assert info.value.request_id == "r404"
    assert len(rec.requests) == 2  # a 404 is not retried


async def test_invalid_job_id_sends_nothing() -> None:
    client, rec = make(lambda r: ok({}))
    async with client:
        with pytest.raises(InvalidJobIdError):
            await client.get_job("nb:jid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1")
        with pytest.raises(InvalidJobIdError):
            await client.cancel_job("T/../../x")
    assert rec.requests == []


async def test_cancel_posts_once_and_is_never_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.url.path.endswith("/jobs/busy/cancelJob"):
            return arm_error(429, "TooManyRequests", "slow down", **{"Retry-After": "1"})
        return httpx.Response(200, headers={"content-length": "0"})

    client, rec = make(handler)
    async with client:
        await client.cancel_job("T/j1")
        assert rec.requests[0].method == "POST"
        assert rec.requests[0].url.path.endswith("/transforms/T/jobs/j1/cancelJob")
        assert rec.requests[0].url.params["api-version"] == "2022-07-01"
        with pytest.raises(ThrottledError):
            await client.cancel_job("T/busy")
    assert calls == ["POST", "POST"]


async def test_get_429_honours_retry_after_then_succeeds() -> None:
    answers = iter(
        [
            arm_error(
                429,
                "TooManyRequests",
                "throttled",
                **{"Retry-After": "2", "x-ms-ratelimit-remaining-subscription-reads": "0"},
            ),
            arm_error(503, "ServiceUnavailable", "busy", **{"Retry-After": "1"}),
            ok(job("j", "T"), **{"x-ms-ratelimit-remaining-subscription-reads": "17"}),
        ]
    )
    client, _ = make(lambda r: next(answers))
    async with client:
        fetched = await client.get_job("T/j")
    assert sleeps == [2.0, 1.0]
    assert len(fetched.exchanges) == 3 and [e.status for e in fetched.exchanges] == [429, 503, 200]
    assert client.reads_remaining == 17


async def test_throttled_after_the_budget_keeps_reads_and_retry_after() -> None:
    client, _ = make(
        lambda r: arm_error(
            429,
            "TooManyRequests",
            "throttled",
            **{"Retry-After": "120", "x-ms-ratelimit-remaining-subscription-reads": "0"},
        )
    )
    async with client:
        with pytest.raises(ThrottledError) as info:
            await client.get_job("T/j")
    assert info.value.retry_after == 120 and client.reads_remaining == 0


async def test_401_gets_one_new_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer tok-1":
            return arm_error(401, "InvalidAuthenticationToken", "expired")
        return ok({"value": []})

    client, rec = make(handler, transforms=["T"])
    async with client:
        await client.list_jobs(JobQuery())
    assert rec.auth == ["Bearer tok-1", "Bearer tok-2"]


async def test_mkio_error_bodies_become_messages() -> None:
    client, _ = make(
        lambda r: httpx.Response(403, json={"error": "Token does not grant access to project"}),
        MKIO,
    )
    async with client:
        with pytest.raises(AuthenticationError, match="Token does not grant access"):
            await client.get_job("T/j")


async def test_deleted_transform_is_skipped_and_forgotten() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/transforms/Gone/" in request.url.path:
            return arm_error(404, "NotFound", "The requested resource was not found.")
        return ok({"value": [job("a", "Here")]})

    client, _ = make(handler)
    client.known_transforms = ("Here", "Gone")
    async with client:
        fetched = await client.list_jobs(JobQuery())
    assert [j.id for j in fetched.value] == ["Here/a"]
    assert client.known_transforms == ("Here",)


async def test_malformed_page_is_a_protocol_error_with_its_exchange() -> None:
    client, _ = make(lambda r: httpx.Response(200, text="<html>gateway</html>"), transforms=["T"])
    async with client:
        with pytest.raises(ProtocolError) as info:
            await client.list_jobs(JobQuery())
    assert info.value.exchange is not None and info.value.exchange.status == 200


def test_repr_and_bad_flavour() -> None:
    client, _ = make(lambda r: ok({}))
    backend: JobsBackend = client  # the same interface as the v2 client (checked by mypy)
    assert backend.endpoint == ARM
    assert "tok" not in repr(client) and "AmsV3Client" in repr(client)
    with pytest.raises(ValueError):
        AmsV3Client(ARM, flavour="v2")
    assert json.dumps(AmsV3Client.filter_for(JobQuery())) == "null"
