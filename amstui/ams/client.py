"""`AmsV2Client`: the AMS v2 REST (OData v3) Jobs API over `httpx.AsyncClient`.

What it does on the wire (ams-v2-rest.md):
- sends `x-ms-version`, `DataServiceVersion: 3.0`, `MaxDataServiceVersion: 3.0`, `Accept`
  (minimal metadata unless verbose is chosen) and a fresh `x-ms-client-request-id`;
- never auto-follows redirects: on 301 it re-bases the account root onto `Location`, re-sends
  with the token, and keeps the new root for later calls (httpx would drop the token on a
  cross-origin redirect); only where `RedirectPolicy` lets the token go (the same origin, or
  the cloud's own AMS domain), and never to a Location with a user name or password;
- gives each request a total deadline (connect, headers and body), so a server that trickles
  bytes cannot hold a command or the monitor;
- retries GETs on connect errors, timeouts, 408/429/500/502/503/504 with exponential backoff
  and jitter, honouring `Retry-After`, within bounded attempts and total time; CancelJob only
  where the request cannot have been applied (connect errors, 408/429/503). 401 gets one new
  token and one retry (in `BearerTokenAuth`); 400/403/404 are never retried;
- pages job lists past the 1,000-entity cap with `$skip` until a short page, a page with no
  new ids, or the page/time bounds; a page longer than asked for is cut to what was asked;
- records every attempt as an `Exchange` (token-free) for the detail pane, and scrubs every
  token it handed out from response text before parsing it, so no parsed field carries one.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from amstui.ams import odata
from amstui.ams.backend import Fetched, JobQuery, PageListener
from amstui.ams.endpoint_rules import EndpointError, RedirectPolicy, check_endpoint
from amstui.ams.errors import (
    AmsError,
    AuthenticationError,
    BadRequestError,
    JobAlreadyFinishedError,
    NotFoundError,
    ProtocolError,
    RedirectError,
    ServerError,
    ServiceError,
    ThrottledError,
    TransportError,
)
from amstui.ams.exchange import (
    REDACTED,
    SHOWN_HEADERS,
    Exchange,
    bounded_body,
    redact_jwts,
    redact_text,
    redact_url,
)
from amstui.ams.model import Job, Task

ACCEPT = {
    "minimal": "application/json;odata=minimalmetadata",
    "verbose": "application/json;odata=verbose",
}
PAGE_SIZE = 1000
IDS_PER_QUERY = 40
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
#: A Retry-After is clamped to this (a server asking for days is asking for 5 minutes).
MAX_RETRY_AFTER = 300.0
#: Paging bounds: pages per listing, and the exchanges a listing keeps (the last ones).
MAX_PAGES = 250
MAX_KEPT_EXCHANGES = 20
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
_RETRY_GET = frozenset({408, 429, 500, 502, 503, 504})
_RETRY_ACTION = frozenset({408, 429, 503})
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    #: Total seconds one call may spend, retries and waits included.
    total_budget: float = 45.0
    #: A Retry-After longer than this ends the retries (the monitor backs off instead).
    max_retry_after: float = 30.0
    #: Seconds one request may take from connect to the last byte of the body.
    request_deadline: float = 30.0
    #: Seconds one paged listing may take, all pages together.
    listing_budget: float = 180.0


@dataclass(slots=True)
class _Response:
    status: int
    headers: httpx.Headers
    body: str
    exchanges: list[Exchange] = field(default_factory=list)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date).

    Bounded: non-finite or unreadable values are ignored (None), the past, 0 and negative
    values mean 0 (the caller's minimum backoff), and anything longer is clamped to
    `MAX_RETRY_AFTER`.
    """
    if not value:
        return None
    value = value.strip()[:64]
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = when.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


