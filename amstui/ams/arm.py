"""AMS v3 JSON as ARM (Azure, Ravnur RMS) and MK.IO send it: jobs, transforms, pages, errors.

Shapes (ams-v3-arm.md §2 and its addendum):
- a job is `{name, id, type, properties: {state, created, outputs[], input, ...}, systemData}`;
  MK.IO adds a top-level `supplemental` block, omits empty `correlationData` and output
  `startTime`, and sends 6 fractional digits; everything unknown is ignored;
- a collection is `{"value": [...], "@odata.nextLink": "..."}` (absolute on ARM, relative on
  MK.IO; the client checks where it points);
- an error is ARM's `{"error": {"code", "message", "details": [...]}}`, or MK.IO's
  `{"error": {"detail": ...}}` or `{"error": "text"}`.

State words are case-insensitive; an unknown word is kept (`Job.state_text`) and never fatal.
Every problem raises `ProtocolError`, never another exception (a hypothesis test holds it).

Jobs come out light (a monitor keeps 100,000 of them): words that repeat from job to job
(states, priorities, transforms, labels, creators, error codes, the resource id's account
prefix) are interned, so every job shares one copy; equal dates within a job are one object;
the outputs are not copied into tasks, nor the resource id kept whole (see `amstui.ams.model`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from amstui.ams.errors import InvalidJobIdError, ProtocolError
from amstui.ams.model import (
    V3_PRIORITIES,
    ErrorDetail,
    Job,
    JobOutput,
    JobState,
    OutputError,
)
from amstui.ams.odata import ODataErrorBody, Scrub, load_json, parse_date

#: Strings longer than this are not interned (only short, repeating words are worth it).
_INTERN_MAX = 300

#: ARM resource names (jobs, transforms): 1-260 characters, none of `/ \ ? # % < > & : * +`
#: or control characters (media-services-apis-overview.md; MK.IO's regex is stricter).
_NAME = re.compile(r"^[^/\\?#%<>&:*+'\x00-\x1f\x7f]{1,260}$")
_RESOURCE_ID = re.compile(r"/transforms/([^/]+)/jobs/([^/]+)/?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a collection: its items and the raw `@odata.nextLink` (None on the last)."""

    items: tuple[Any, ...]
    next_link: str | None


# --------------------------------------------------------------------------- ids


def check_name(kind: str, name: str) -> str:
    """`name` if it is a valid transform or job name; `InvalidJobIdError` otherwise."""
    if not _NAME.match(name) or name != name.strip() or name in (".", ".."):
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise InvalidJobIdError(f"not a valid {kind} name: {shown!r}")
    return name


def split_job_id(job_id: str) -> tuple[str, str]:
    """(transform, job) from `TRANSFORM/JOB` or a full ARM resource id."""
    text = job_id.strip()
    match = _RESOURCE_ID.search(text) if text.startswith("/") else None
    if match:
        transform, name = match.group(1), match.group(2)
    else:
        transform, sep, name = text.partition("/")
        if not sep:
            raise InvalidJobIdError(
                f"not an AMS v3 job id (TRANSFORM/JOB or an ARM resource id): {text[:60]!r}"
            )
    return check_name("transform", transform), check_name("job", name)


def job_id(transform: str, name: str) -> str:
    return f"{transform}/{name}"


# --------------------------------------------------------------------------- fields


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProtocolError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError(f"{what}: expected a list, got {type(value).__name__}")
    return value


def _text(entity: Mapping[str, Any], key: str) -> str:
    value = entity.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProtocolError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _word(entity: Mapping[str, Any], key: str) -> str:
    """`_text` for a value that repeats from job to job: one shared copy."""
    text = _text(entity, key)
    return sys.intern(text) if len(text) <= _INTERN_MAX else text


