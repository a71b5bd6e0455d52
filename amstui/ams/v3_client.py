"""`AmsV3Client`: the AMS v3 Jobs API in its two shapes, behind the same `JobsBackend`.

- ARM (Azure, Ravnur RMS): the account's resource URL
  (`.../subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Media/mediaServices/{a}/`),
  `api-version` on every request, jobs listed per transform (ARM has no account-wide list);
- MK.IO: `https://api.mk.io/api/ams/{project}/`, no api-version, an account-wide `jobs` list.

What it does on the wire (ams-v3-arm.md §1-3 and the addendum):
- `$filter` / `$orderby` in v3 syntax from `JobQuery`
  (`properties/state eq Microsoft.Media.JobState'Processing'`, `properties/created gt <ISO>`,
  `name eq '...'`); what v3 cannot filter on (a name prefix) is filtered here;
- `@odata.nextLink` paging, absolute (ARM) or server-relative (MK.IO); a link to another origin
  is refused, because the bearer token would follow it; a repeating link ends the listing;
- GETs are retried as in the v2 client (429/503 honour Retry-After, 401 gets one new token);
  `cancelJob` (a POST) is never retried;
- `x-ms-ratelimit-remaining-subscription-reads` is kept (`reads_remaining`) and shown in the
  exchange records.

The request machinery (retries, 401 refresh, exchange records, scrubbing) is the v2 client's,
reused through its hooks: `_Requests` below only changes the headers, the error-body parser,
and what is retried.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import httpx

from amstui.ams import arm, odata
from amstui.ams.backend import Fetched, JobQuery, ListingTraits, PageListener
from amstui.ams.client import (
    DEFAULT_TIMEOUT,
    MAX_KEPT_EXCHANGES,
    AmsV2Client,
    RetryPolicy,
    _Response,
)
from amstui.ams.errors import AmsError, NotFoundError, ProtocolError
from amstui.ams.exchange import Exchange, quote_safe
from amstui.ams.model import Job, Task

FLAVOURS = ("arm", "mkio")
DEFAULT_API_VERSION = "2022-07-01"
READS_HEADER = "x-ms-ratelimit-remaining-subscription-reads"
#: A listing stops with an error after this many pages (a service that never ends its links).
MAX_PAGES = 5000
#: Transforms listed at once (ARM allows at most 100 transforms per account).
TRANSFORM_CONCURRENCY = 4
#: Job names in one `$filter` (as the v2 client's ids per query).
NAMES_PER_QUERY = 40
_STATE_TYPE = "Microsoft.Media.JobState"
R = TypeVar("R")


class _Requests(AmsV2Client):
    """The v2 client's request machinery with v3 headers, error bodies and retry rules."""

    _retry_action_statuses: frozenset[int] = frozenset()
    _retry_unsent_actions = False
    _auth_hint = (
        " (check the credential: Azure needs a token for the account's cloud and a role on the "
        "account; RMS and MK.IO need their own token or key)"
    )

    def _request_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "x-ms-client-request-id": str(uuid.uuid4())}

    def _parse_error_body(self, body: str) -> odata.ODataErrorBody | None:
        return arm.parse_error_body(body)


