"""Issue 9 items 1-3 and 6-10: the client, the parser and the monitor engine against a hostile
HTTP server on a real loopback socket (`tests/hostile_http.py`).

The token is a canary; a server that receives it tries to carry it away (redirects with the
token in userinfo, path or host name, other origins), to echo it into job fields, to crash the
parser, to park the monitor with Retry-After, to trickle bytes and to page forever.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from amstui.ams import client as client_module
from amstui.ams.auth import BearerTokenAuth
from amstui.ams.backend import JobQuery
from amstui.ams.client import MAX_RETRY_AFTER, AmsV2Client, RetryPolicy
from amstui.ams.errors import AmsError, ProtocolError, RedirectError, TransportError
from amstui.bootstrap import logfile
from amstui.monitor.engine import MAX_BACKOFF, MIN_BACKOFF, RefreshEngine
from amstui.monitor.store import JobStore
from tests.conftest import FakeCredential
from tests.hostile_http import HostileServer, Reply, Seen

CANARY = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJob3N0aWxlIjoidHJ1ZSJ9.SE9TVElMRS1zaWduYXR1cmU"
JOB_ID = "nb:jid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1"
#: One attempt, short deadlines: a test never waits on the client's patience.
QUICK = RetryPolicy(
    max_attempts=1, total_budget=5.0, max_retry_after=0.0, request_deadline=2.0, listing_budget=20
)


def job_entity(n: int | str = 1, **fields: object) -> dict[str, object]:
    job_id = n if isinstance(n, str) else f"nb:jid:UUID:{uuid.UUID(int=n)}"
    return {
        "Id": job_id,
        "Name": f"job {n}",
        "Created": "2026-03-02T09:00:00.000",
        "LastModified": "2026-03-02T09:00:00.000",
        "EndTime": None,
        "Priority": 0,
        "RunningDuration": 0.0,
        "StartTime": "2026-03-02T09:00:01.000",
        "State": 2,
        "TemplateId": None,
        **fields,
    }


def task_entity(**fields: object) -> dict[str, object]:
    return {
        "Id": "nb:tid:UUID:00000000-0000-0000-0000-000000000001",
        "Name": "encode",
        "State": 2,
        "Progress": 40.0,
        "StartTime": "2026-03-02T09:00:01.000",
        "EndTime": None,
        "RunningDuration": 1000.0,
        "Priority": 0,
        "MediaProcessorId": "nb:mpid:UUID:1",
        "Configuration": "Adaptive Streaming",
        "PerfMessage": "",
        "ErrorDetails": [],
        "HistoricalEvents": [],
        **fields,
    }


def page(*entities: dict[str, object]) -> Reply:
    return Reply.json(json.dumps({"value": list(entities)}))


def client_at(url: str, retry: RetryPolicy = QUICK, token: str = CANARY) -> AmsV2Client:
    return AmsV2Client(
        url,
        auth=BearerTokenAuth(FakeCredential(token), "https://rest.media.azure.net/.default"),
        retry=retry,
    )


def assert_no_canary(*texts: object) -> None:
    for text in texts:
        shown = str(text)
        assert CANARY.lower() not in shown.lower(), shown[:400]


def error_texts(exc: AmsError) -> list[object]:
    texts: list[object] = [str(exc), repr(exc), exc.message, exc.request_id]
    ex = exc.exchange
    if ex is not None:
        texts += [ex.url, ex.request_line, repr(ex.headers), ex.body, ex.error, repr(ex)]
    return texts


# --------------------------------------------------------------------------- 1-2 redirects

TOKEN_CARRIERS = [
    "http://{t}@evil.invalid/api/",
    "https://{t}@evil.invalid/api/",
    "https://amstui:{t}@evil.invalid/api/",
    "http://evil.example/{t}/api/",
    "https://evil.invalid/{t}/api/",
    "https://{t}.evil.invalid/api/",
    "https://{T}.EVIL.invalid/api/",
    "//{t}.evil.invalid/api/",
    "https://{t}.media.azure.net.evil.invalid/api/",
    "https://evil.invalid/api/?next={t}",
    "https://evil.invalid/api/",
    "javascript:alert(1)",
    "https://[{t}/api/",
    "http://127.0.0.1:99999/api/",
    "http://{t}@127.0.0.1:{port}/api/",  # even the same origin: no userinfo
    "http://amstui:{t}@localhost:{port}/moved/api/",
    "http://127.0.0.1:{port}/{t}/api/",  # the same origin, but the root would hold the token
    "/{T}/api/",
]


@pytest.mark.parametrize("location", TOKEN_CARRIERS)
async def test_a_redirect_never_carries_the_token_away(
    location: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def watching_getaddrinfo(host: Any, *args: Any, **kw: Any) -> Any:
        looked_up.append(str(host))
        return real_getaddrinfo(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", watching_getaddrinfo)
    log = logfile.configure(tmp_path / "amstui.log", level=logging.DEBUG)
    assert log is not None
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    def respond(seen: Seen) -> Reply:
        port = seen.headers["host"].rsplit(":", 1)[1]
        where = location.format(t=seen.token, T=seen.token.upper(), port=port)
        return Reply(301, [("Location", where)])

    with HostileServer(respond) as server:
        client = client_at(server.url)
        with pytest.raises(RedirectError) as info:
            await client.list_jobs_raw(top=5)
        await client.aclose()
    # The server got the token once, on its own origin, and never a second request.
    assert [r.token for r in server.requests] == [CANARY]
    assert client.endpoint == server.url
    assert "redirect" in info.value.message or "Location" in info.value.message
    # The evil host was never even looked up (a TOKEN.evil.invalid name would leak to DNS).
    assert not any("evil" in host.lower() or CANARY.lower() in host.lower() for host in looked_up)
    for handler in logging.getLogger("amstui").handlers:
        handler.flush()
    assert_no_canary(*error_texts(info.value), log.read_text(encoding="utf-8"))


async def test_a_redirect_to_another_loopback_origin_is_not_followed() -> None:
    with HostileServer(lambda seen: page(job_entity(1))) as other:
        elsewhere = f"http://localhost:{other.port}/api/"
        with HostileServer(lambda seen: Reply(301, [("Location", elsewhere)])) as first:
            client = client_at(first.url)
            with pytest.raises(RedirectError, match="another loopback port"):
                await client.list_jobs_raw()
            await client.aclose()
    assert len(first.requests) == 1
    assert other.requests == []  # the second server never saw the token, nor anything else


async def test_a_redirect_within_the_same_origin_is_followed_with_the_token() -> None:
    def respond(seen: Seen) -> Reply:
        if seen.target.startswith("/api/"):
            return Reply(301, [("Location", "/moved/api/")])
        return page(job_entity(1))

    with HostileServer(respond) as server:
        client = client_at(server.url)
        listed = await client.list_jobs_raw()
        await client.aclose()
    assert [r.token for r in server.requests] == [CANARY, CANARY]
    assert len(listed.value) == 1 and client.endpoint.endswith("/moved/api/")


# --------------------------------------------------------------------------- 3 echoed fields


def echoing(seen: Seen) -> Reply:
    """A server that writes the token it was sent into every text field, plainly and escaped."""
    token = seen.token
    escaped = "\\u0065" + token[1:]  # a JSON escape spells the same string once decoded
    if "/Tasks" in seen.target:
        task = task_entity(
            Name=f"task {token}",
            ErrorDetails=[{"Code": token, "Message": f"failed for Bearer {token}"}],
            HistoricalEvents=[
                {"Code": "x", "Message": f"echo {token}", "TimeStamp": "2026-03-02T09:00:02"}
            ],
            PerfMessage="@@ESCAPED@@",
        )
        text = json.dumps({"value": [task]}).replace("@@ESCAPED@@", escaped)
        return Reply.json(text, headers=[("request-id", token)])
    job = job_entity(JOB_ID, Name="@@ESCAPED@@", TemplateId=token.upper())
    if "Jobs(" in seen.target and "Jobs()" not in seen.target:
        text = json.dumps(job)
    else:
        text = json.dumps({"value": [job, job_entity(2, Name=f"Ep {token}")]})
    return Reply.json(text.replace("@@ESCAPED@@", escaped))


async def test_a_token_echoed_into_job_fields_never_reaches_a_parsed_field() -> None:
    with HostileServer(echoing) as server:
        client = client_at(server.url)
        listed = await client.list_jobs_raw()
        detail = await client.get_job_with_tasks(JOB_ID)
        await client.aclose()
    assert server.tokens == {CANARY}
    assert len(listed.value) == 2  # no job lost: the fields are scrubbed, not the jobs
    job = detail.value
    task = job.tasks[0]
    assert "REDACTED" in job.name and "REDACTED" in task.error_details[0].message
    assert_no_canary(
        repr(listed.value),
        repr(job),
        *(e.body for e in listed.exchanges + detail.exchanges),
        *(repr(e.headers) for e in detail.exchanges),
        *(e.request_id for e in detail.exchanges),
    )


# --------------------------------------------------------------------------- the CLI, for real


def fake_az(tmp_path: Path) -> dict[str, str]:
    """An `az` on PATH that hands out the canary (AzureCliCredential runs it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    payload = json.dumps({"accessToken": CANARY, "expires_on": int(time.time()) + 3600})
    az.write_text(f"#!/bin/sh\necho '{payload}'\n", encoding="utf-8")
    az.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "200"}


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amstui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=env,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("show", "--verbose", JOB_ID),
        ("show", "--raw", JOB_ID),
        ("jobs", "--verbose"),
        ("jobs", "-o", "json"),
        ("info", "--check"),
    ],
)
def test_the_commands_never_print_the_token(command: tuple[str, ...], tmp_path: Path) -> None:
    env = fake_az(tmp_path)
    with HostileServer(echoing) as server:
        proc = run_cli(env, *command, "--endpoint", server.url, "--credential", "cli")
    assert server.tokens == {CANARY}, proc.stderr  # the fake az's token really went out
    assert "Traceback" not in proc.stderr
    assert_no_canary(proc.stdout, proc.stderr, Path(env["AMSTUI_LOG_FILE"]).read_text())