class _Dates:
    """`parse_date` for the dates of one job: equal texts give the same object (a job's
    created and lastModified, an output's times and its job's, are often equal)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, datetime | None] = {}

    def __call__(self, value: Any) -> datetime | None:
        if not isinstance(value, str):
            return parse_date(value)
        found = self._seen.get(value, _UNSEEN)
        if found is _UNSEEN:
            found = self._seen[value] = parse_date(value)
        return found  # type: ignore[return-value]


_UNSEEN = object()


def _progress(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError(f"progress: expected a number, got {type(value).__name__}")
    if value != value or value in (float("inf"), float("-inf")):
        raise ProtocolError("progress: not a finite number")
    return min(max(int(value), 0), 100)


def _state(entity: Mapping[str, Any]) -> tuple[JobState, str]:
    word = _word(entity, "state")
    if not word:
        raise ProtocolError("no state")
    return JobState.from_v3(word), word


def strip_query(url: str) -> str:
    """A file URL without its query string or fragment (SAS tokens never reach the screen)."""
    return url.split("?", 1)[0].split("#", 1)[0]


def _inputs(value: Any, depth: int = 0) -> list[str]:
    """Asset names and file URLs of a `JobInput` (nested `JobInputs`/sequences flattened)."""
    if depth > 8:
        raise ProtocolError("input: nested too deeply")
    entity = _obj(value, "input")
    found: list[str] = []
    asset = _text(entity, "assetName")
    if asset:
        found.append(asset)
    base = strip_query(_text(entity, "baseUri"))
    for item in _list(entity.get("files"), "input.files"):
        if not isinstance(item, str):
            raise ProtocolError("input.files: expected strings")
        found.append(strip_query(urljoin(base, item) if base else item))
    if base and not entity.get("files"):
        found.append(base)
    for inner in _list(entity.get("inputs"), "input.inputs"):
        found.extend(_inputs(inner, depth + 1))
    return found


def _output_error(value: Any) -> OutputError | None:
    if value is None:
        return None
    entity = _obj(value, "output error")
    details = tuple(
        ErrorDetail(_word(d, "code"), _text(d, "message"))
        for d in (_obj(item, "error detail") for item in _list(entity.get("details"), "details"))
    )
    return OutputError(
        code=_word(entity, "code"),
        message=_text(entity, "message"),
        category=_word(entity, "category"),
        retry=_word(entity, "retry"),
        details=details,
    )


def parse_output(value: Any, dates: _Dates | None = None) -> JobOutput:
    entity = _obj(value, "output")
    state, word = _state(entity)
    date = dates or _Dates()
    return JobOutput(
        label=_word(entity, "label"),
        state=state,
        progress=_progress(entity.get("progress")),
        asset=_text(entity, "assetName"),
        start_time=date(entity.get("startTime")),
        end_time=date(entity.get("endTime")),
        error=_output_error(entity.get("error")),
        state_text=word,
    )


def _correlation(value: Any) -> tuple[tuple[str, str], ...]:
    data = _obj(value, "correlationData")
    pairs = []
    for key, item in data.items():
        if not isinstance(item, str):
            raise ProtocolError("correlationData: values must be strings")
        pairs.append((key, item))
    return tuple(pairs)


def parse_job(value: Any, transform: str | None = None) -> Job:
    """A v3 job. `transform` is the transform it was listed under; else taken from its `id`."""
    entity = _obj(value, "job")
    name = _text(entity, "name")
    if not name:
        raise ProtocolError("job has no name")
    resource_id = _text(entity, "id")
    prefix = ""
    match = _RESOURCE_ID.search(resource_id)
    if match:
        transform = sys.intern(match.group(1))
        prefix = resource_id[: match.start()]
        if resource_id == f"{prefix}/transforms/{transform}/jobs/{name}" and (
            len(prefix) <= _INTERN_MAX
        ):
            # The usual spelling: kept as the account's prefix, rebuilt when read.
            prefix, resource_id = sys.intern(prefix), ""
        else:
            prefix = ""
    elif transform:
        transform = sys.intern(transform)
    if not transform:
        raise ProtocolError(f"job {name[:60]!r}: no transform in its id")
    props = _obj(entity.get("properties"), "properties")
    state, word = _state(props)
    date = _Dates()
    outputs = tuple(parse_output(o, date) for o in _list(props.get("outputs"), "outputs"))
    priority_word = _word(props, "priority")
    system = _obj(entity.get("systemData"), "systemData")
    return Job(
        id=job_id(transform, name),
        name=name,
        state=state,
        created=date(props.get("created")),
        last_modified=date(props.get("lastModified")),
        start_time=date(props.get("startTime")),
        end_time=date(props.get("endTime")),
        priority=V3_PRIORITIES.get(priority_word.lower(), V3_PRIORITIES["normal"]),
        transform=transform,
        outputs=outputs,
        priority_text=priority_word or None,
        description=_text(props, "description"),
        correlation_data=_correlation(props.get("correlationData")),
        inputs=tuple(_inputs(props.get("input"))),
        created_by=_word(system, "createdBy") or None,
        state_text=word,
        resource_id=resource_id,
        resource_prefix=prefix,
    )


# --------------------------------------------------------------------------- bodies


def parse_page(body: str | bytes, scrub: Scrub | None = None) -> Page:
    payload = load_json(body, scrub)
    if not isinstance(payload, dict):
        raise ProtocolError(f"expected a JSON object, got {type(payload).__name__}")
    if "value" not in payload:
        raise ProtocolError("collection has no 'value'")
    items = _list(payload["value"], "value")
    link = payload.get("@odata.nextLink")
    if link is not None and not isinstance(link, str):
        raise ProtocolError("@odata.nextLink: expected a string")
    return Page(tuple(items), link or None)


def parse_jobs_page(
    body: str | bytes, transform: str | None = None, scrub: Scrub | None = None
) -> tuple[list[Job], str | None]:
    page = parse_page(body, scrub)
    return [parse_job(item, transform) for item in page.items], page.next_link


def parse_job_body(
    body: str | bytes, transform: str | None = None, scrub: Scrub | None = None
) -> Job:
    return parse_job(load_json(body, scrub), transform)


def parse_transforms_page(
    body: str | bytes, scrub: Scrub | None = None
) -> tuple[list[str], str | None]:
    page = parse_page(body, scrub)
    names = []
    for item in page.items:
        name = _text(_obj(item, "transform"), "name")
        if not name:
            raise ProtocolError("transform has no name")
        names.append(name)
    return names, page.next_link


def parse_error_body(body: str | bytes) -> ODataErrorBody | None:
    """The error of an ARM body (`error.code`/`message`, plus its `details` messages) or of an
    MK.IO body (`error.detail`, or `error` as a string); None when the body is neither."""
    try:
        payload = load_json(body)
    except ProtocolError:
        return None
    if not isinstance(payload, dict) or "error" not in payload:
        return None
    err = payload["error"]
    if isinstance(err, str):
        return ODataErrorBody(code="", message=err)
    if not isinstance(err, dict):
        return None
    code = err.get("code")
    message = err.get("message")
    if not isinstance(message, str) or not message:
        detail = err.get("detail")
        message = detail if isinstance(detail, str) else ""
    details = err.get("details")
    extra = [
        d["message"]
        for d in (details if isinstance(details, list) else ())
        if isinstance(d, dict) and isinstance(d.get("message"), str) and d["message"]
    ]
    if extra:
        message = "; ".join([message, *extra[:3]]) if message else "; ".join(extra[:3])
    return ODataErrorBody(code=code if isinstance(code, str) else "", message=message)