class AmsV3Client:
    """An AMS v3 account (ARM shape, or MK.IO with `flavour="mkio"`)."""

    def __init__(
        self,
        endpoint: str,
        *,
        flavour: str = "arm",
        auth: httpx.Auth | None = None,
        api_version: str = DEFAULT_API_VERSION,
        transforms: Iterable[str] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
        timer: Callable[[], float] = time.perf_counter,
        wallclock: Callable[[], datetime] | None = None,
        user_agent: str = "amstui",
    ) -> None:
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {', '.join(FLAVOURS)}")
        self.flavour = flavour
        self.api_version = api_version
        #: Transforms to watch (empty: every transform of the account).
        self.transforms = tuple(arm.check_name("transform", t) for t in transforms)
        self._rest = _Requests(
            endpoint,
            auth=auth,
            transport=transport,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            jitter=jitter,
            monotonic=monotonic,
            timer=timer,
            wallclock=wallclock,
            user_agent=user_agent,
        )
        self._auth = auth
        #: The account's transforms as last listed (None until listed).
        self.known_transforms: tuple[str, ...] | None = None
        #: The last `x-ms-ratelimit-remaining-subscription-reads` seen, and when.
        self.reads_remaining: int | None = None
        self.reads_remaining_at: datetime | None = None

    def __repr__(self) -> str:
        return f"AmsV3Client({self.endpoint!r}, flavour={self.flavour!r})"

    @property
    def endpoint(self) -> str:
        return self._rest.endpoint

    @property
    def listing_traits(self) -> ListingTraits:
        """Listings carry every output's progress; ARM lists per transform (MK.IO too when
        the account names its transforms)."""
        return ListingTraits(
            carries_progress=True,
            per_transform=self.flavour == "arm" or bool(self.transforms),
            fixed_transforms=self.transforms,
        )

    @property
    def auth(self) -> httpx.Auth | None:
        return self._auth

    async def aclose(self) -> None:
        await self._rest.aclose()

    async def __aenter__(self) -> AmsV3Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ operations

    async def list_transforms(self) -> Fetched[list[str]]:
        """Every transform of the account (all pages); remembered in `known_transforms`."""
        kept = _Kept()
        names = await self._pages("transforms", self._query({}), arm.parse_transforms_page, kept)
        self.known_transforms = tuple(dict.fromkeys(names))
        return kept.fetched(list(self.known_transforms))

    async def list_jobs(
        self, query: JobQuery, on_page: PageListener | None = None
    ) -> Fetched[list[Job]]:
        """Jobs matching `query`: per transform on ARM (or when transforms are named), one
        account-wide listing on MK.IO; merged, newest first unless told otherwise.

        `on_page` gets each page's new matching jobs as the page is read (not with a
        `limit`: which jobs make the cut is known only once all pages are in). Only the last
        `MAX_KEPT_EXCHANGES` exchanges are kept (`Fetched.omitted` counts the others), so a
        long listing does not hold every page's body until it ends."""
        kept = _Kept()
        wanted_ids = {arm.split_job_id(i) for i in query.ids}
        transforms: tuple[str, ...] = query.transforms or self.transforms
        if wanted_ids:
            named = {t for t, _ in wanted_ids}
            transforms = tuple(t for t in transforms if t in named) if transforms else tuple(named)
            if not transforms:  # the named jobs are outside the transforms watched
                return Fetched([], ())
        pages = _PageFilter(query, wanted_ids, on_page if query.limit is None else None)
        jobs: list[Job] = []
        if self.flavour == "mkio" and not transforms:
            jobs = await self._pages(
                "jobs",
                self._jobs_query(query, wanted_ids),
                arm.parse_jobs_page,
                kept,
                query.limit,
                pages.page,
            )
        else:
            if not transforms:
                if self.known_transforms is None:
                    listed = await self.list_transforms()
                    kept.add(listed.exchanges, listed.omitted)
                transforms = self.known_transforms or ()
            jobs = await self._jobs_of_transforms(transforms, query, wanted_ids, kept, pages.page)
        return kept.fetched(self._select(jobs, query, wanted_ids))

    async def get_job(self, job_id: str) -> Fetched[Job]:
        transform, name = arm.split_job_id(job_id)
        resp = await self._request("GET", self._job_path(transform, name), self._query({}))
        job = self._rest._parse(
            lambda body, scrub=None: arm.parse_job_body(body, transform, scrub), resp
        )
        return Fetched(job, tuple(resp.exchanges))

    async def get_tasks(self, job_id: str) -> Fetched[tuple[Task, ...]]:
        """A v3 job's outputs as tasks (one GET of the job: outputs come with it)."""
        fetched = await self.get_job(job_id)
        return Fetched(fetched.value.tasks or (), fetched.exchanges)

    async def get_job_with_tasks(self, job_id: str) -> Fetched[Job]:
        return await self.get_job(job_id)

    async def cancel_job(self, job_id: str) -> Fetched[None]:
        """`POST .../cancelJob`: 200 with no body. Never retried."""
        transform, name = arm.split_job_id(job_id)
        path = self._job_path(transform, name) + "/cancelJob"
        resp = await self._request("POST", path, self._query({}), idempotent=False)
        return Fetched(None, tuple(resp.exchanges))

    # ------------------------------------------------------------------ queries

    @staticmethod
    def filter_for(query: JobQuery, names: Iterable[str] = ()) -> str | None:
        """The v3 `$filter` for `query` (a name prefix cannot be expressed: filtered here)."""
        state_clauses = [
            f"properties/state eq {_STATE_TYPE}'{s.v3_word}'" for s in query.states if s.is_known
        ]
        state_clause = odata.any_of(*state_clauses) if state_clauses else ""
        created_clause = (
            f"properties/created gt {_iso(query.created_after)}" if query.created_after else ""
        )
        if query.either and state_clause and created_clause:
            main = odata.any_of(state_clause, created_clause)
        else:
            main = odata.all_of(state_clause, created_clause)
        name_clauses = [f"name eq {odata.string_literal(n)}" for n in dict.fromkeys(names)]
        name_clause = odata.any_of(*name_clauses) if name_clauses else ""
        return odata.all_of(main, name_clause) or None

    def _jobs_query(self, query: JobQuery, wanted: set[tuple[str, str]]) -> str:
        params: dict[str, str | int | None] = {
            "$filter": self.filter_for(query, sorted({n for _, n in wanted})),
            "$orderby": "properties/created desc" if query.newest_first else None,
        }
        return self._query(params)

    def _query(self, params: dict[str, str | int | None]) -> str:
        if self.flavour == "arm":
            params = {"api-version": self.api_version, **params}
        safe = quote_safe() + "/:"
        return "&".join(
            f"{key}={quote(str(value), safe=safe)}"
            for key, value in params.items()
            if value is not None
        )

    @staticmethod
    def _job_path(transform: str, name: str) -> str:
        return f"transforms/{quote(transform, safe='')}/jobs/{quote(name, safe='')}"

    @staticmethod
    def _select(jobs: list[Job], query: JobQuery, wanted: set[tuple[str, str]]) -> list[Job]:
        out = _PageFilter(query, wanted).fresh(jobs)
        if query.newest_first:
            out.sort(key=lambda j: j.created or datetime.min.replace(tzinfo=UTC), reverse=True)
        return out[: query.limit] if query.limit is not None else out

    async def _jobs_of_transforms(
        self,
        transforms: Iterable[str],
        query: JobQuery,
        wanted: set[tuple[str, str]],
        kept: _Kept,
        on_page: Callable[[list[Job]], None] | None = None,
    ) -> list[Job]:
        gate = asyncio.Semaphore(TRANSFORM_CONCURRENCY)
        gone: list[str] = []

        async def one(transform: str, names: tuple[str, ...]) -> list[Job]:
            path = f"transforms/{quote(transform, safe='')}/jobs"
            params: dict[str, str | int | None] = {
                "$filter": self.filter_for(query, names),
                "$orderby": "properties/created desc" if query.newest_first else None,
            }
            async with gate:
                try:
                    return await self._pages(
                        path,
                        self._query(params),
                        lambda body, scrub=None: arm.parse_jobs_page(body, transform, scrub),
                        kept,
                        query.limit,
                        on_page,
                    )
                except NotFoundError as exc:
                    # The transform was deleted since it was listed: it has no jobs left.
                    gone.append(transform)
                    kept.add((exc.exchange,) if exc.exchange else ())
                    return []

        calls: list[Awaitable[list[Job]]] = []
        for transform in dict.fromkeys(transforms):
            names = sorted(n for t, n in wanted if t == transform)
            # Many named jobs make a long URL: several listings of the transform, merged.
            chunks = [names[i : i + NAMES_PER_QUERY] for i in range(0, len(names), NAMES_PER_QUERY)]
            calls.extend(one(transform, tuple(chunk)) for chunk in chunks or [[]])
        results = await asyncio.gather(*calls)
        if gone and self.known_transforms is not None:
            self.known_transforms = tuple(t for t in self.known_transforms if t not in gone)
        return [job for found in results for job in found]

    # ------------------------------------------------------------------ paging and requests

    async def _pages(
        self,
        path: str,
        query: str,
        parse: Callable[..., tuple[list[R], str | None]],
        kept: _Kept,
        limit: int | None = None,
        on_page: Callable[[list[R]], None] | None = None,
    ) -> list[R]:
        """Every item of a collection, following `@odata.nextLink` within the same origin;
        each page to `on_page` as it is read. Its exchanges go to `kept`."""
        items: list[R] = []
        seen_links: set[str] = set()
        target, target_query = path, query
        for _ in range(MAX_PAGES):
            resp = await self._request("GET", target, target_query)
            kept.add(resp.exchanges)
            found, link = self._rest._parse(parse, resp)
            items.extend(found)
            if on_page is not None:
                on_page(found)
            if not link or (limit is not None and len(items) >= limit):
                return items
            target, target_query = self._follow(link, resp), ""
            if target in seen_links:
                raise ProtocolError(
                    "the service repeated a page link; listing stopped",
                    status=resp.status,
                    exchange=resp.exchanges[-1],
                )
            seen_links.add(target)
        raise ProtocolError(f"listing longer than {MAX_PAGES} pages; stopped")

    def _follow(self, link: str, resp: _Response) -> str:
        """The absolute URL of a nextLink, if it stays on the account's origin."""
        target = urljoin(self.endpoint, link.strip())
        if _origin(target) != _origin(self.endpoint) or "@" in urlsplit(target).netloc:
            host = (urlsplit(target).hostname or "")[:80]
            raise ProtocolError(
                f"refusing a page link to another origin ({host!r}): the token must not follow it",
                status=resp.status,
                exchange=resp.exchanges[-1],
            )
        if self.flavour == "arm":
            keys = {k.lower() for k, _ in parse_qsl(urlsplit(target).query)}
            if "api-version" not in keys:
                sep = "&" if urlsplit(target).query else "?"
                target += f"{sep}api-version={quote(self.api_version, safe='')}"
        return target

    async def _request(
        self, method: str, path: str, query: str, *, idempotent: bool = True
    ) -> _Response:
        try:
            resp = await self._rest._call(method, path, query, idempotent=idempotent)
        except AmsError as exc:
            if exc.exchange is not None:
                self._note_reads(exc.exchange)
            raise
        for exchange in resp.exchanges:
            self._note_reads(exchange)
        return resp

    def _note_reads(self, exchange: Exchange) -> None:
        value = exchange.header(READS_HEADER)
        if value is not None and value.strip().isdigit():
            self.reads_remaining = int(value.strip())
            self.reads_remaining_at = exchange.started_at


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("datetimes in a v3 filter must be aware")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    default = {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port if port is not None else default


class _Kept:
    """The last `MAX_KEPT_EXCHANGES` exchanges of a call, and how many more it made: a long
    listing's page bodies (up to 1 MB each) are let go as it goes, not held to its end."""

    __slots__ = ("exchanges", "omitted")

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.omitted = 0

    def add(self, exchanges: Iterable[Exchange], omitted: int = 0) -> None:
        self.exchanges.extend(exchanges)
        self.omitted += omitted
        excess = len(self.exchanges) - MAX_KEPT_EXCHANGES
        if excess > 0:
            del self.exchanges[:excess]
            self.omitted += excess

    def fetched(self, value: R) -> Fetched[R]:
        return Fetched(value, tuple(self.exchanges), self.omitted)


class _PageFilter:
    """The jobs of a listing it returns, page by page: the named jobs, the name prefix, each
    id once (a job can move between pages while they are read); passed on to `listener`."""

    __slots__ = ("_listener", "_prefix", "_seen", "_wanted")

    def __init__(
        self,
        query: JobQuery,
        wanted: set[tuple[str, str]],
        listener: PageListener | None = None,
    ) -> None:
        self._listener = listener
        self._prefix = query.name_startswith
        self._wanted = wanted
        self._seen: set[str] = set()

    @property
    def page(self) -> Callable[[list[Job]], None] | None:
        """What `_pages` calls per page (None without a listener)."""
        return self._pass if self._listener is not None else None

    def fresh(self, jobs: Iterable[Job]) -> list[Job]:
        out = []
        for job in jobs:
            if job.id in self._seen:
                continue
            if self._wanted and (job.transform or "", job.name) not in self._wanted:
                continue
            if self._prefix and not job.name.startswith(self._prefix):
                continue
            self._seen.add(job.id)
            out.append(job)
        return out

    def _pass(self, jobs: list[Job]) -> None:
        fresh = self.fresh(jobs)
        if fresh and self._listener is not None:
            self._listener(fresh)