@pytest.mark.parametrize(
    ("location", "command"),
    [
        ("https://{t}@evil.invalid/api/", ("show", "--verbose", JOB_ID)),
        ("https://{t}.evil.invalid/", ("show", "--verbose", JOB_ID)),
        ("http://evil.example/{t}/api/", ("jobs", "--verbose")),
        ("https://{t}.evil.invalid/api/", ("info", "--check")),
    ],
)
def test_commands_after_a_hostile_redirect_say_why_without_the_token(
    location: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    env = fake_az(tmp_path)
    with HostileServer(lambda s: Reply(301, [("Location", location.format(t=s.token))])) as server:
        proc = run_cli(env, *command, "--endpoint", server.url, "--credential", "cli")
    # `show` asks for the job and its tasks at once: each is refused, none is re-sent.
    assert len(server.requests) <= 2 and proc.returncode != 0
    assert "refusing redirect" in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
    assert_no_canary(proc.stdout, proc.stderr, Path(env["AMSTUI_LOG_FILE"]).read_text())


# --------------------------------------------------------------------------- 6 parser

HOSTILE_JOBS = [
    job_entity(1, RunningDuration=json.loads("1" + "0" * 400)),
    job_entity(1, Created="0001-01-01T00:00:00+05:00"),
    job_entity(1, EndTime="9999-12-31T23:00:00-05:00"),
    job_entity(1, StartTime="/Date(" + "9" * 5000 + ")/"),
    job_entity(1, LastModified="/Date(-" + "9" * 18 + ")/"),
    job_entity(1, Priority=10**30),
    job_entity(1, State=10**40),
    job_entity(1, Created="2026-13-45T99:99:99"),
]


@pytest.mark.parametrize("entity", HOSTILE_JOBS, ids=range(len(HOSTILE_JOBS)))
async def test_hostile_job_values_are_protocol_errors(entity: dict[str, object]) -> None:
    with HostileServer(lambda seen: page(entity)) as server:
        client = client_at(server.url)
        with pytest.raises(ProtocolError):
            await client.list_jobs_raw()
        await client.aclose()


async def test_a_4300_digit_progress_is_a_protocol_error() -> None:
    body = json.dumps({"value": [task_entity(Progress=0)]}).replace(
        '"Progress": 0', '"Progress": ' + "7" * 4300
    )
    with HostileServer(lambda seen: Reply.json(body)) as server:
        client = client_at(server.url)
        with pytest.raises(ProtocolError):
            await client.get_tasks(JOB_ID)
        await client.aclose()


# --------------------------------------------------------------------------- the engine


class Switch:
    """What the server does now: the test flips it between cycles."""

    def __init__(self, respond: Callable[[Seen], Reply]) -> None:
        self.respond = respond

    def __call__(self, seen: Seen) -> Reply:
        return self.respond(seen)


def good(seen: Seen) -> Reply:
    """A well-behaved AMS v2 account of two processing jobs."""
    if "/Tasks" in seen.target:
        return Reply.json(json.dumps({"value": [task_entity()]}))
    for n in (1, 2):
        if f"Jobs('nb%3Ajid%3AUUID%3A{uuid.UUID(int=n)}')" in seen.target:
            return Reply.json(json.dumps(job_entity(n)))
    return page(job_entity(1), job_entity(2))


def engine_at(url: str, retry: RetryPolicy = QUICK) -> tuple[RefreshEngine, JobStore]:
    now = lambda: datetime.now(UTC)  # noqa: E731
    store = JobStore(now=now)
    return RefreshEngine(client_at(url, retry), store, now=now, interval=2.0), store


def stale(store: JobStore) -> list[bool]:
    return [e.stale_since is not None for e in store.entries.values()]


@pytest.mark.parametrize(
    "fault",
    [
        lambda seen: page(job_entity(1, RunningDuration=json.loads("1" + "0" * 400))),
        lambda seen: page(job_entity(1, Created="0001-01-01T00:00:00+05:00")),
        lambda seen: Reply(301, [("Location", "javascript:alert(1)")]),
        lambda seen: Reply(301, [("Location", f"https://{seen.token}.evil.invalid/api/")]),
        lambda seen: Reply.json("{not json"),
    ],
    ids=["huge-number", "year-0", "javascript-location", "dns-token-location", "bad-json"],
)
async def test_every_failing_cycle_is_degraded_with_stale_rows(
    fault: Callable[[Seen], Reply],
) -> None:
    switch = Switch(fault)
    with HostileServer(switch) as server:
        engine, store = engine_at(server.url)
        await engine.cycle()  # the very first cycle fails: not "connecting" forever
        assert engine.status.state == "degraded" and engine.status.reason
        switch.respond = good
        await engine.cycle()
        assert engine.status.state == "live" and len(store.entries) == 2
        switch.respond = fault
        for _ in range(2):
            await engine.cycle()
            assert engine.status.state == "degraded"
            assert all(stale(store)), "rows must be marked stale while cycles fail"
        assert_no_canary(engine.status.reason)
        switch.respond = good
        await engine.cycle()
        assert engine.status.state == "live" and not any(stale(store))
        await engine.backend.aclose()


async def test_an_untyped_failure_inside_a_cycle_still_degrades(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with HostileServer(good) as server:
        engine, store = engine_at(server.url)
        await engine.cycle()
        assert engine.status.state == "live"

        def broken(*args: object, **kw: object) -> object:
            raise ArithmeticError("a bug, not an AMS error")

        monkeypatch.setattr(client_module.odata, "job_entities", broken)
        await engine.cycle()
        assert engine.status.state == "degraded" and "ArithmeticError" in engine.status.reason
        assert all(stale(store))
        await engine.backend.aclose()


# --------------------------------------------------------------------------- 7 Retry-After

FAR = "Fri, 01 Jan 2037 00:00:00 GMT"


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("999999", MAX_BACKOFF, MAX_BACKOFF),
        ("1e308", MAX_BACKOFF, MAX_BACKOFF),
        (FAR, MAX_BACKOFF, MAX_BACKOFF),
        ("inf", MIN_BACKOFF, 120.0),  # ignored: the engine's own exponential backoff
        ("nan", MIN_BACKOFF, 120.0),
        ("0", MIN_BACKOFF, MIN_BACKOFF),
        ("-30", MIN_BACKOFF, MIN_BACKOFF),
    ],
)
async def test_retry_after_is_bounded_and_r_overrides_it(
    header: str, low: float, high: float
) -> None:
    switch = Switch(lambda seen: Reply.json("{}", status=429, headers=[("Retry-After", header)]))
    with HostileServer(switch) as server:
        engine, _ = engine_at(server.url)
        await engine.cycle()
        waiting = engine.backoff_remaining()
        assert low - 0.5 <= waiting <= high, engine.status.reason
        assert engine.status.state == "degraded"
        switch.respond = good
        before = len(server.requests)
        engine.refresh_now()  # the `r` key
        await engine.cycle()
        assert len(server.requests) > before and engine.status.state == "live"
        await engine.backend.aclose()


