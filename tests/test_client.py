"""AmsV2Client against httpx.MockTransport: headers, 301 re-base, paging, retries, 401, cancel."""

from __future__ import annotations

import email.utils
import json
import time
import uuid
from collections.abc import Callable
from urllib.parse import unquote

import httpx
import pytest

from amstui.ams.auth import BearerTokenAuth
from amstui.ams.backend import JobQuery
from amstui.ams.client import AmsV2Client, RetryPolicy, parse_retry_after
from amstui.ams.errors import (
    AuthenticationError,
    BadRequestError,
    JobAlreadyFinishedError,
    NotFoundError,
    ProtocolError,
    RedirectError,
    ServerError,
    ThrottledError,
    TransportError,
)
from amstui.ams.model import JobState
from tests.conftest import FakeCredential

ROOT = "https://acct.restv2.westeurope.media.azure.net/api/"
JOB_ID = "nb:jid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1"
MINIMAL_CT = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"


def job_entity(n: int, state: int = 2) -> dict[str, object]:
    return {
        "Id": f"nb:jid:UUID:{uuid.UUID(int=n)}",
        "Name": f"job {n}",
        "Created": "2015-02-11T01:46:08.897",
        "LastModified": "2015-02-11T01:46:08.897",
        "EndTime": None,
        "Priority": 0,
        "RunningDuration": 0.0,
        "StartTime": "2015-02-11T01:46:16.58",
        "State": state,
        "TemplateId": None,
        "JobNotificationSubscriptions": [],
    }


def ok(payload: object, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(payload).encode(),
        headers={"Content-Type": MINIMAL_CT, **headers},
    )


def error(status: int, message: str, **headers: str) -> httpx.Response:
    body = {"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}}
    return ok(body, status, **headers)


class Recorder:
    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # Copy: the auth flow re-sends the same request object with new headers.
        self.requests.append(
            httpx.Request(request.method, request.url, headers=request.headers.copy())
        )
        return self.handler(request)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
    credential: FakeCredential | None = None,
    **kw: object,
) -> tuple[AmsV2Client, Recorder, Sleeps]:
    recorder = Recorder(handler)
    sleeps = Sleeps()
    cred = credential or FakeCredential("tok-A")
    client = AmsV2Client(
        kw.pop("root", ROOT),  # type: ignore[arg-type]
        auth=BearerTokenAuth(cred, "https://rest.media.azure.net/.default"),
        transport=httpx.MockTransport(recorder),
        sleep=sleeps,
        jitter=lambda: 1.0,
        **kw,  # type: ignore[arg-type]
    )
    return client, recorder, sleeps


class TestHeaders:
    async def test_headers_sent(self) -> None:
        client, rec, _ = client_for(lambda r: ok({"value": [job_entity(1)]}))
        await client.list_jobs_raw(top=1)
        await client.list_jobs_raw(top=1)
        first, second = rec.requests
        assert first.headers["x-ms-version"] == "2.19"
        assert first.headers["DataServiceVersion"] == "3.0"
        assert first.headers["MaxDataServiceVersion"] == "3.0"
        assert first.headers["Accept"] == "application/json;odata=minimalmetadata"
        assert first.headers["Authorization"] == "Bearer tok-A"
        ids = {first.headers["x-ms-client-request-id"], second.headers["x-ms-client-request-id"]}
        assert len(ids) == 2 and all(uuid.UUID(i) for i in ids)

    async def test_verbose_and_version_configurable(self) -> None:
        body = {"d": {"results": [job_entity(1)]}}
        client, rec, _ = client_for(lambda r: ok(body), accept="verbose", api_version="2.11")
        result = await client.list_jobs_raw(top=1)
        assert rec.requests[0].headers["Accept"] == "application/json;odata=verbose"
        assert rec.requests[0].headers["x-ms-version"] == "2.11"
        assert result.value[0].state == JobState.PROCESSING

    async def test_timeouts_are_set(self) -> None:
        client, _, _ = client_for(lambda r: ok({"value": []}))
        timeout = client._http.timeout
        assert timeout.connect and timeout.read and timeout.pool


