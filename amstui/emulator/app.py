"""The emulated AMS v2 REST service, as a plain ASGI application.

`Emulator` holds the account (simulation, clock, faults, counters) and is itself the ASGI app:
serve it with uvicorn (`amstui.emulator.server`) or call it in-process through
`Emulator.transport()`. API routes live under `/api/` (and `/API/`); the admin path
`/_emulator/...` (see `admin.py`) sets faults, steps the clock and reads the counters.

Protocol rules enforced on every API request: a Bearer token (401 otherwise; expired tokens
and, if configured, any other token than the one given are refused), an `x-ms-version` within
2.0-2.19 (400 otherwise), content negotiation between minimal metadata and verbose JSON.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from operator import attrgetter
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx

from amstui.ams.model import API_VERSIONS, JOB_PROPERTIES, TASK_PROPERTIES, JobState
from amstui.emulator import admin
from amstui.emulator.clock import VirtualClock
from amstui.emulator.csdl import metadata_document
from amstui.emulator.faults import Burst, Faults
from amstui.emulator.query import (
    PAGE_CAP,
    QueryError,
    compile_filter,
    compile_orderby,
    parse_count,
    parse_select,
    sort_rows,
)
from amstui.emulator.reply import Reply
from amstui.emulator.serialize import EDM_TYPES, Formatter, key_url
from amstui.emulator.simulation import JobView, SimConfig, SimJob, Simulation, TaskView
from amstui.emulator.v3_routes import V3Service

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

MAX_BODY = 1024 * 1024
GLOBAL_HOSTS = frozenset({"localhost", "media.windows.net"})

_ROOT = re.compile(r"^(?P<prefix>/relocated-\d+)?/(?:api|API)(?:/(?P<rest>.*))?$")
_RESOURCE = re.compile(
    r"^(?P<set>[A-Za-z]+)(?:\((?P<key>'(?:[^']|'')*'|)\))?(?:/(?P<nav>[A-Za-z$]+))?$"
)
_BEARER = re.compile(r"^Bearer\s+(\S+)$", re.IGNORECASE)
#: Injected status faults in the v3 shapes: ARM error code and message.
ARM_FAULTS = {
    "503": ("ServiceUnavailable", "The service is temporarily unavailable. Please retry."),
    "429": (
        "TooManyRequests",
        "The request is being throttled as the limit has been reached for operation type - "
        "Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/armthrottling",
    ),
    "500": ("InternalServerError", "An internal error occurred. Please retry."),
}


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    sim: SimConfig = field(default_factory=SimConfig)
    start: datetime | None = None
    speed: float = 1.0
    #: When set, only this bearer token is accepted.
    token: str | None = None
    #: Answer requests to a "global" host (localhost) with 301 to the account root.
    legacy_redirect: bool = False
    date_style: str = "auto"
    faults: str = ""
    log_size: int = 5000
    #: Wire shape: "v2" (AMS v2 REST), "v3" (ARM: Azure, Ravnur RMS) or "mkio" (MK.IO).
    api: str = "v2"
    #: v3 shapes: the account's ARM coordinates (MK.IO: `account` is the project name).
    subscription: str = "00000000-0000-0000-0000-000000000000"
    resource_group: str = "amstui-demo"
    account: str = "amstuidemo"
    #: v3 shapes: jobs per page (transforms: 1000 per page).
    page_size: int = 100
    #: v3 shapes: refuse past ARM's token buckets with 429 (otherwise only count).
    arm_throttle: bool = False
    #: ARM shape: serve RMS's `POST /auth/token`; then only the tokens it issued are accepted.
    rms_api_key: str | None = None


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(slots=True)
class Request:
    method: str
    path: str
    rest: str
    query: dict[str, str]
    headers: dict[str, str]
    root: str
    body: bytes
    fmt: Formatter


class Stats:
    def __init__(self, log_size: int) -> None:
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_route_status: Counter[tuple[str, int]] = Counter()
        self.log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self.total = 0

    def record(self, entry: dict[str, Any]) -> None:
        self.total += 1
        self.by_route[entry["route"]] += 1
        self.by_status[entry["status"]] += 1
        self.by_route_status[(entry["route"], entry["status"])] += 1
        self.log.append(entry)

    def reset(self) -> None:
        self.by_route.clear()
        self.by_status.clear()
        self.by_route_status.clear()
        self.log.clear()
        self.total = 0

    def snapshot(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_route": dict(self.by_route),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "by_route_status": {f"{r} {s}": n for (r, s), n in self.by_route_status.items()},
        }


def _job_props() -> dict[str, tuple[str, Callable[[JobView], Any]]]:
    return {
        "Id": ("string", lambda v: v.id),
        "Name": ("string", lambda v: v.name),
        "State": ("int", lambda v: int(v.state)),
        "Priority": ("int", lambda v: v.priority),
        "Created": ("datetime", lambda v: v.created),
        "LastModified": ("datetime", lambda v: v.last_modified),
        "StartTime": ("datetime", lambda v: v.start_time),
        "EndTime": ("datetime", lambda v: v.end_time),
        "RunningDuration": ("double", lambda v: v.running_duration_ms),
        "TemplateId": ("string", lambda v: v.template_id),
    }


def _task_props() -> dict[str, tuple[str, Callable[[TaskView], Any]]]:
    return {
        "Id": ("string", lambda t: t.id),
        "Name": ("string", lambda t: t.name),
        "State": ("int", lambda t: int(t.state)),
        "Priority": ("int", lambda t: t.sim.priority),
        "Progress": ("double", lambda t: t.progress),
        "StartTime": ("datetime", lambda t: t.start_time),
        "EndTime": ("datetime", lambda t: t.end_time),
        "RunningDuration": ("double", lambda t: t.running_duration_ms),
        "MediaProcessorId": ("string", lambda t: t.sim.media_processor_id),
        "Configuration": ("string", lambda t: t.sim.configuration),
    }


JOB_FILTER_PROPS = _job_props()
TASK_FILTER_PROPS = _task_props()
#: The job properties that never change once a job exists, read from the job itself: an
#: `$orderby` on these alone sorts the account without computing any job's state.
JOB_FIXED_PROPS: dict[str, tuple[str, Callable[[SimJob], Any]]] = {
    "Id": ("string", attrgetter("id")),
    "Name": ("string", attrgetter("name")),
    "Created": ("datetime", attrgetter("created")),
    "LastModified": ("datetime", attrgetter("created")),
    "Priority": ("int", attrgetter("priority")),
    "TemplateId": ("string", attrgetter("template_id")),
}
#: The one fixed property that can be null (the others sort by their value at C speed).
_NULLABLE_FIXED = JOB_FIXED_PROPS["TemplateId"][1]
#: Sorted listings kept (one per `$orderby` text), each valid while the account's jobs stay.
SORTED_CACHE = 16


class Emulator:
    """An AMS v2 account you can talk to. Call it as an ASGI app."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.clock = VirtualClock(self.config.start, self.config.speed)
        self.sim = Simulation(self.config.sim, self.clock.now())
        self.faults = Faults(seed=self.config.sim.seed)
        if self.config.faults:
            self.faults.apply_spec(self.config.faults)
        self.stats = Stats(self.config.log_size)
        self.seen_tokens: set[str] = set()
        self.expired_tokens: set[str] = set()
        self.prefix = ""
        self.relocations = 0
        self._id_counts: dict[str, int] = {}
        self._id_epoch = 0
        self._id_namespace = uuid.UUID(int=self.config.sim.seed % (1 << 128))
        if self.config.api not in ("v2", "v3", "mkio"):
            raise ValueError("api must be v2, v3 or mkio")
        if not 1 <= self.config.page_size <= 1000:
            raise ValueError("page_size must be between 1 and 1000")
        #: `$orderby` text -> (the account's version, its jobs in that order).
        self._sorted: dict[str, tuple[int, list[SimJob]]] = {}
        self.v3: V3Service | None = None
        if self.config.api != "v2":
            self.v3 = V3Service(self, mkio=self.config.api == "mkio")

    def _request_id(self, method: str, path: str, query: str) -> str:
        """Deterministic per (seed, request, repetition): stable screenshots and logs, unique
        ids, whatever order concurrent requests arrive in."""
        key = f"{method} {path}?{query}"
        count = self._id_counts.get(key, 0) + 1
        self._id_counts[key] = count
        if len(self._id_counts) > 100_000:
            self._id_counts.clear()
            self._id_epoch += 1
        return str(uuid.uuid5(self._id_namespace, f"{key}#{count}#{self._id_epoch}"))

    # ------------------------------------------------------------------ in-process use

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that calls this app in-process (no sockets)."""
        return EmulatorTransport(self)

    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, seconds: float) -> datetime:
        now = self.clock.advance(seconds)
        self.sim.advance_to(now)
        return now

    def relocate(self) -> str:
        """Move the account root (301 from the old one from now on); returns the new prefix."""
        self.relocations += 1
        self.prefix = f"/relocated-{self.relocations}"
        return self.prefix

    def expire_tokens(self) -> int:
        """Every token seen so far gets 401 from now on, until the client brings a new one."""
        self.expired_tokens |= self.seen_tokens
        return len(self.expired_tokens)

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        await self._handle(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        method: str = scope["method"]
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query.setdefault(key, value)
        body = await _read_body(receive)
        request_id = self._request_id(method, path, raw_query)
        base_headers = {
            "request-id": request_id,
            "x-ms-request-id": request_id,
            "DataServiceVersion": "3.0;",
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            # The service's own clock (virtual here), as AMS sent it: clients estimate the
            # service time from it (uvicorn's own Date header is turned off).
            "Date": formatdate(self.now().timestamp(), usegmt=True),
        }
        client_request_id = headers.get("x-ms-client-request-id") or headers.get(
            "client-request-id"
        )
        if client_request_id:
            base_headers["x-ms-client-request-id"] = client_request_id[:2096]
        if path == "/_emulator" or path.startswith("/_emulator/"):
            reply = admin.handle(self, method, path, query, body)
            await _send(send, reply, {})
            return
        if self.v3 is not None:
            await self._handle_v3(
                self.v3, scope, send, (method, path, raw_query), query, headers, body, request_id
            )
            return
        fmt = Formatter("", verbose="odata=verbose" in headers.get("accept", ""))
        route = "unknown"
        fault: Burst | None = None
        try:
            match = _ROOT.match(path)
            if not match:
                raise HttpError(404, f"Resource not found for the segment '{path}'.")
            rest = match.group("rest") or ""
            scheme = scope.get("scheme", "http")
            host = headers.get("host", "127.0.0.1")
            redirect = self._redirect_target(scheme, host, match.group("prefix") or "", rest)
            if redirect is not None:
                route = "redirect"
                location = redirect + (f"?{raw_query}" if raw_query else "")
                reply = Reply(301, "", None, {"Location": location})
            else:
                root = f"{scheme}://{host}{self.prefix}/api/"
                fmt = Formatter(root, fmt.verbose, self.config.date_style)
                request = Request(method, path, rest, query, headers, root, body, fmt)
                route = _route_label(rest, method)
                self._check_auth(headers)
                self._check_version(headers, query, rest)
                self._check_accept(headers)
                now = self.clock.now()
                self.sim.advance_to(now)
                fault = self.faults.take(route)
                if self.faults.latency > 0:
                    await asyncio.sleep(self.faults.latency)
                if "$filter" in query or "$orderby" in query:
                    # Filtering or ordering the whole account is the expensive kind of
                    # request: off the event loop, so other clients keep being served.
                    reply = await asyncio.to_thread(self._dispatch, request, now)
                else:
                    reply = self._dispatch(request, now)
        except HttpError as exc:
            reply = Reply(exc.status, fmt.error(exc.message), fmt.content_type, exc.headers)
            if exc.status == 401:
                reply.headers["WWW-Authenticate"] = 'Bearer realm="amstui-emulator"'
        except QueryError as exc:
            reply = Reply(400, fmt.error(str(exc)), fmt.content_type)
        entry = {
            "t": self.clock.now().isoformat(),
            "method": method,
            "path": path + (f"?{raw_query}" if raw_query else ""),
            "route": route,
            "status": reply.status,
            "fault": None,
        }
        if fault is not None and 200 <= reply.status < 300:
            entry["fault"] = fault.kind
            await self._send_faulted(send, reply, fault, base_headers, fmt, entry)
            return
        self.stats.record(entry)
        await _send(send, reply, base_headers)

    async def _handle_v3(
        self,
        v3: V3Service,
        scope: Scope,
        send: Send,
        line: tuple[str, str, str],
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> None:
        method, path, raw_query = line
        origin = f"{scope.get('scheme', 'http')}://{headers.get('host', '127.0.0.1')}"
        now = self.clock.now()
        self.sim.advance_to(now)
        call = (method, path, raw_query, query, headers, body, origin)
        if method == "GET" and path.rstrip("/").lower().endswith("/jobs"):
            # Listings filter and sort the whole account: off the event loop.
            reply, route = await asyncio.to_thread(v3.respond, *call)
        else:
            reply, route = v3.respond(*call)
        correlation = headers.get("x-ms-client-request-id", "")[:200] or request_id
        base = {
            "Cache-Control": "no-cache",
            "OData-Version": "4.0",
            "X-Content-Type-Options": "nosniff",
            "x-ms-request-id": request_id,
            "x-ms-correlation-request-id": correlation,
            "x-ms-routing-request-id": f"LOCAL:{now:%Y%m%dT%H%M%SZ}:{request_id}",
        }
        entry: dict[str, Any] = {
            "t": now.isoformat(),
            "method": method,
            "path": path + (f"?{raw_query}" if raw_query else ""),
            "route": route,
            "status": reply.status,
            "fault": None,
        }
        fault = self.faults.take(route) if 200 <= reply.status < 300 else None
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        if fault is not None:
            entry["fault"] = fault.kind
            await self._send_faulted(
                send, reply, fault, base, Formatter("", False), entry, v3.error_reply
            )
            return
        self.stats.record(entry)
        await _send(send, reply, base)

    def _redirect_target(self, scheme: str, host: str, prefix: str, rest: str) -> str | None:
        hostname, _, port = host.rpartition(":") if ":" in host else (host, "", "")
        if not hostname:
            hostname = host
        # The path was decoded: encode it again (a non-Latin-1 character cannot go in a header).
        rest = quote(rest, safe="/'()$,;=:@!*+&-._~")
        if self.config.legacy_redirect and hostname.lower() in GLOBAL_HOSTS:
            target = "127.0.0.1" + (f":{port}" if port else "")
            return f"{scheme}://{target}{self.prefix}/api/{rest}"
        if prefix != self.prefix:
            return f"{scheme}://{host}{self.prefix}/api/{rest}"
        return None

    def _check_auth(self, headers: dict[str, str]) -> None:
        match = _BEARER.match(headers.get("authorization", "").strip())
        if not match:
            raise HttpError(401, "Authorization header is missing or is not a Bearer token.")
        token = match.group(1)
        if token in self.expired_tokens:
            raise HttpError(401, "The access token has expired.")
        if self.config.token is not None and token != self.config.token:
            raise HttpError(401, "The access token is invalid.")
        self.seen_tokens.add(token)

    def _check_version(self, headers: dict[str, str], query: dict[str, str], rest: str) -> None:
        version = headers.get("x-ms-version")
        if version is None and rest == "$metadata":
            version = query.get("api-version")
        if version is None:
            raise HttpError(400, "The x-ms-version header is required.")
        if version.strip() not in API_VERSIONS:
            raise HttpError(
                400,
                f"Value for x-ms-version header, '{version[:40]}', is invalid or not supported. "
                "Supported versions are 2.0 through 2.19.",
            )

    def _check_accept(self, headers: dict[str, str]) -> None:
        accept = headers.get("accept", "")
        if accept and "json" not in accept and "*/*" not in accept and "xml" in accept:
            raise HttpError(
                406, "Only JSON responses are emulated (application/json); Atom is not."
            )

    async def _send_faulted(
        self,
        send: Send,
        reply: Reply,
        fault: Burst,
        headers: dict[str, str],
        fmt: Formatter,
        entry: dict[str, Any],
        arm_error: Callable[..., Reply] | None = None,
    ) -> None:
        kind = fault.kind
        if kind in ("503", "429", "500"):
            status = int(kind)
            message = {
                "503": "Server is busy. More than 10 requests per second can be throttled.",
                "429": "Too many requests.",
                "500": "An error occurred while processing this request.",
            }[kind]
            extra = {}
            if fault.retry_after is not None:
                extra["Retry-After"] = f"{fault.retry_after:g}"
            entry["status"] = status
            self.stats.record(entry)
            if arm_error is not None:
                code, arm_message = ARM_FAULTS[kind]
                await _send(send, arm_error(status, code, arm_message, extra), headers)
                return
            await _send(send, Reply(status, fmt.error(message), fmt.content_type, extra), headers)
            return
        self.stats.record(entry)
        data = reply.body.encode("utf-8")
        if kind == "malformed":
            data = b'{"odata.metadata":"' + fmt.root.encode() + b"$metadata#Jobs\",'value':[{Id:"
        elif kind == "truncated":
            data = data[: max(1, len(data) // 2)]
        start_headers = dict(headers)
        start_headers.update(reply.headers)
        if reply.content_type:
            start_headers["Content-Type"] = reply.content_type
        if kind == "reset":
            start_headers["Content-Length"] = str(len(data))
            await send(_start(reply.status, start_headers))
            await send(
                {"type": "http.response.body", "body": data[: len(data) // 3], "more_body": True}
            )
            # Raised out of the app: uvicorn closes the connection mid-body; in-process,
            # EmulatorTransport turns it into httpx.ReadError.
            raise DroppedConnection("emulated connection reset")
        start_headers["Content-Length"] = str(len(data))
        await send(_start(reply.status, start_headers))
        if kind == "slow":
            step = max(1, len(data) // 8)
            for offset in range(0, len(data), step):
                await send(
                    {
                        "type": "http.response.body",
                        "body": data[offset : offset + step],
                        "more_body": True,
                    }
                )
                await asyncio.sleep(0.15)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({"type": "http.response.body", "body": data, "more_body": False})

    # ------------------------------------------------------------------ routes

    def _dispatch(self, req: Request, now: datetime) -> Reply:
        rest = req.rest
        if rest == "":
            return self._service_document(req)
        if rest == "$metadata":
            _only(req, "GET")
            return Reply(200, metadata_document(), "application/xml;charset=utf-8")
        if rest == "CancelJob":
            _only(req, "GET", "POST")
            return self._cancel(req, now)
        match = _RESOURCE.match(rest)
        if not match:
            raise HttpError(404, f"Resource not found for the segment '{rest[:200]}'.")
        entity_set, key, nav = match.group("set"), match.group("key"), match.group("nav")
        if entity_set not in ("Jobs", "Tasks"):
            raise HttpError(404, f"Resource not found for the segment '{entity_set}'.")
        if "$expand" in req.query:
            raise HttpError(400, "The $expand operation is not supported in Media Services.")
        for option in req.query:
            if option.startswith("$") and option not in (
                "$filter",
                "$orderby",
                "$top",
                "$skip",
                "$select",
                "$format",
            ):
                raise HttpError(
                    400,
                    f"The query parameter '{option[:40]}' begins with a system-reserved '$' "
                    "character but is not recognized.",
                )
        if not key:
            if nav is not None:
                raise HttpError(400, "Navigation requires a key: Jobs('id')/...")
            if entity_set == "Jobs":
                if req.method == "POST":
                    return self._create_job(req, now)
                _only(req, "GET")
                # Views are computed for the page only, unless a filter or an order on a
                # changing property needs them all (the first listing of 100,000 jobs would
                # compute every one); an order on fixed properties is kept between requests.
                jobs = self._sorted_jobs(req.query) if "$filter" not in req.query else None
                return self._collection(
                    req,
                    "Jobs",
                    self.sim.job_list() if jobs is None else jobs,
                    JOB_FILTER_PROPS,
                    JOB_PROPERTIES,
                    req.fmt.job,
                    to_view=lambda job: self.sim.view(job, now),
                    ordered=jobs is not None,
                )
            _only(req, "GET")
            tasks = [t for v in self.sim.views(now) for t in v.tasks]
            return self._collection(
                req, "Tasks", tasks, TASK_FILTER_PROPS, TASK_PROPERTIES, req.fmt.task
            )
        ident = key[1:-1].replace("''", "'")
        if entity_set == "Jobs":
            return self._job_resource(req, ident, nav, now)
        return self._task_resource(req, ident, nav, now)

    def _service_document(self, req: Request) -> Reply:
        sets = ["Jobs", "Tasks", "Assets", "MediaProcessors", "Locators", "AccessPolicies"]
        if req.fmt.verbose:
            body = json.dumps({"d": {"EntitySets": sets}})
        else:
            body = json.dumps(
                {
                    "odata.metadata": f"{req.root}$metadata",
                    "value": [{"name": s, "url": s} for s in sets],
                }
            )
        return Reply(200, body, req.fmt.content_type)

    def _sorted_jobs(self, query: dict[str, str]) -> list[SimJob] | None:
        """The account's jobs in `$orderby` order when it names fixed properties only (None
        otherwise, or without `$orderby`); sorted once per change of the account."""
        order = query.get("$orderby")
        if order is None:
            return None
        try:
            keys = compile_orderby(order, JOB_FIXED_PROPS, "Job")
        except QueryError:
            return None  # a changing or unknown property: the general path answers
        version = self.sim.version
        cached = self._sorted.get(order)
        if cached is not None and cached[0] == version:
            return cached[1]
        if any(getter is _NULLABLE_FIXED for getter, _ in keys):
            jobs = sort_rows(self.sim.job_list(), keys)
        else:
            # Never null: ordered by the value itself, as `sort_rows` orders them (nulls
            # first), without its per-row key tuples (100,000 jobs: 90 ms -> 35 ms).
            jobs = self.sim.job_list()
            for getter, desc in reversed(keys):
                jobs.sort(key=getter, reverse=desc)
        if len(self._sorted) >= SORTED_CACHE:
            self._sorted.clear()
        self._sorted[order] = (version, jobs)
        return jobs

    def _collection(
        self,
        req: Request,
        entity_set: str,
        rows: list[Any],
        props: dict[str, Any],
        allowed: tuple[str, ...],
        render: Callable[..., dict[str, Any]],
        to_view: Callable[[Any], Any] | None = None,
        ordered: bool = False,
    ) -> Reply:
        """`rows` filtered, ordered and paged; `ordered`: they are in `$orderby` order."""
        entity = entity_set[:-1]
        if (
            to_view is not None
            and not ordered
            and ("$filter" in req.query or "$orderby" in req.query)
        ):
            rows = [to_view(r) for r in rows]
            to_view = None
        text = req.query.get("$filter")
        if text is not None:
            predicate = compile_filter(text, props, entity)
            rows = [r for r in rows if predicate(r)]
        order = req.query.get("$orderby")
        if order is not None and not ordered:
            rows = sort_rows(rows, compile_orderby(order, props, entity))
        skip = parse_count("$skip", req.query.get("$skip")) or 0
        top = parse_count("$top", req.query.get("$top"))
        limit = PAGE_CAP if top is None else min(top, PAGE_CAP)
        select = parse_select(req.query.get("$select"), allowed, entity)
        page = rows[skip : skip + limit]
        if to_view is not None:
            page = [to_view(r) for r in page]
        return Reply(
            200,
            req.fmt.job_collection(page, select)
            if entity_set == "Jobs"
            else req.fmt.collection(entity_set, (render(r, select) for r in page)),
            req.fmt.content_type,
        )

    def _job_resource(self, req: Request, job_id: str, nav: str | None, now: datetime) -> Reply:
        view = self.sim.find(job_id, now)
        if view is None:
            raise HttpError(404, "Resource not found for the segment 'Jobs'.")
        if nav is None:
            if req.method == "DELETE":
                self.sim.remove(job_id)
                return Reply(204)
            _only(req, "GET")
            select = parse_select(req.query.get("$select"), JOB_PROPERTIES, "Job")
            return Reply(
                200, req.fmt.entity("Jobs", req.fmt.job(view, select)), req.fmt.content_type
            )
        _only(req, "GET")
        if nav == "Tasks":
            return self._collection(
                req, "Tasks", list(view.tasks), TASK_FILTER_PROPS, TASK_PROPERTIES, req.fmt.task
            )
        if nav in ("InputMediaAssets", "OutputMediaAssets"):
            return self._assets(req, view, nav)
        if nav in JOB_PROPERTIES:
            value = req.fmt.job(view)[nav]
            return Reply(
                200, req.fmt.property("Jobs", nav, value, EDM_TYPES[nav]), req.fmt.content_type
            )
        raise HttpError(404, f"Resource not found for the segment '{nav}'.")

    def _task_resource(self, req: Request, task_id: str, nav: str | None, now: datetime) -> Reply:
        _only(req, "GET")
        task = self.sim.find_task(task_id, now)
        if task is None:
            raise HttpError(404, "Resource not found for the segment 'Tasks'.")
        if nav is None:
            select = parse_select(req.query.get("$select"), TASK_PROPERTIES, "Task")
            return Reply(
                200, req.fmt.entity("Tasks", req.fmt.task(task, select)), req.fmt.content_type
            )
        if nav in TASK_PROPERTIES:
            value = req.fmt.task(task)[nav]
            return Reply(
                200, req.fmt.property("Tasks", nav, value, EDM_TYPES[nav]), req.fmt.content_type
            )
        if nav in ("InputMediaAssets", "OutputMediaAssets"):
            view = self.sim.find(task.job_id, now)
            assert view is not None
            return self._assets(req, view, nav, only_task=task.id)
        raise HttpError(404, f"Resource not found for the segment '{nav}'.")

    def _assets(self, req: Request, view: JobView, nav: str, only_task: str | None = None) -> Reply:
        job = self.sim.jobs[view.id]
        fmt = req.fmt
        items: list[dict[str, Any]] = []
        if nav == "InputMediaAssets":
            ids = [(a, f"{view.name[:60]} input") for a in job.input_assets]
        else:
            ids = [
                ("nb:cid:UUID:" + t.id.rsplit(":", 1)[1], f"{view.name[:40]} output {i}")
                for i, t in enumerate(job.tasks)
                if (only_task is None or t.id == only_task)
                and view.tasks[i].state == JobState.FINISHED
            ]
        for asset_id, name in ids:
            items.append(
                {
                    "Id": asset_id,
                    "State": 0,
                    "Created": fmt.job(view)["Created"],
                    "LastModified": fmt.job(view)["Created"],
                    "AlternateId": None,
                    "Name": name,
                    "Options": 0,
                    "FormatOption": 0,
                    "Uri": f"https://amstuiemulator.blob.core.windows.net/asset-{asset_id[12:]}",
                    "StorageAccountName": "amstuiemulator",
                }
            )
        return Reply(200, fmt.collection("Assets", items), fmt.content_type)

    def _cancel(self, req: Request, now: datetime) -> Reply:
        raw = req.query.get("jobid")
        if raw is None:
            raise HttpError(400, "The jobid parameter is required.")
        job_id = raw.strip()
        if len(job_id) >= 2 and job_id[0] == job_id[-1] == "'":
            job_id = job_id[1:-1].replace("''", "'")
        if job_id not in self.sim.jobs:
            raise HttpError(404, f"Job '{job_id[:80]}' was not found.")
        previous = self.sim.cancel(job_id, now)
        if previous.is_final or previous == JobState.CANCELING:
            raise HttpError(
                400,
                f"Job '{job_id}' cannot be canceled because it is in the {previous.label} state.",
            )
        return Reply(204)

    def _create_job(self, req: Request, now: datetime) -> Reply:
        if len(req.body) > MAX_BODY:
            raise HttpError(413, "The request body is too large.")
        try:
            payload = json.loads(req.body or b"null")
        except (ValueError, RecursionError):
            raise HttpError(
                400, "Parsing request content failed: the body is not valid JSON."
            ) from None
        if not isinstance(payload, dict):
            raise HttpError(400, "Parsing request content failed: a Job object is expected.")
        uses_metadata = "__metadata" in json.dumps(payload)[:100000]
        if uses_metadata and not req.fmt.verbose:
            raise HttpError(
                400,
                "A request body that uses __metadata must be sent with "
                "Accept: application/json;odata=verbose.",
            )
        name = payload.get("Name")
        if name is not None and (not isinstance(name, str) or len(name) > 4000):
            raise HttpError(400, "Name must be a string of at most 4000 characters.")
        priority = payload.get("Priority")
        if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
            raise HttpError(400, "Priority must be an integer.")
        tasks = payload.get("Tasks")
        if isinstance(tasks, dict):
            tasks = tasks.get("results")
        if not isinstance(tasks, list) or not tasks:
            raise HttpError(400, "A job needs at least one task in Tasks.")
        known = set(JOB_PROPERTIES) | {
            "Tasks",
            "InputMediaAssets",
            "OutputMediaAssets",
            "__metadata",
        }
        for key in payload:
            if key not in known:
                raise HttpError(
                    400,
                    "Parsing request content failed due to: Make sure to only use property "
                    "names that are defined by the type",
                )
        specs: list[dict[str, str]] = []
        for task in tasks[:50]:
            if not isinstance(task, dict):
                raise HttpError(400, "Each task must be an object.")
            mpid, body = task.get("MediaProcessorId"), task.get("TaskBody")
            if not isinstance(mpid, str) or not isinstance(body, str):
                raise HttpError(400, "Each task needs MediaProcessorId and TaskBody strings.")
            spec = {"MediaProcessorId": mpid, "TaskBody": body}
            for opt in ("Configuration", "Name"):
                if isinstance(task.get(opt), str):
                    spec[opt] = task[opt]
            specs.append(spec)
        job = self.sim.create_job(now, name=name or "Untitled job", tasks=specs, priority=priority)
        view = self.sim.find(job.id, now)
        assert view is not None
        location = key_url(req.root, "Jobs", job.id)
        return Reply(
            201,
            req.fmt.entity("Jobs", req.fmt.job(view)),
            req.fmt.content_type,
            {"Location": location},
        )


class DroppedConnection(Exception):
    """The connection is dropped on purpose (the reset fault)."""


class EmulatorTransport(httpx.AsyncBaseTransport):
    """In-process transport; turns the emulated connection reset into `httpx.ReadError`."""

    def __init__(self, app: Emulator) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except DroppedConnection:
            raise httpx.ReadError("connection reset by peer (emulated)", request=request) from None


def _only(req: Request, *methods: str) -> None:
    if req.method not in methods:
        raise HttpError(
            405,
            f"The method {req.method} is not allowed on this resource.",
            {"Allow": ", ".join(methods)},
        )


def _route_label(rest: str, method: str) -> str:
    match = _RESOURCE.match(rest)
    if rest in ("", "$metadata", "CancelJob") or not match:
        return rest or "(service)"
    label = match.group("set")
    if match.group("key"):
        label += "(id)"
    if match.group("nav"):
        label += "/" + match.group("nav")
    if method not in ("GET",):
        label = f"{method} {label}"
    return label


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY + 1:
            chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _start(status: int, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
    }


async def _send(send: Send, reply: Reply, base: dict[str, str]) -> None:
    headers = dict(base)
    headers.update(reply.headers)
    data = reply.body.encode("utf-8")
    if reply.content_type and reply.status != 204:
        headers["Content-Type"] = reply.content_type
    if reply.status != 204:
        headers["Content-Length"] = str(len(data))
    else:
        data = b""
    await send(_start(reply.status, headers))
    await send({"type": "http.response.body", "body": data, "more_body": False})