def test_parse_retry_after_bounds() -> None:
    parse = client_module.parse_retry_after
    assert parse("999999") == MAX_RETRY_AFTER and parse("1e308") == MAX_RETRY_AFTER
    assert parse(FAR) == MAX_RETRY_AFTER
    assert parse("inf") is None and parse("-inf") is None and parse("nan") is None
    assert parse("0") == 0 and parse("-5") == 0 and parse("12") == 12
    assert parse("Mon, 99 Foo 99999 99:99:99 GMT") is None and parse("garbage") is None
    assert parse("9" * 5000) == MAX_RETRY_AFTER


# --------------------------------------------------------------------------- 9 deadlines


async def test_a_trickling_server_cannot_hold_a_request_past_its_deadline() -> None:
    retry = RetryPolicy(max_attempts=2, total_budget=3.0, request_deadline=1.0, max_retry_after=0)
    trickle = Switch(lambda seen: Reply(200, [("X-Pad", "x" * 200)], b"{}", trickle=0.2))
    with HostileServer(trickle) as server:
        client = client_at(server.url, retry)
        started = time.monotonic()
        with pytest.raises(TransportError, match="deadline"):
            await client.list_jobs_raw()
        assert time.monotonic() - started < 4.0
        await client.aclose()


async def test_the_deadline_does_not_cut_a_slow_sign_in() -> None:
    # The Azure CLI can take seconds to hand out a token: that is not the server trickling.
    retry = RetryPolicy(max_attempts=1, total_budget=1.0, request_deadline=1.0)
    with HostileServer(good) as server:
        client = AmsV2Client(
            server.url,
            auth=BearerTokenAuth(FakeCredential(CANARY, delay=1.5), "s"),
            retry=retry,
        )
        listed = await client.list_jobs_raw()
        await client.aclose()
    assert len(listed.value) == 2 and server.tokens == {CANARY}


