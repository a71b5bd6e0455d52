"""The v3 wire shapes of the emulated account: ARM (Azure, Ravnur RMS) and MK.IO.

ARM (`--api v3`), under
`/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Media/mediaServices/{account}`
(segments case-insensitive): `GET transforms`, `GET transforms/{t}`, `GET transforms/{t}/jobs`,
`GET|PUT|PATCH|DELETE transforms/{t}/jobs/{j}`, `POST .../cancelJob`; `api-version` required;
errors in the ARM envelope `{"error": {"code", "message"}}`; RMS's `POST /auth/token`.

MK.IO (`--api mkio`), under `/api/ams/{project}/`: the same routes without `api-version`, plus
the account-wide `GET jobs`; relative nextLinks; `Authorization: Bearer <JWT>` or the legacy
`x-mkio-token` header; a `supplemental` block in every answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from amstui.ams.model import JobState
from amstui.emulator.reply import Reply
from amstui.emulator.simulation import SimJob
from amstui.emulator.throttle import ArmLimits
from amstui.emulator.transforms import Transform, by_name
from amstui.emulator.v3_query import (
    Field,
    QueryError,
    Sorted,
    compile_filter,
    compile_orderby,
    decode_position,
    encode_position,
    page_after,
    parse_top,
    sort_all,
    sort_key,
)
from amstui.emulator.v3_serialize import CONTENT_TYPE, PRIORITIES, Account, normalize_input

if TYPE_CHECKING:
    from amstui.emulator.app import Emulator

STABLE_VERSIONS = ("2018-07-01", "2020-05-01", "2021-06-01", "2021-11-01", "2022-07-01")
PREVIEW_VERSIONS = (
    "2018-03-30-preview",
    "2018-06-01-preview",
    "2019-05-01-preview",
    "2022-05-01-preview",
)
API_VERSIONS = frozenset(STABLE_VERSIONS + PREVIEW_VERSIONS)
TRANSFORM_PAGE_SIZE = 1000
INPUT_TYPES = tuple(
    f"#Microsoft.Media.{kind}"
    for kind in ("JobInputAsset", "JobInputHttp", "JobInputClip", "JobInputs", "JobInputSequence")
)
MAX_BODY = 1024 * 1024
#: Job names: letters and digits, with single runs of '-', '_', '.' between them (the MK.IO
#: SDK's rule, which also demands a letter or digit at both ends).
JOB_NAME = re.compile(r"^[a-zA-Z0-9](?:[-_.]*[a-zA-Z0-9])*$")
_ARM_ROOT = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Media"
    r"/mediaServices/(?P<account>[^/]+)(?:/(?P<rest>.*))?$",
    re.IGNORECASE,
)
_MKIO_ROOT = re.compile(r"^/api/ams/(?P<account>[^/]+)(?:/(?P<rest>.*))?$", re.IGNORECASE)
_BEARER = re.compile(r"^Bearer\s+(\S+)$", re.IGNORECASE)


class ArmError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(slots=True)
class V3Request:
    method: str
    rest: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    body: bytes
    origin: str
    root_path: str


def _job_fields(view_state: Callable[[SimJob], JobState]) -> dict[str, Field]:
    return {
        "name": Field("name", lambda j: j.arm_name.lower()),
        "properties/state": Field("state", view_state, orderable=False),
        "properties/created": Field("date", lambda j: j.created),
        "properties/lastmodified": Field("date", lambda j: j.created),
    }


def _transform_fields(created: datetime) -> dict[str, Field]:
    return {
        "name": Field("name", lambda t: t.name.lower()),
        "properties/created": Field("date", lambda t: created),
        "properties/lastmodified": Field("date", lambda t: created),
    }


def is_jwt(token: str) -> bool:
    """Three base64url segments whose first is a JSON object with `alg` (what MK.IO's SDK and
    service check)."""
    parts = token.split(".")
    if len(parts) != 3 or not all(re.fullmatch(r"[A-Za-z0-9_-]+", p) for p in parts[:2]):
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return False
    return isinstance(header, dict) and "alg" in header


class V3Service:
    """Answers v3 requests for one emulator; `mkio` picks the MK.IO shape."""

    def __init__(self, emu: Emulator, mkio: bool) -> None:
        cfg = emu.config
        self.emu = emu
        self.mkio = mkio
        self.account = Account(
            cfg.subscription,
            "default" if mkio else cfg.resource_group,
            cfg.account,
            mkio,
        )
        self.limits = ArmLimits(cfg.arm_throttle)
        self.issued: set[str] = set()
        self.transforms_created = emu.sim.start - timedelta(days=400)
        #: (listing, order) -> (account version, rows in that order).
        self._sorted: dict[tuple[str, str], tuple[int, Sorted]] = {}

    @property
    def root_path(self) -> str:
        if self.mkio:
            return f"/api/ams/{self.account.account}/"
        cfg = self.emu.config
        return (
            f"/subscriptions/{cfg.subscription}/resourceGroups/{cfg.resource_group}"
            f"/providers/Microsoft.Media/mediaServices/{cfg.account}/"
        )

    # ------------------------------------------------------------------ entry

    def respond(
        self,
        method: str,
        path: str,
        raw_query: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        origin: str,
    ) -> tuple[Reply, str]:
        """The answer and the route label (for stats and faults aimed by route)."""
        route = "unknown"
        try:
            if path.rstrip("/").lower() == "/auth/token" and not self.mkio:
                return self._rms_token(method, body), "auth/token"
            rest = self._match_root(path)
            route = self._route_label(rest, method)
            self._check_auth(headers)
            if not self.mkio:
                self._check_api_version(query)
            req = V3Request(method, rest, query, raw_query, headers, body, origin, path)
            reply = self._dispatch(req)
            allowed, left, wait = self.limits.take(write=method != "GET")
            if not allowed:
                raise ArmError(
                    429,
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation "
                    f"type - {'Write' if method != 'GET' else 'Read'}_TokenBucket. For more "
                    "information, see - https://aka.ms/armthrottling",
                    {"Retry-After": str(wait)},
                )
            kind = "writes" if method != "GET" else "reads"
            reply.headers[f"x-ms-ratelimit-remaining-subscription-{kind}"] = str(left)
            return reply, route
        except ArmError as exc:
            return self.error_reply(exc.status, exc.code, exc.message, exc.headers), route
        except QueryError as exc:
            return self.error_reply(400, "BadRequest", str(exc)), route

    def error_reply(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> Reply:

        error: dict[str, Any] = {"code": code, "message": message}
        if self.mkio:
            # MK.IO's own clients read `error.detail`; ARM clients read `error.message`.
            error["detail"] = message
        reply = Reply(status, json.dumps({"error": error}), CONTENT_TYPE, dict(headers or {}))
        if status == 401:
            reply.headers["WWW-Authenticate"] = 'Bearer realm="amstui-emulator"'
        return reply

    # ------------------------------------------------------------------ protocol rules

    def _match_root(self, path: str) -> str:
        cfg = self.emu.config
        if self.mkio:
            m = _MKIO_ROOT.match(path)
            if not m:
                raise ArmError(404, "NotFound", "The requested resource was not found.")
            if m.group("account").lower() != cfg.account.lower():
                raise ArmError(
                    404, "NotFound", f"Project '{m.group('account')[:100]}' was not found."
                )
            return (m.group("rest") or "").strip("/")
        m = _ARM_ROOT.match(path)
        if not m:
            raise ArmError(404, "NotFound", "The requested resource was not found.")
        if m.group("sub").lower() != cfg.subscription.lower():
            raise ArmError(
                404,
                "SubscriptionNotFound",
                f"The subscription '{m.group('sub')[:100]}' could not be found.",
            )
        if m.group("rg").lower() != cfg.resource_group.lower():
            raise ArmError(
                404,
                "ResourceGroupNotFound",
                f"Resource group '{m.group('rg')[:100]}' could not be found.",
            )
        if m.group("account").lower() != cfg.account.lower():
            raise ArmError(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.Media/mediaServices/{m.group('account')[:100]}' "
                f"under resource group '{cfg.resource_group}' was not found.",
            )
        return (m.group("rest") or "").strip("/")

    def _check_auth(self, headers: dict[str, str]) -> None:
        emu, cfg = self.emu, self.emu.config
        legacy = headers.get("x-mkio-token") if self.mkio else None
        match = _BEARER.match(headers.get("authorization", "").strip())
        if match is None and legacy is None:
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )
        token = match.group(1) if match is not None else (legacy or "").strip()
        if match is not None and self.mkio and not is_jwt(token):
            raise ArmError(
                401, "InvalidAuthenticationToken", "The access token is not a valid JWT."
            )
        if token in emu.expired_tokens:
            raise ArmError(
                401, "ExpiredAuthenticationToken", "The access token expiry UTC time has passed."
            )
        if self.issued or cfg.rms_api_key is not None:
            if token not in self.issued and token != cfg.token:
                raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.")
        elif cfg.token is not None and token != cfg.token:
            raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.")
        emu.seen_tokens.add(token)

    def _check_api_version(self, query: dict[str, str]) -> None:
        version = query.get("api-version")
        if version is None:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        if version not in API_VERSIONS:
            raise ArmError(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{version[:40]}' is invalid. The supported versions are "
                f"'{','.join(STABLE_VERSIONS + PREVIEW_VERSIONS)}'.",
            )

    def _rms_token(self, method: str, body: bytes) -> Reply:

        cfg = self.emu.config
        if cfg.rms_api_key is None:
            raise ArmError(404, "NotFound", "No token endpoint: start with --rms-api-key.")
        if method != "POST":
            raise ArmError(405, "MethodNotAllowed", "Use POST.")
        try:
            payload = json.loads(body[:MAX_BODY] or b"null")
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            raise ArmError(400, "BadRequest", 'The body must be {"subscriptionId", "apiKey"}.')
        lowered = {str(k).lower(): v for k, v in payload.items()}
        if (
            lowered.get("apikey") != cfg.rms_api_key
            or str(lowered.get("subscriptionid", "")).lower() != cfg.subscription.lower()
        ):
            raise ArmError(401, "AuthenticationFailed", "The subscription id or API key is wrong.")
        token = secrets.token_urlsafe(32)
        if len(self.issued) > 10_000:
            self.issued.clear()
        self.issued.add(token)
        return Reply(200, token, "text/plain; charset=utf-8")

    # ------------------------------------------------------------------ routes

    def _route_label(self, rest: str, method: str) -> str:
        parts = rest.split("/") if rest else []
        names = ["", "transforms", "transform", "jobs", "job", "cancelJob"]
        if self.mkio and parts[:1] == ["jobs"] and len(parts) == 1:
            label = "account jobs"
        elif len(parts) <= 5 and parts[:1] in (["transforms"], []):
            label = names[len(parts)] or "(account)"
        else:
            label = "unknown"
        return label if method == "GET" else f"{method} {label}"

    def _dispatch(self, req: V3Request) -> Reply:
        parts = req.rest.split("/") if req.rest else []
        lower = [p.lower() for p in parts]
        if self.mkio and lower == ["jobs"]:
            self._only(req, "GET")
            return self._list_jobs(req, None)
        if not parts or lower[0] != "transforms" or len(parts) > 5:
            raise ArmError(404, "NotFound", "The requested resource was not found.")
        if len(parts) == 1:
            self._only(req, "GET")
            return self._list_transforms(req)
        transform = by_name(parts[1], len(self.emu.sim.transforms))
        if transform is None:
            raise ArmError(404, "NotFound", f"Transform '{parts[1][:100]}' was not found.")
        if len(parts) == 2:
            self._only(req, "GET")
            return self._json(
                self.account.transform(transform, self.transforms_created), "get transform"
            )
        if lower[2] != "jobs":
            raise ArmError(404, "NotFound", "The requested resource was not found.")
        if len(parts) == 3:
            self._only(req, "GET")
            return self._list_jobs(req, transform)
        name = parts[3]
        if len(parts) == 5:
            if lower[4] != "canceljob":
                raise ArmError(404, "NotFound", "The requested resource was not found.")
            self._only(req, "POST")
            return self._cancel(transform, name)
        if req.method == "GET":
            return self._json(self._job_json(self._find(transform, name)), "get job")
        if req.method == "PUT":
            return self._create(req, transform, name)
        if req.method == "PATCH":
            return self._update(req, transform, name)
        if req.method == "DELETE":
            return self._delete(transform, name)
        raise ArmError(
            405,
            "MethodNotAllowed",
            f"The method {req.method[:20]} is not allowed on this resource.",
            {"Allow": "GET, PUT, PATCH, DELETE"},
        )

    def _only(self, req: V3Request, method: str) -> None:
        if req.method != method:
            raise ArmError(
                405,
                "MethodNotAllowed",
                f"The method {req.method[:20]} is not allowed on this resource.",
                {"Allow": method},
            )

    def _json(self, payload: dict[str, Any], operation: str) -> Reply:

        if self.mkio:
            payload = {**payload, "supplemental": self._supplemental(operation)}
        return Reply(200, json.dumps(payload, ensure_ascii=False), CONTENT_TYPE)

    def _supplemental(self, operation: str) -> dict[str, Any]:
        return {
            "operation": operation,
            "subscription": {"id": self.account.subscription, "name": self.account.account},
        }

    def _now(self) -> datetime:
        return self.emu.now()

    def _find(self, transform: Transform, name: str) -> SimJob:
        view = self.emu.sim.find_arm(transform.name, name, self._now())
        job = None if view is None else self.emu.sim.jobs.get(view.id)
        if job is None:
            raise ArmError(404, "NotFound", "The requested resource was not found.")
        return job

    def _job_json(self, job: SimJob) -> dict[str, Any]:
        now = self._now()
        return self.account.job(job, self.emu.sim.view(job, now), now)

    # ------------------------------------------------------------------ collections

    def _page(
        self,
        req: V3Request,
        listing: str,
        source: Callable[[], list[Any]],
        fields: dict[str, Field],
        tiebreak: Callable[[Any], str],
        size: int,
        render: Callable[[Any], dict[str, Any]],
        operation: str,
    ) -> Reply:

        for option in req.query:
            if option.startswith("$") and option not in (
                "$filter",
                "$orderby",
                "$top",
                "$skiptoken",
            ):
                raise ArmError(
                    400, "BadRequest", f"The query parameter '{option[:40]}' is not supported."
                )
        text = req.query.get("$filter")
        predicate = compile_filter(text, fields) if text is not None else None
        order = compile_orderby(req.query.get("$orderby"), fields)
        top = parse_top(req.query.get("$top"))
        if top is not None:
            size = min(size, top)
        token = req.query.get("$skiptoken")
        position = decode_position(token, order) if token is not None else None
        version = self.emu.sim.version
        cached = self._sorted.get((listing, order.text))
        if cached is None or cached[0] != version:
            if len(self._sorted) > 32:
                self._sorted.clear()
            cached = (version, sort_all(source(), sort_key(order, fields, tiebreak)))
            self._sorted[(listing, order.text)] = cached
        page, after = page_after(cached[1], predicate, position, size)
        payload: dict[str, Any] = {"value": [render(r) for r in page]}
        if after is not None:
            params = [(k, v) for k, v in req.query.items() if k != "$skiptoken"]
            params.append(("$skiptoken", encode_position(order, after)))
            link = f"{req.root_path}?{urlencode(params, quote_via=quote)}"
            payload["@odata.nextLink"] = link if self.mkio else f"{req.origin}{link}"
        if self.mkio:
            payload["supplemental"] = self._supplemental(operation)
        return Reply(200, json.dumps(payload, ensure_ascii=False), CONTENT_TYPE)

    def _list_transforms(self, req: V3Request) -> Reply:
        created = self.transforms_created
        return self._page(
            req,
            "transforms",
            lambda: list(self.emu.sim.transforms),
            _transform_fields(created),
            lambda t: t.name.lower(),
            TRANSFORM_PAGE_SIZE,
            lambda t: self.account.transform(t, created),
            "list transforms",
        )

    def _list_jobs(self, req: V3Request, transform: Transform | None) -> Reply:
        now = self._now()
        sim = self.emu.sim

        def rows() -> list[SimJob]:
            jobs = sim.job_list()
            if transform is None:
                return jobs
            return [j for j in jobs if j.transform == transform.name]

        fields = _job_fields(lambda j: sim.view(j, now).state)
        return self._page(
            req,
            "jobs" if transform is None else f"jobs of {transform.name}",
            rows,
            fields,
            lambda j: f"{j.arm_name.lower()}/{j.transform.lower()}",
            self.emu.config.page_size,
            lambda j: self.account.job(j, sim.view(j, now), now),
            "list jobs",
        )

    # ------------------------------------------------------------------ writes

    def _cancel(self, transform: Transform, name: str) -> Reply:

        job = self._find(transform, name)
        # Canceling a job that is final (or already Canceling) is a 200 no-op.
        self.emu.sim.cancel(job.id, self._now())
        return Reply(200, "", None, {"Content-Length": "0"})

    def _delete(self, transform: Transform, name: str) -> Reply:

        view = self.emu.sim.find_arm(transform.name, name, self._now())
        if view is None:
            return Reply(204)
        if not view.state.is_final and view.state != JobState.QUEUED:
            raise ArmError(
                400,
                "BadRequest",
                f"The job Delete operation for '{name}' resource failed. The job is in the "
                f"'{view.state.label}' state. Only jobs in a final state (or Queued) can be "
                "deleted.",
            )
        self.emu.sim.remove(view.id)
        return Reply(200, "", None, {"Content-Length": "0"})

    def _payload(self, req: V3Request) -> dict[str, Any]:
        if len(req.body) > MAX_BODY:
            raise ArmError(413, "RequestEntityTooLarge", "The request body is too large.")
        try:
            payload = json.loads(req.body or b"null")
        except (ValueError, RecursionError):
            raise ArmError(
                400, "InvalidRequestContent", "The request content is not valid JSON."
            ) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("properties"), dict):
            raise ArmError(
                400, "InvalidRequestContent", "The request content must have 'properties'."
            )
        props: dict[str, Any] = payload["properties"]
        return props

    def _create(self, req: V3Request, transform: Transform, name: str) -> Reply:

        if len(name) > 260 or not JOB_NAME.match(name):
            raise ArmError(
                400,
                "BadRequest",
                "Job names are 1-260 letters, digits, '-', '_' and '.', starting and ending "
                "with a letter or digit.",
            )
        props = self._payload(req)
        if not isinstance(props.get("input"), dict) or not isinstance(props.get("outputs"), list):
            raise ArmError(400, "BadRequest", "A job needs 'input' and 'outputs'.")
        outputs = props["outputs"]
        if len(outputs) != len(transform.outputs):
            raise ArmError(
                400,
                "BadRequest",
                f"The job has {len(outputs)} outputs; transform '{transform.name}' has "
                f"{len(transform.outputs)}: a job has one output per transform output.",
            )
        given_outputs: list[tuple[str | None, str]] = []
        for output in outputs:
            if (
                not isinstance(output, dict)
                or output.get("@odata.type") != "#Microsoft.Media.JobOutputAsset"
                or not isinstance(output.get("assetName"), str)
                or not isinstance(output.get("label", ""), str)
            ):
                raise ArmError(
                    400,
                    "BadRequest",
                    "Each output is a #Microsoft.Media.JobOutputAsset with an assetName.",
                )
            given_outputs.append((output.get("label") or None, output["assetName"][:260]))
        if props["input"].get("@odata.type") not in INPUT_TYPES:
            raise ArmError(
                400, "BadRequest", f"input's @odata.type is one of {', '.join(INPUT_TYPES)}."
            )
        priority = props.get("priority", "Normal")
        if priority not in PRIORITIES:
            raise ArmError(400, "BadRequest", "priority is Low, Normal or High.")
        correlation = props.get("correlationData", {})
        if not isinstance(correlation, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in correlation.items()
        ):
            raise ArmError(400, "BadRequest", "correlationData maps strings to strings.")
        description = props.get("description")
        if description is not None and not isinstance(description, str):
            raise ArmError(400, "BadRequest", "description is a string.")
        now = self._now()
        if self.emu.sim.find_arm(transform.name, name, now) is not None:
            raise ArmError(
                409, "Conflict", f"A job named '{name}' already exists in '{transform.name}'."
            )
        job = self.emu.sim.create_job(
            now,
            priority=PRIORITIES[priority],
            transform=transform.name,
            arm_name=name,
        )
        job.description = description
        job.correlation = dict(correlation)
        job.v3_input = normalize_input(props["input"])
        job.v3_outputs = given_outputs
        job.created_by = str(uuid.uuid5(uuid.NAMESPACE_URL, "amstui-emulator-app"))
        reply = self._json(self._job_json(job), "create job")
        return Reply(201, reply.body, reply.content_type)

    def _update(self, req: V3Request, transform: Transform, name: str) -> Reply:
        job = self._find(transform, name)
        props = self._payload(req)
        unknown = set(props) - {"description", "priority"}
        if unknown:
            raise ArmError(
                400, "BadRequest", "Update is only supported for description and priority."
            )
        if "description" in props:
            if props["description"] is not None and not isinstance(props["description"], str):
                raise ArmError(400, "BadRequest", "description is a string.")
            job.description = props["description"]
        if "priority" in props:
            if props["priority"] not in PRIORITIES:
                raise ArmError(400, "BadRequest", "priority is Low, Normal or High.")
            state = self.emu.sim.view(job, self._now()).state
            if state in (JobState.QUEUED, JobState.SCHEDULED):
                job.priority = PRIORITIES[props["priority"]]
        return self._json(self._job_json(job), "update job")
