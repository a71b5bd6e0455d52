"""A canary token must never appear in exchange records, log output or exception text."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from amstui.ams.auth import BearerTokenAuth
from amstui.ams.client import AmsV2Client
from amstui.ams.errors import AmsError
from amstui.ams.exchange import redact_text, redact_url
from amstui.bootstrap import logfile
from tests.conftest import FakeCredential

CANARY = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOiJ0cnVlIn0.Q0FOQVJZLXNpZ25hdHVyZQ"
JOB_ID = "nb:jid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1"


def test_redaction_helpers() -> None:
    assert CANARY not in redact_text(f"Authorization: Bearer {CANARY}")
    assert CANARY not in redact_text(f"token was {CANARY} here")
    url = f"https://x.blob.core.windows.net/a?sv=2020&sig={CANARY}&se=2030"
    assert CANARY not in redact_url(url) and "sv=2020" in redact_url(url)
    assert redact_url("https://x/api/Jobs()?$top=1") == "https://x/api/Jobs()?$top=1"


@pytest.mark.parametrize("status", [200, 401, 404, 500, 503])
async def test_canary_never_leaks(
    status: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = logfile.configure(tmp_path / "amstui.log", level=logging.DEBUG)
    assert log is not None
    for name in ("httpx", "httpcore", "azure"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        # A hostile server echoing the token back in its body and headers.
        auth = request.headers["Authorization"]
        body = {"odata.error": {"code": "", "message": {"lang": "en-US", "value": f"bad {auth}"}}}
        if status == 200:
            body = {"value": [], "echo": auth}  # type: ignore[dict-item]
        return httpx.Response(status, json=body, headers={"request-id": auth, "Location": auth})

    client = AmsV2Client(
        "https://acct.restv2.westus.media.azure.net/api/",
        auth=BearerTokenAuth(FakeCredential(CANARY), "s"),
        transport=httpx.MockTransport(handler),
        sleep=_no_sleep,
    )
    texts: list[str] = [repr(client)]
    try:
        result = await client.get_job(JOB_ID, via="filter")
        exchanges = result.exchanges
    except AmsError as exc:
        texts += [str(exc), repr(exc), exc.message]
        exchanges = (exc.exchange,) if exc.exchange else ()
    for ex in exchanges:
        assert ex is not None
        texts += [ex.url, repr(ex.headers), ex.request_line]
        # The raw body is kept as received (it is the server's text), but the exchange never
        # holds the Authorization header.
        assert not any(k == "authorization" for k, _ in ex.headers)
    logging.getLogger("amstui").warning("request failed with token Bearer %s", CANARY)
    for handler_ in logging.getLogger("amstui").handlers:
        handler_.flush()
    texts.append(log.read_text(encoding="utf-8"))
    texts.append(caplog.text)
    for text in texts:
        assert CANARY not in text, text[:500]


async def _no_sleep(seconds: float) -> None:
    return None


def test_logs_never_reach_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logfile.configure(tmp_path / "x.log")
    logging.getLogger("azure.identity").warning("DefaultAzureCredential failed")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert "DefaultAzureCredential failed" in (tmp_path / "x.log").read_text()


RMS_KEY_CANARY = "rms-key-CANARY-0b1c2d3e4f"
V3_ROOT = "https://rms.example.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Media/mediaServices/a/"


@pytest.mark.parametrize("kind", ["token", "rms-api-key"])
@pytest.mark.parametrize("status", [200, 401, 404, 429])
async def test_v3_credential_kinds_never_leak(
    kind: str,
    status: int,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from amstui.ams.backend import JobQuery
    from amstui.ams.service_credentials import RmsApiKeyAuth, StaticToken, rms_token_endpoint
    from amstui.ams.v3_client import AmsV3Client

    log = logfile.configure(tmp_path / "amstui.log", level=logging.DEBUG)
    assert log is not None
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    secret = tmp_path / "secret"
    secret.write_text(CANARY if kind == "token" else RMS_KEY_CANARY)
    secret.chmod(0o600)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(200, text=CANARY)
        # A hostile server echoing the token (and the key) in its body and headers.
        auth = request.headers["Authorization"]
        echo = f"bad {auth} {RMS_KEY_CANARY if kind == 'rms-api-key' else ''}"
        headers = {"x-ms-request-id": auth, "x-ms-correlation-request-id": echo, "Location": auth}
        if status == 200:
            body = {"value": [], "echo": echo, "@odata.nextLink": f"https://evil.example/?t={auth}"}
            return httpx.Response(200, json=body, headers=headers)
        return httpx.Response(
            status, json={"error": {"code": "X", "message": echo}}, headers=headers
        )

    auth: httpx.Auth
    if kind == "token":
        auth = BearerTokenAuth(StaticToken(secret, env={}), "s")
    else:
        url, sub = rms_token_endpoint(V3_ROOT)
        auth = RmsApiKeyAuth(url, sub, key_file=secret, env={})
    client = AmsV3Client(
        V3_ROOT,
        auth=auth,
        transport=httpx.MockTransport(handler),
        transforms=["T"],
        sleep=_no_sleep,
    )
    texts: list[str] = [repr(client), repr(auth)]
    exchanges: tuple[object, ...] = ()
    try:
        exchanges = (await client.list_jobs(JobQuery())).exchanges
    except AmsError as exc:
        texts += [str(exc), repr(exc), exc.message]
        exchanges = (exc.exchange,) if exc.exchange else ()
    await client.aclose()
    assert exchanges, "the request was never made"
    for ex in exchanges:
        assert ex is not None
        texts += [ex.url, repr(ex.headers), ex.request_line, ex.body]  # type: ignore[attr-defined]
    for handler_ in logging.getLogger("amstui").handlers:
        handler_.flush()
    texts += [log.read_text(encoding="utf-8"), caplog.text]
    for text in texts:
        assert CANARY not in text, text[:500]
        assert RMS_KEY_CANARY not in text, text[:500]


REDIRECT_TEMPLATES = [
    "https://{t}@evil.invalid/api/",
    "https://x:{t}@evil.invalid/api/",
    "https://evil.invalid/{t}/api/",
    "https://{t}.evil.invalid/api/",
    "https://{T}.EVIL.INVALID/api/",
    "http://{t}.localhost:1/api/",
    "https://acct.restv2.westus.media.azure.net.{t}.invalid/api/",
    "https://[{t}]/api/",
]


@pytest.mark.parametrize("template", REDIRECT_TEMPLATES)
async def test_canary_in_a_redirect_never_leaks(
    template: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = logfile.configure(tmp_path / "amstui.log", level=logging.DEBUG)
    assert log is not None
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        token = request.headers["Authorization"].split(" ", 1)[1]
        return httpx.Response(301, headers={"Location": template.format(t=token, T=token.upper())})

    client = AmsV2Client(
        "https://acct.restv2.westus.media.azure.net/api/",
        auth=BearerTokenAuth(FakeCredential(CANARY), "s"),
        transport=httpx.MockTransport(handler),
        sleep=_no_sleep,
    )
    with pytest.raises(AmsError) as info:
        await client.list_jobs_raw()
    exc = info.value
    assert hosts == ["acct.restv2.westus.media.azure.net"]  # nothing was sent elsewhere
    ex = exc.exchange
    assert ex is not None
    logging.getLogger("amstui").warning("failed: %s", exc)
    for handler_ in logging.getLogger("amstui").handlers:
        handler_.flush()
    texts = [str(exc), repr(exc), ex.url, ex.request_line, repr(ex.headers), ex.body]
    texts += [log.read_text(encoding="utf-8"), caplog.text, client.endpoint]
    for text in texts:
        assert CANARY.lower() not in text.lower(), text[:500]


async def test_canary_echoed_into_fields_never_reaches_a_parsed_value() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].split(" ", 1)[1]
        escaped = "\\u0065" + token[1:]  # JSON for the same string
        tasks = [
            {
                "Id": "t1",
                "State": 4,
                "Name": f"Bearer {token}",
                "ErrorDetails": [{"Code": "E", "Message": "@@E@@"}],
                "HistoricalEvents": [{"Code": "c", "Message": token.upper()}],
            }
        ]
        text = json.dumps({"value": tasks}).replace("@@E@@", escaped)
        return httpx.Response(200, content=text.encode(), headers={"request-id": token})

    client = AmsV2Client(
        "https://acct.restv2.westus.media.azure.net/api/",
        auth=BearerTokenAuth(FakeCredential(CANARY), "s"),
        transport=httpx.MockTransport(handler),
    )
    fetched = await client.get_tasks(JOB_ID)
    task = fetched.value[0]
    assert task.error_details[0].message == "REDACTED"  # the field is kept, its secret is not
    for text in (repr(fetched.value), fetched.exchanges[0].body, repr(fetched.exchanges[0])):
        assert CANARY.lower() not in text.lower(), text[:500]


@pytest.mark.parametrize(
    "template",
    ["https://{t}.evil.invalid/api/", "https://{T}.evil.invalid/api/", "https://{t}@evil.invalid/"],
)
async def test_an_opaque_token_lowercased_in_a_host_name_is_scrubbed(template: str) -> None:
    # Not a JWT (so no pattern knows it): only the client's list of its own tokens does, and a
    # host name comes back lowercased.
    opaque = "CanaryOpaqueToken0042XYZ"

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].split(" ", 1)[1]
        where = template.format(t=token, T=token.upper())
        return httpx.Response(301, headers={"Location": where})

    client = AmsV2Client(
        "https://acct.restv2.westus.media.azure.net/api/",
        auth=BearerTokenAuth(FakeCredential(opaque), "s"),
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(AmsError) as info:
        await client.list_jobs_raw()
    exchange = info.value.exchange
    assert exchange is not None
    for text in (str(info.value), repr(exchange.headers), exchange.body):
        assert opaque.lower() not in text.lower(), text