async def test_a_trickling_body_marks_the_monitor_stale_and_it_recovers() -> None:
    def slow_body(seen: Seen) -> Reply:
        reply = good(seen)
        reply.trickle = 0.05  # headers arrive, then the body at 20 bytes a second
        return reply

    switch = Switch(good)
    retry = RetryPolicy(max_attempts=1, total_budget=2.0, request_deadline=1.0)
    with HostileServer(switch) as server:
        engine, store = engine_at(server.url, retry)
        await engine.cycle()
        assert engine.status.state == "live"
        switch.respond = slow_body
        started = time.monotonic()
        await engine.cycle()
        assert time.monotonic() - started < 3.0
        assert engine.status.state == "offline" and "deadline" in engine.status.reason
        assert all(stale(store))
        switch.respond = good
        await engine.cycle()
        assert engine.status.state == "live" and not any(stale(store))
        await engine.backend.aclose()


# --------------------------------------------------------------------------- 10 paging


async def test_a_server_ignoring_skip_stops_at_the_first_page_without_new_ids() -> None:
    full = page(*(job_entity(n) for n in range(1000)))
    with HostileServer(lambda seen: full) as server:
        client = client_at(server.url)
        listed = await client.list_jobs(JobQuery())
        await client.aclose()
    assert len(listed.value) == 1000 and len(server.requests) == 2