class TestRedirect:
    async def test_301_rebases_and_keeps_the_token_and_the_new_root(self) -> None:
        moved = "https://acct.restv2.northeurope.media.azure.net/api/"

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.host == "acct.restv2.westeurope.media.azure.net":
                return httpx.Response(301, headers={"Location": moved})
            return ok({"value": [job_entity(1)]})

        client, rec, _ = client_for(handler)
        seen: list[str] = []
        client.on_rebase = seen.append
        await client.list_jobs_raw(top=1)
        assert [r.url.host for r in rec.requests] == [
            "acct.restv2.westeurope.media.azure.net",
            "acct.restv2.northeurope.media.azure.net",
        ]
        resent = rec.requests[1]
        assert resent.headers["Authorization"] == "Bearer tok-A"
        assert str(resent.url).startswith(moved + "Jobs()?")
        assert client.endpoint == moved and seen == [moved]
        await client.get_job(JOB_ID)
        assert rec.requests[2].url.host == "acct.restv2.northeurope.media.azure.net"
        assert len(rec.requests) == 3

    async def test_301_with_full_resource_location(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if "/x/api/" not in str(request.url):
                new = str(request.url).replace(".net/api", ".net/x/api")
                return httpx.Response(301, headers={"Location": new})
            return ok({"value": []})

        client, _, _ = client_for(handler)
        await client.list_jobs_raw(filter="Name eq 'a'")
        assert client.endpoint == ROOT.replace(".net/api", ".net/x/api")

    @pytest.mark.parametrize(
        "location",
        [
            # The legacy global host's cluster names live under cloudapp.net, where anyone
            # can register a name: the token does not go there.
            "https://wamsbayclus001rest-hs.cloudapp.net/api/",
            "https://evil.invalid/api/",
            "https://media.azure.net.evil.invalid/api/",
            "https://acct.restv2.westeurope.media.usgovcloudapi.net/api/",
            "https://user:pw@acct.restv2.northeurope.media.azure.net/api/",
            "https://acct.restv2.westeurope.media.azure.net:8443/api/",
            "javascript:alert(1)",
            "https://[::1/api/",
            "https://acct.restv2.westeurope.media.azure.net:99999/api/",
        ],
    )
    async def test_redirects_the_token_must_not_follow_are_refused(self, location: str) -> None:
        client, rec, _ = client_for(lambda r: httpx.Response(301, headers={"Location": location}))
        with pytest.raises(RedirectError):
            await client.list_jobs_raw()
        assert len(rec.requests) == 1 and client.endpoint == ROOT

    async def test_redirect_to_plain_http_elsewhere_is_refused(self) -> None:
        client, rec, _ = client_for(
            lambda r: httpx.Response(301, headers={"Location": "http://evil.example/api/"})
        )
        with pytest.raises(Exception, match="plain http"):
            await client.list_jobs_raw()
        assert len(rec.requests) == 1 and client.endpoint == ROOT

    async def test_redirect_loop_ends(self) -> None:
        client, rec, _ = client_for(lambda r: httpx.Response(301, headers={"Location": ROOT}))
        with pytest.raises(Exception, match="too many redirects"):
            await client.list_jobs_raw()
        assert len(rec.requests) == 6


class TestPaging:
    async def test_2500_jobs_in_3_requests(self) -> None:
        jobs = [job_entity(n) for n in range(2500)]

        def handler(request: httpx.Request) -> httpx.Response:
            skip = int(request.url.params.get("$skip", 0))
            top = min(int(request.url.params["$top"]), 1000)
            return ok({"odata.metadata": ROOT + "$metadata#Jobs", "value": jobs[skip : skip + top]})

        client, rec, _ = client_for(handler)
        result = await client.list_jobs(JobQuery())
        assert len(result.value) == 2500
        assert len({j.id for j in result.value}) == 2500
        assert len(rec.requests) == 3 and len(result.exchanges) == 3
        assert [r.url.params.get("$skip") for r in rec.requests] == [None, "1000", "2000"]

    async def test_limit_stops_early(self) -> None:
        jobs = [job_entity(n) for n in range(3000)]

        def handler(request: httpx.Request) -> httpx.Response:
            skip = int(request.url.params.get("$skip", 0))
            top = min(int(request.url.params["$top"]), 1000)
            return ok({"value": jobs[skip : skip + top]})

        client, rec, _ = client_for(handler)
        result = await client.list_jobs(JobQuery(limit=1500))
        assert len(result.value) == 1500
        assert [r.url.params["$top"] for r in rec.requests] == ["1000", "500"]

    async def test_quote_in_filter_value_is_escaped(self) -> None:
        client, rec, _ = client_for(lambda r: ok({"value": []}))
        await client.list_jobs(JobQuery(name_startswith="Bob's & Co"))
        raw = rec.requests[0].url.raw_path.decode()
        assert "startswith(Name,'Bob''s%20%26%20Co')" in raw
        assert unquote(rec.requests[0].url.params["$filter"]) == "startswith(Name,'Bob''s & Co')"

    async def test_discovery_query_filter(self) -> None:
        from datetime import UTC, datetime

        query = JobQuery(
            states=(JobState.QUEUED, JobState.PROCESSING),
            created_after=datetime(2026, 1, 1, tzinfo=UTC),
            either=True,
        )
        assert AmsV2Client.filter_for(query) == (
            "((State eq 0 or State eq 2) or Created gt datetime'2026-01-01T00:00:00.000')"
        )


class TestRetries:
    async def test_503_with_retry_after_is_honoured(self) -> None:
        answers = [error(503, "Server is busy.", **{"Retry-After": "2"}), ok({"value": []})]
        client, rec, sleeps = client_for(lambda r: answers.pop(0))
        result = await client.list_jobs_raw()
        assert sleeps.calls == [2.0]
        assert len(rec.requests) == 2 and len(result.exchanges) == 2
        assert result.exchanges[0].status == 503
        assert result.exchanges[0].header("retry-after") == "2"

    async def test_retry_after_http_date(self) -> None:
        when = email.utils.formatdate(time.time() + 30, usegmt=True)
        assert 27 <= (parse_retry_after(when) or 0) <= 31
        assert parse_retry_after("garbage") is None
        assert parse_retry_after("-5") == 0.0

    async def test_backoff_grows_without_retry_after(self) -> None:
        answers = [error(500, "x"), error(502, "x"), error(504, "x"), ok({"value": []})]
        client, _, sleeps = client_for(lambda r: answers.pop(0))
        await client.list_jobs_raw()
        assert sleeps.calls == [0.25, 0.5, 1.0]

    async def test_gives_up_after_bounded_attempts(self) -> None:
        client, rec, _ = client_for(lambda r: error(503, "Server is busy."))
        with pytest.raises(ThrottledError) as info:
            await client.list_jobs_raw()
        assert len(rec.requests) == RetryPolicy().max_attempts
        assert "Server is busy" in str(info.value) and info.value.status == 503

    async def test_long_retry_after_is_not_slept_through(self) -> None:
        client, rec, sleeps = client_for(
            lambda r: error(429, "slow down", **{"Retry-After": "600"})
        )
        with pytest.raises(ThrottledError) as info:
            await client.list_jobs_raw()
        # Clamped to 300 s (a server cannot park the monitor for longer).
        assert info.value.retry_after == 300 and sleeps.calls == [] and len(rec.requests) == 1

    @pytest.mark.parametrize(
        ("status", "kind"),
        [(400, BadRequestError), (404, NotFoundError), (403, AuthenticationError)],
    )
    async def test_no_retry_on_client_errors(self, status: int, kind: type[Exception]) -> None:
        client, rec, sleeps = client_for(lambda r: error(status, "nope", **{"request-id": "rid-1"}))
        with pytest.raises(kind) as info:
            await client.get_job(JOB_ID)
        assert len(rec.requests) == 1 and sleeps.calls == []
        assert "nope" in str(info.value) and "rid-1" in str(info.value)

    async def test_timeouts_are_retried_then_reported(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        client, rec, _ = client_for(handler)
        with pytest.raises(TransportError, match="read timeout"):
            await client.list_jobs_raw()
        assert len(rec.requests) == 5

    async def test_server_error_after_retries(self) -> None:
        client, _, _ = client_for(lambda r: error(500, "quota unavailable"))
        with pytest.raises(ServerError, match="quota unavailable"):
            await client.list_jobs_raw()

    async def test_cancel_is_not_retried_on_500_or_read_errors(self) -> None:
        client, rec, _ = client_for(lambda r: error(500, "boom"))
        with pytest.raises(ServerError):
            await client.cancel_job(JOB_ID)
        assert len(rec.requests) == 1

        def reset(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadError("reset", request=request)

        client, rec, _ = client_for(reset)
        with pytest.raises(TransportError):
            await client.cancel_job(JOB_ID)
        assert len(rec.requests) == 1


class TestAuth401:
    async def test_401_refreshes_once_and_retries(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.headers["Authorization"] == "Bearer tok-A":
                return error(401, "token expired")
            return ok({"value": []})

        cred = FakeCredential("tok-A", "tok-B")
        client, rec, _ = client_for(handler, credential=cred)
        await client.list_jobs_raw()
        assert [r.headers["Authorization"] for r in rec.requests] == [
            "Bearer tok-A",
            "Bearer tok-B",
        ]
        assert cred.calls == 2

    async def test_401_with_the_same_token_is_not_retried(self) -> None:
        cred = FakeCredential("tok-A")
        client, rec, _ = client_for(lambda r: error(401, "no role"), credential=cred)
        with pytest.raises(AuthenticationError, match="Contributor or Owner"):
            await client.list_jobs_raw()
        assert len(rec.requests) == 1 and cred.calls == 2


class TestOperations:
    async def test_get_job_by_key_and_by_filter(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if "$filter" in request.url.params:
                return ok({"value": [job_entity(7)]})
            return ok({"odata.metadata": ROOT + "$metadata#Jobs/@Element", **job_entity(7)})

        client, rec, _ = client_for(handler)
        by_key = await client.get_job(JOB_ID)
        by_filter = await client.get_job(JOB_ID, via="filter")
        assert by_key.value == by_filter.value
        assert (
            rec.requests[0]
            .url.raw_path.decode()
            .endswith("/api/Jobs('nb%3Ajid%3AUUID%3Af3c43f94-327f-2347-90bb-3bf79f8559f1')")
        )
        assert (
            rec.requests[1]
            .url.raw_path.decode()
            .endswith(
                "/api/Jobs()?$filter=Id%20eq%20'nb%3Ajid%3AUUID%3Af3c43f94-327f-2347-90bb-3bf79f8559f1'&$top=1"
            )
        )

    async def test_filter_lookup_of_missing_job(self) -> None:
        client, _, _ = client_for(lambda r: ok({"value": []}))
        with pytest.raises(NotFoundError):
            await client.get_job(JOB_ID, via="filter")

    async def test_cancel(self) -> None:
        client, rec, _ = client_for(lambda r: httpx.Response(204))
        result = await client.cancel_job(JOB_ID)
        assert result.exchange is not None and result.exchange.status == 204
        assert (
            rec.requests[0]
            .url.raw_path.decode()
            .endswith(
                "/api/CancelJob?jobid='nb%3Ajid%3AUUID%3Af3c43f94-327f-2347-90bb-3bf79f8559f1'"
            )
        )

    async def test_cancel_of_final_job_is_a_clear_error(self) -> None:
        client, _, _ = client_for(lambda r: error(400, "Job is finished."))
        with pytest.raises(JobAlreadyFinishedError, match="already finished"):
            await client.cancel_job(JOB_ID)

    async def test_invalid_id_never_sent(self) -> None:
        client, rec, _ = client_for(lambda r: ok({}))
        with pytest.raises(ValueError):
            await client.get_job("nb:jid:UUID:x') or ('1")
        assert rec.requests == []

    async def test_malformed_json_is_a_protocol_error_with_the_exchange(self) -> None:
        client, _, _ = client_for(
            lambda r: httpx.Response(200, content=b'{"value": [', headers={"request-id": "r-9"})
        )
        with pytest.raises(ProtocolError) as info:
            await client.list_jobs_raw()
        assert info.value.exchange is not None and info.value.exchange.body == '{"value": ['
        assert info.value.request_id == "r-9"

    async def test_exchange_record(self) -> None:
        client, _, _ = client_for(
            lambda r: ok(
                {"value": [job_entity(1)]}, **{"request-id": "rid", "x-ms-request-id": "rid"}
            )
        )
        result = await client.list_jobs_raw(top=1)
        ex = result.exchange
        assert ex is not None
        assert ex.method == "GET" and ex.url.startswith(ROOT + "Jobs()?$top=1")
        assert ex.status == 200 and ex.request_id == "rid"
        assert ex.header("content-type") == MINIMAL_CT
        assert json.loads(ex.body)["value"][0]["Name"] == "job 1"
        assert ex.latency_s >= 0 and ex.started_at.tzinfo is not None

    async def test_plain_http_endpoint_refused_unless_loopback(self) -> None:
        with pytest.raises(ValueError, match="loopback"):
            AmsV2Client("http://example.com/api/")
        AmsV2Client("http://127.0.0.1:8700/api/")
        AmsV2Client("http://localhost/api")