class AmsV2Client:
    """An AMS v2 account, addressed by its REST root (`https://<acct>.restv2.<region>.../api/`).

    `AmsV3Client` (v3_client.py) reuses its request machinery through the hooks below.
    """

    #: Statuses on which a non-GET is retried (it cannot have been applied).
    _retry_action_statuses: frozenset[int] = _RETRY_ACTION
    #: Whether a non-GET is retried after a connect error (it was never sent).
    _retry_unsent_actions = True
    _auth_hint = (
        " (for AMS v2 this usually means the identity lacks the Contributor or Owner "
        "role, or the cloud, tenant or audience is wrong)"
    )

    def __init__(
        self,
        endpoint: str,
        *,
        auth: httpx.Auth | None = None,
        api_version: str = "2.19",
        accept: str = "minimal",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
        timer: Callable[[], float] = time.perf_counter,
        wallclock: Callable[[], datetime] | None = None,
        user_agent: str = "amstui",
        redirect_policy: RedirectPolicy | None = None,
    ) -> None:
        if accept not in ACCEPT:
            raise ValueError(f"accept must be one of {', '.join(ACCEPT)}")
        self._root = check_endpoint(endpoint)
        #: Where a 301 may take the token: decided by the configured endpoint, not by a server.
        self.redirect_policy = redirect_policy or RedirectPolicy.for_endpoint(self._root)
        self._scrub_cache: tuple[tuple[str, ...], re.Pattern[str] | None] = ((), None)
        self.api_version = api_version
        self.accept = accept
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter
        self._monotonic = monotonic
        # Injectable so that screenshots and snapshot tests show stable latencies and times.
        self._timer = timer
        self._wallclock = wallclock or (lambda: datetime.now(UTC))
        self._auth = auth
        self._http = httpx.AsyncClient(
            auth=auth,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": user_agent},
            event_hooks={"response": [_hold_location]},
        )
        #: Called with the new root whenever a 301 moved the account.
        self.on_rebase: Callable[[str], None] | None = None
        #: Called with each response's exchange as it arrives (the service clock reads `Date`).
        self.on_response: Callable[[Exchange], None] | None = None

    def __repr__(self) -> str:
        return f"AmsV2Client({self._root!r}, api_version={self.api_version!r})"

    @property
    def endpoint(self) -> str:
        return self._root

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AmsV2Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ operations

    async def list_jobs(
        self, query: JobQuery, on_page: PageListener | None = None
    ) -> Fetched[list[Job]]:
        orderby = odata.orderby([("Created", True)]) if query.newest_first else None
        if len(query.ids) <= IDS_PER_QUERY:
            return await self.list_jobs_raw(
                filter=self.filter_for(query), orderby=orderby, top=query.limit, on_page=on_page
            )
        # A long id list would make a very long URL: several queries, merged.
        jobs: list[Job] = []
        exchanges: list[Exchange] = []
        omitted = 0
        for start in range(0, len(query.ids), IDS_PER_QUERY):
            part = replace(query, ids=query.ids[start : start + IDS_PER_QUERY])
            fetched = await self.list_jobs_raw(filter=self.filter_for(part), orderby=orderby)
            jobs.extend(fetched.value)
            exchanges.extend(fetched.exchanges)
            omitted += fetched.omitted
        if query.newest_first:
            jobs.sort(key=lambda j: j.created or datetime.min.replace(tzinfo=UTC), reverse=True)
        kept = jobs[: query.limit] if query.limit is not None else jobs
        return Fetched(kept, tuple(exchanges), omitted)

    @staticmethod
    def filter_for(query: JobQuery) -> str | None:
        state_clause = odata.state_in(query.states) if query.states else ""
        created_clause = (
            odata.compare("Created", "gt", query.created_after) if query.created_after else ""
        )
        if query.either and state_clause and created_clause:
            main = odata.any_of(state_clause, created_clause)
        else:
            main = odata.all_of(state_clause, created_clause)
        name_clause = (
            odata.startswith("Name", query.name_startswith) if query.name_startswith else ""
        )
        ids_clause = (
            odata.any_of(*(odata.compare("Id", "eq", odata.validate_job_id(i)) for i in query.ids))
            if query.ids
            else ""
        )
        return odata.all_of(main, name_clause, ids_clause) or None

    async def list_jobs_raw(
        self,
        *,
        filter: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        skip: int = 0,
        select: str | None = None,
        on_page: PageListener | None = None,
    ) -> Fetched[list[Job]]:
        """Jobs matching `filter`, paging by `$skip` past the 1,000 cap until a short page.

        Bounded against a server that ignores `$skip` or `$top`: a page is cut to the size
        asked for, paging stops at a page that brings no new ids, and more than `MAX_PAGES`
        pages or `listing_budget` seconds is a `ProtocolError`. Only the last
        `MAX_KEPT_EXCHANGES` exchanges are kept (`Fetched.omitted` counts the others).

        Pipelined: once a page is known to be full and to bring new ids (its JSON read, not
        yet its jobs), the next page is asked for, and this page's jobs are read in a worker
        thread meanwhile, so the server's work and ours overlap. `on_page` gets each page's
        new jobs as they are read (the next request is then in flight). With `on_page` and no
        `top` (the monitor's first load) two requests are kept in flight, so the server is
        not idle while a page is read here: at 100,000 jobs the load took ~2 s less. The
        request past the last page is then canceled, but may have been answered: one more
        request than the minimum, once per first load.
        """
        if top is not None and top < 0:
            raise ValueError("top must be >= 0")
        jobs: list[Job] = []
        seen: set[str] = set()
        exchanges: list[Exchange] = []
        omitted = 0
        offset = skip
        started = self._monotonic()
        pages = 0

        def fetch(offset: int, want: int) -> asyncio.Task[_Response]:
            query = odata.query_string(
                {
                    "$filter": filter,
                    "$orderby": orderby,
                    "$skip": offset or None,
                    "$top": want,
                    "$select": select,
                }
            )
            return asyncio.ensure_future(self._call("GET", "Jobs()", query))

        def may_page_on() -> None:
            if pages >= MAX_PAGES or (
                pages and self._monotonic() - started > self.retry.listing_budget
            ):
                raise ProtocolError(
                    f"stopped listing after {pages} pages and {len(seen)} jobs: the server "
                    "keeps sending more (it may be ignoring $skip)",
                    exchange=exchanges[-1] if exchanges else None,
                )

        if top == 0:
            return Fetched([], ())
        want = PAGE_SIZE if top is None else min(PAGE_SIZE, top)
        # A first load of the monitor (pages handed on as they come, no limit) keeps two
        # requests in flight, so that the server is never idle while this side reads a page;
        # a listing that stops at a short page then leaves one request unanswered (canceled).
        depth = 2 if on_page is not None and top is None else 1
        may_page_on()
        ahead: deque[asyncio.Task[_Response]] = deque([fetch(offset, want)])
        asked = offset + want  # where the next request starts
        try:
            while ahead:
                pages += 1
                resp = await ahead.popleft()
                exchanges.extend(resp.exchanges)
                if len(exchanges) > MAX_KEPT_EXCHANGES:
                    omitted += len(exchanges) - MAX_KEPT_EXCHANGES
                    del exchanges[:-MAX_KEPT_EXCHANGES]
                # Trust no page beyond what was asked for.
                items = self._parse(odata.job_entities, resp)[:want]
                fresh = []
                for item in items:
                    # Skip-paging over a changing list can repeat a job: keep the first.
                    job_id = odata.entity_id(item)
                    if job_id is None or job_id not in seen:
                        if job_id is not None:
                            seen.add(job_id)
                        fresh.append(item)
                offset += len(items)
                count = len(seen)
                if len(items) == want and fresh and (top is None or count < top):
                    want = PAGE_SIZE if top is None else min(PAGE_SIZE, top - count)
                    if not ahead:
                        asked = offset  # in step with what came (one request at a time)
                    while len(ahead) < depth:
                        may_page_on()
                        ahead.append(fetch(asked, want))
                        asked += want
                    page = await asyncio.to_thread(self._parse_jobs, fresh, resp)
                else:
                    for extra in ahead:  # past the end: not wanted
                        extra.cancel()
                    page = self._parse_jobs(fresh, resp)
                    ahead.clear()
                jobs.extend(page)
                if on_page is not None and page:
                    on_page(page)
        finally:
            for extra in ahead:  # a page was refused: the next ones are not wanted
                extra.cancel()
                with contextlib.suppress(BaseException):
                    await extra
        return Fetched(jobs, tuple(exchanges), omitted)

    def _parse_jobs(self, items: list[dict[str, Any]], resp: _Response) -> list[Job]:
        return self._parse(lambda _body, scrub=None: odata.parse_jobs(items), resp)

    async def get_job(self, job_id: str, *, via: str = "key") -> Fetched[Job]:
        """One job: `Jobs('id')`, or the REST sample's `Jobs()?$filter=Id eq '...'&$top=1`."""
        job_id = odata.validate_job_id(job_id)
        if via == "filter":
            query = odata.query_string({"$filter": odata.compare("Id", "eq", job_id), "$top": 1})
            resp = await self._call("GET", "Jobs()", query)
            found = self._parse(odata.parse_jobs_body, resp)
            if not found:
                raise NotFoundError(
                    f"job {job_id} does not exist", status=200, exchange=resp.exchanges[-1]
                )
            return Fetched(found[0], tuple(resp.exchanges))
        resp = await self._call("GET", odata.key_segment("Jobs", job_id))
        return Fetched(self._parse(odata.parse_job_body, resp), tuple(resp.exchanges))

    async def get_tasks(self, job_id: str) -> Fetched[tuple[Task, ...]]:
        job_id = odata.validate_job_id(job_id)
        resp = await self._call("GET", odata.key_segment("Jobs", job_id) + "/Tasks")
        return Fetched(self._parse(odata.parse_tasks_body, resp), tuple(resp.exchanges))

    async def get_job_with_tasks(self, job_id: str) -> Fetched[Job]:
        job, tasks = await asyncio.gather(self.get_job(job_id), self.get_tasks(job_id))
        return Fetched(job.value.with_tasks(tasks.value), job.exchanges + tasks.exchanges)

    async def cancel_job(self, job_id: str) -> Fetched[None]:
        """`CancelJob?jobid='...'`: 204. A job already final or canceling gives a clear error."""
        job_id = odata.validate_job_id(job_id)
        query = odata.query_string({"jobid": odata.string_literal(job_id)})
        try:
            resp = await self._call("GET", "CancelJob", query, idempotent=False)
        except BadRequestError as exc:
            raise JobAlreadyFinishedError(
                f"job {job_id} cannot be canceled: it is already finished, failed, "
                f"canceled or canceling (server: {exc.message})",
                status=exc.status,
                request_id=exc.request_id,
                exchange=exc.exchange,
            ) from None
        return Fetched(None, tuple(resp.exchanges))

    # ------------------------------------------------------------------ transport

    def _parse(self, parse: Callable[..., R], resp: _Response) -> R:
        try:
            return parse(resp.body, scrub=self._scrub_secrets)
        except ProtocolError as exc:
            exchange = resp.exchanges[-1]
            raise ProtocolError(
                self._scrub(exc.message),
                status=resp.status,
                request_id=exchange.request_id,
                exchange=exchange,
            ) from None

    def _scrub(self, text: str) -> str:
        """Text with bearer tokens removed, including ones a server echoed back verbatim."""
        return self._scrub_secrets(redact_text(text))

    def _scrub_secrets(self, text: str) -> str:
        """Text with every token this client handed out (in any letter case, as a DNS name
        lowercases it) and every JWT-looking string replaced by REDACTED."""
        lowered = text.lower()
        tokens, pattern = self._known_pattern()
        # A plain search first: the case-insensitive regex is slow on a large body.
        if pattern is not None and any(t.lower() in lowered for t in tokens):
            text = pattern.sub(REDACTED, text)
        return redact_jwts(text, lowered)

    def _known_pattern(self) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
        known = getattr(self._auth, "known_tokens", None)
        tokens = tuple(t for t in known() if t) if callable(known) else ()
        if tokens != self._scrub_cache[0]:
            pattern = (
                re.compile("|".join(re.escape(t) for t in tokens), re.IGNORECASE)
                if tokens
                else None
            )
            self._scrub_cache = (tokens, pattern)
        return self._scrub_cache

    async def _call(
        self, method: str, path: str, query: str = "", *, idempotent: bool = True
    ) -> _Response:
        policy = self.retry
        started = self._monotonic()
        exchanges: list[Exchange] = []
        redirects = 0
        attempt = 0
        while True:
            attempt += 1
            # An absolute path is a service-given link (v3 nextLink), checked by the caller.
            absolute = path.startswith(("https://", "http://"))
            url = (path if absolute else self._root + path) + (f"?{query}" if query else "")
            remaining = policy.total_budget - (self._monotonic() - started)
            deadline = max(1.0, min(policy.request_deadline, remaining))
            try:
                resp = await self._send_once(method, url, attempt, deadline)
            except _TransportFailure as failure:
                exchanges.append(failure.exchange)
                retryable = idempotent or (failure.before_send and self._retry_unsent_actions)
                delay = self._backoff(attempt, None)
                if retryable and self._may_retry(attempt, started, delay):
                    await self._sleep(delay)
                    continue
                raise TransportError(failure.message, exchange=failure.exchange) from None
            exchanges.append(resp.exchanges[0])
            resp.exchanges = exchanges
            status = resp.status
            if status == 301:
                redirects += 1
                self._rebase(resp, url, redirects)
                attempt -= 1  # a redirect is not a failed attempt
                continue
            if 200 <= status < 300:
                return resp
            retry_on = _RETRY_GET if idempotent else self._retry_action_statuses
            if status in retry_on:
                retry_after = parse_retry_after(resp.headers.get("retry-after"))
                delay = self._backoff(attempt, retry_after)
                too_long = retry_after is not None and retry_after > policy.max_retry_after
                if not too_long and self._may_retry(attempt, started, delay):
                    await self._sleep(delay)
                    continue
                raise self._error(resp, retry_after=retry_after)
            raise self._error(resp)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self._jitter())

    def _may_retry(self, attempt: int, started: float, delay: float) -> bool:
        if attempt >= self.retry.max_attempts:
            return False
        return self._monotonic() - started + delay <= self.retry.total_budget

    def _rebase(self, resp: _Response, url: str, redirects: int) -> None:
        """Move the account root to the 301's Location, if the token may go there.

        Checked before any request (so before any DNS lookup of the new host): a Location
        that is not a usable URL, carries a user name or password, is not https (or http on
        loopback), or leads where `redirect_policy` does not send the token is a
        `RedirectError`, whose message is scrubbed of every known token.
        """
        exchange = resp.exchanges[-1]

        def refuse(problem: str) -> RedirectError:
            return RedirectError(self._scrub(problem), status=301, exchange=exchange)

        location = resp.headers.get("location")
        if not location or not location.strip():
            raise refuse("301 without a Location")
        if redirects > MAX_REDIRECTS:
            raise refuse("too many redirects")
        try:
            target = urljoin(url, location.strip())
            parts = urlsplit(target)
            if parts.username is not None or parts.password is not None or "@" in parts.netloc:
                raise refuse(
                    "refusing redirect: the Location carries a user name or password "
                    f"(to {parts.hostname or '?'})"
                )
            shown = redact_url(target)
            if self._scrub_secrets(target) != target:
                # Even the same origin: a root holding the token would show it everywhere.
                raise refuse("refusing redirect: the Location carries a token")
            relative = url[len(self._root) :]
            if relative and target.endswith(relative):
                new_root = target[: -len(relative)]
            else:
                path = parts.path
                cut = path.lower().rfind("/api/")
                new_root = target if cut < 0 else target[: target.find(path) + cut + len("/api/")]
            new_root = check_endpoint(new_root.split("?", 1)[0].split("#", 1)[0])
        except EndpointError as exc:
            raise refuse(f"refusing redirect to {shown}: {exc}") from None
        except ValueError:
            raise refuse(f"301 with an invalid Location: {location[:200]!r}") from None
        problem = self.redirect_policy.refusal(new_root)
        if problem is not None:
            raise refuse(f"refusing redirect to {shown}: {problem}")
        self._root = new_root
        if self.on_rebase is not None:
            self.on_rebase(new_root)

    async def _send_once(
        self, method: str, url: str, attempt: int, deadline: float = 30.0
    ) -> _Response:
        headers = self._request_headers()
        started_at = self._wallclock()
        t0 = self._timer()
        shown_url = self._scrub(redact_url(url))
        sent = False
        # The deadline is for the server, not for a sign-in: get the token first (cached, or
        # from a credential that may take seconds, such as the Azure CLI).
        get_token = getattr(self._auth, "token", None)
        if callable(get_token):
            await get_token()
        try:
            async with asyncio.timeout(deadline):
                request = self._http.build_request(method, url, headers=headers)
                response = await self._http.send(request, stream=True)
                sent = True
                try:
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_RESPONSE_BYTES:
                            raise ProtocolError(
                                f"response larger than {MAX_RESPONSE_BYTES // 2**20} MiB"
                            )
                        chunks.append(chunk)
                finally:
                    await response.aclose()
        except (httpx.TransportError, httpx.InvalidURL, TimeoutError) as exc:
            latency = self._timer() - t0
            if isinstance(exc, TimeoutError):
                what = f"no complete response within {deadline:.0f}s (request deadline)"
            elif isinstance(exc, httpx.InvalidURL):
                what = "invalid URL"
            else:
                what = _describe(exc)
            message = f"{what} ({method} {urlsplit(shown_url).netloc})"
            before_send = isinstance(
                exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.InvalidURL
            )
            exchange = Exchange(
                method=method,
                url=shown_url,
                status=None,
                headers=(),
                body="",
                body_truncated=False,
                latency_s=latency,
                started_at=started_at,
                attempt=attempt,
                error=message,
            )
            raise _TransportFailure(message, exchange, before_send and not sent) from None
        latency = self._timer() - t0
        got = response.headers.copy()
        held = response.extensions.get(_HELD_LOCATION)
        if isinstance(held, str):
            got["location"] = held
        raw = b"".join(chunks)
        charset = response.charset_encoding or "utf-8"
        try:
            text = raw.decode(charset, errors="replace")
        except LookupError:
            text = raw.decode("utf-8", errors="replace")
        # Known secrets go before anything parses the text: no parsed field can carry one.
        text = self._scrub_secrets(text)
        body, truncated = bounded_body(self._scrub(text))
        shown = tuple((name, self._scrub(got[name])) for name in SHOWN_HEADERS if name in got)
        request_id = got.get("request-id") or got.get("x-ms-request-id")
        request_id = self._scrub(request_id) if request_id else None
        exchange = Exchange(
            method=method,
            url=shown_url,
            status=response.status_code,
            headers=shown,
            body=body,
            body_truncated=truncated,
            latency_s=latency,
            started_at=started_at,
            attempt=attempt,
            request_id=request_id,
        )
        if self.on_response is not None:
            self.on_response(exchange)
        return _Response(response.status_code, got, text, [exchange])

    def _request_headers(self) -> dict[str, str]:
        return {
            "x-ms-version": self.api_version,
            "DataServiceVersion": "3.0",
            "MaxDataServiceVersion": "3.0",
            "Accept": ACCEPT[self.accept],
            "Accept-Charset": "UTF-8",
            "x-ms-client-request-id": str(uuid.uuid4()),
        }

    def _parse_error_body(self, body: str) -> odata.ODataErrorBody | None:
        return odata.parse_error_body(body)

    def _error(self, resp: _Response, *, retry_after: float | None = None) -> AmsError:
        exchange = resp.exchanges[-1]
        parsed = self._parse_error_body(resp.body)
        server = self._scrub(parsed.message) if parsed and parsed.message else ""
        status = resp.status
        kw = {"status": status, "request_id": exchange.request_id, "exchange": exchange}
        detail = f": {server}" if server else ""
        if status == 400:
            return BadRequestError(f"bad request{detail}" if server else "bad request", **kw)  # type: ignore[arg-type]
        if status in (401, 403):
            hint = self._auth_hint
            word = "unauthorized" if status == 401 else "forbidden"
            return AuthenticationError(f"{word}{detail}{hint}", **kw)  # type: ignore[arg-type]
        if status == 404:
            return NotFoundError(f"not found{detail}", **kw)  # type: ignore[arg-type]
        if status in (429, 503):
            wait = f"; retry after {retry_after:.0f}s" if retry_after is not None else ""
            return ThrottledError(
                f"service busy{detail or ' (throttled)'}{wait}",
                retry_after=retry_after,
                **kw,
            )
        if status >= 500:
            return ServerError(f"server error{detail}", **kw)  # type: ignore[arg-type]
        return ServiceError(f"unexpected HTTP {status}{detail}", **kw)  # type: ignore[arg-type]


_HELD_LOCATION = "amstui.location"


async def _hold_location(response: httpx.Response) -> None:
    """Take a redirect's Location out of httpx's hands: httpx would parse it into a follow-up
    request even with redirects off (an invalid one raising InvalidURL); `_rebase` judges it."""
    if 300 <= response.status_code < 400 and "location" in response.headers:
        response.extensions[_HELD_LOCATION] = response.headers["location"]
        del response.headers["location"]


class _TransportFailure(Exception):
    def __init__(self, message: str, exchange: Exchange, before_send: bool) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange
        self.before_send = before_send


def _describe(exc: httpx.TransportError) -> str:
    kinds = [
        (httpx.ConnectTimeout, "connection timed out"),
        (httpx.ReadTimeout, "no response in time (read timeout)"),
        (httpx.WriteTimeout, "write timed out"),
        (httpx.PoolTimeout, "connection pool exhausted"),
        (httpx.ConnectError, "could not connect"),
        (httpx.RemoteProtocolError, "connection dropped by the server"),
        (httpx.ReadError, "connection reset while reading"),
        (httpx.WriteError, "connection reset while sending"),
    ]
    for kind, text in kinds:
        if isinstance(exc, kind):
            return text
    return "network error"