async def test_new_ids_forever_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 4)

    def forever(seen: Seen) -> Reply:
        start = int(seen.param("$skip", "0"))
        return page(*(job_entity(start + n) for n in range(int(seen.param("$top")))))

    with HostileServer(forever) as server:
        client = client_at(server.url)
        with pytest.raises(ProtocolError, match="stopped listing after 4 pages"):
            await client.list_jobs(JobQuery())
        await client.aclose()
    assert len(server.requests) == 4


async def test_new_ids_forever_is_bounded_in_time() -> None:
    def slow_forever(seen: Seen) -> Reply:
        start = int(seen.param("$skip", "0"))
        reply = page(*(job_entity(start + n) for n in range(int(seen.param("$top")))))
        reply.delay = 0.2
        return reply

    retry = RetryPolicy(max_attempts=1, request_deadline=2.0, listing_budget=0.5)
    with HostileServer(slow_forever) as server:
        client = client_at(server.url, retry)
        with pytest.raises(ProtocolError, match="stopped listing"):
            await client.list_jobs(JobQuery())
        await client.aclose()
    assert 2 <= len(server.requests) <= 5


async def test_a_long_listing_keeps_only_its_last_exchanges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "MAX_KEPT_EXCHANGES", 2)
    jobs = [job_entity(n) for n in range(5500)]

    def paged(seen: Seen) -> Reply:
        start = int(seen.param("$skip", "0"))
        return page(*jobs[start : start + int(seen.param("$top"))])

    with HostileServer(paged) as server:
        client = client_at(server.url)
        listed = await client.list_jobs(JobQuery())
        await client.aclose()
    assert len(listed.value) == 5500
    assert len(listed.exchanges) == 2 and listed.requests == 6 == len(server.requests)


async def test_a_page_longer_than_asked_is_cut_to_what_was_asked() -> None:
    huge = page(*(job_entity(n) for n in range(20_000)))
    with HostileServer(lambda seen: huge) as server:
        client = client_at(server.url)
        listed = await client.list_jobs(JobQuery(limit=5))
        everything = await client.list_jobs(JobQuery())
        await client.aclose()
    assert len(listed.value) == 5
    # No limit: 1,000 asked per page; the server's 20,000 are cut and then repeat: stop.
    assert len(everything.value) == 1000


def test_jobs_limit_5_prints_5_rows_from_a_server_sending_20000() -> None:
    huge = page(*(job_entity(n) for n in range(20_000)))
    with HostileServer(lambda seen: huge) as server:
        proc = run_cli(
            dict(os.environ),
            "jobs",
            "--limit",
            "5",
            "-o",
            "json",
            "--endpoint",
            server.url,
            "--credential",
            "none",
        )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(rows) == 5 and len({row["id"] for row in rows}) == 5


# --------------------------------------------------------------------------- the `r` key


async def test_r_in_the_monitor_overrides_a_server_backoff() -> None:
    from amstui.ui.app import AppOptions, make_app

    busy = Switch(lambda seen: Reply.json("{}", status=429, headers=[("Retry-After", "999999")]))
    with HostileServer(busy) as server:
        options = AppOptions(account="hostile", endpoint=server.url, autostart=False)
        app = make_app(client_at(server.url), options, now=lambda: datetime.now(UTC))
        async with app.run_test(size=(120, 30)) as pilot:
            await app.run_cycle()
            assert app.engine.backoff_remaining() > 200
            busy.respond = good
            before = len(server.requests)
            await pilot.press("r")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert len(server.requests) > before
            assert app.engine.status.state == "live" and len(app.store.entries) == 2


def test_wait_rides_out_hostile_values_to_its_timeout_not_exit_1() -> None:
    # Exit 1 means "a job failed" to CI: an unreadable response must never look like that.
    hostile = page(job_entity(JOB_ID, RunningDuration=json.loads("1" + "0" * 400)))
    with HostileServer(lambda seen: hostile) as server:
        proc = run_cli(
            dict(os.environ),
            "wait",
            JOB_ID,
            "--timeout",
            "4s",
            "--endpoint",
            server.url,
            "--credential",
            "none",
        )
    assert proc.returncode == 4, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
