"""OData v3 as AMS v2 spoke it: response shapes, dates, error bodies and query strings.

Parsing accepts every shape AMS sent (ams-v2-rest.md §2 and §7):
- minimal metadata: `{"odata.metadata": ".../$metadata#Jobs", "value": [...]}`, and a single
  entity with `.../$metadata#Jobs/@Element` and its properties at the top level;
- plain `application/json` (the same, sometimes without `odata.metadata`);
- verbose: `{"d": {"results": [...]}}`, `{"d": {...}}`, `{"d": [...]}` (OData v1/v2),
  `__metadata` / `__deferred` members, and complex collections wrapped as
  `{"__metadata": {"type": "Collection(...)"}, "results": [...]}`.
Anything else raises `ProtocolError`, never another exception: huge numbers, dates out of
range and 5,000-digit timestamps included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import quote

from amstui.ams.errors import InvalidJobIdError, ProtocolError
from amstui.ams.exchange import quote_safe
from amstui.ams.model import ErrorDetail, HistoricalEvent, Job, JobState, Task

# --------------------------------------------------------------------------- dates

_MS_DATE = re.compile(r"^\\?/Date\((-?[0-9]+)([+-][0-9]{4})?\)\\?/$")
#: Milliseconds since 1970 fit in 15 digits until the year 33658; more is not a date.
_MS_DIGITS = 15
#: Integers beyond 64 bits are not AMS values (priorities, states).
_INT_LIMIT = 2**63
_ISO_DATE = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,7})[0-9]{0,20})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)


#: The form of minimal metadata (naive, UTC implied, at most 6 fractional digits): read by
#: `datetime.fromisoformat`, several times faster than the general path below (a listing of
#: 100,000 jobs has 400,000 dates).
_NAIVE_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?")


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime from any AMS date form; None for null.

    Forms: naive ISO with 0-7 fractional digits (UTC implied), ISO with `Z` or an offset,
    `/Date(ms)/` and its JSON-escaped twin `\\/Date(ms)\\/` (with an optional offset suffix).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"expected a date string, got {type(value).__name__}")
    if _NAIVE_ISO.fullmatch(value):
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass  # out of range (a 13th month, year 0): the general path says how
    text = value.strip()
    m = _MS_DATE.match(text)
    if m:
        digits = m.group(1)
        if len(digits.lstrip("-")) > _MS_DIGITS:
            raise ProtocolError(f"date out of range: {value[:40]!r}...")
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(digits))
        except (OverflowError, ValueError) as exc:
            raise ProtocolError(f"date out of range: {value[:64]!r}") from exc
    m = _ISO_DATE.match(text)
    if not m:
        raise ProtocolError(f"unrecognised date: {value[:64]!r}")
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    zone = m.group(8)
    tz: timezone = UTC
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise ProtocolError(f"bad UTC offset in date: {value!r}")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        parsed = datetime(year, month, day, hour, minute, second, int(frac), tzinfo=tz)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        # Also 0001-01-01 with a positive offset or 9999-12-31 with a negative one.
        raise ProtocolError(f"invalid or out-of-range date: {value[:64]!r}") from exc


def format_datetime_literal(moment: datetime) -> str:
    """An OData v3 `datetime'...'` literal (UTC, as AMS expects)."""
    if moment.tzinfo is None:
        raise ValueError("datetime literals need an aware datetime")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return "datetime'" + utc.isoformat(timespec="milliseconds") + "'"


# --------------------------------------------------------------------------- shapes


#: Replaces secrets in text (the client's token scrubber).
Scrub = Callable[[str], str]


def load_json(body: str | bytes, scrub: Scrub | None = None) -> Any:
    """JSON text to Python, with any decoding problem as `ProtocolError`.

    With `scrub`, secrets are removed from the text before parsing and, where a JSON escape
    (`\\u0065yJ...`) could spell one, from every decoded string too: no parsed value can
    carry a known token.
    """
    if scrub is not None:
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        body = scrub(body)
    try:
        payload = json.loads(body)
        if scrub is not None and "\\u" in body:
            payload = _scrub_strings(payload, scrub)
        return payload
    except (ValueError, RecursionError) as exc:
        snippet = body[:80] if isinstance(body, str) else body[:80].decode("utf-8", "replace")
        raise ProtocolError(f"malformed JSON in response: {snippet!r}") from exc


def _scrub_strings(value: Any, scrub: Scrub) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_strings(v, scrub) for v in value]
    if isinstance(value, dict):
        return {scrub(k): _scrub_strings(v, scrub) for k, v in value.items()}
    return value


def entities(payload: Any) -> list[dict[str, Any]]:
    """The entity objects of a collection or single-entity payload, any shape."""
    if not isinstance(payload, dict):
        raise ProtocolError(f"expected a JSON object, got {type(payload).__name__}")
    if "d" in payload:
        inner = payload["d"]
        if isinstance(inner, list):
            items: Any = inner
        elif isinstance(inner, dict) and "results" in inner and "Id" not in inner:
            items = inner["results"]
        elif isinstance(inner, dict):
            items = [inner]
        else:
            raise ProtocolError("verbose payload: 'd' is neither an object nor a list")
    elif "value" in payload and "Id" not in payload:
        items = payload["value"]
    elif "Id" in payload:
        items = [payload]
    else:
        raise ProtocolError("response has neither 'value', 'd' nor an entity")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProtocolError("entity collection is not a list of objects")
    return items


def single_entity(payload: Any) -> dict[str, Any]:
    items = entities(payload)
    if len(items) != 1:
        raise ProtocolError(f"expected one entity, got {len(items)}")
    return items[0]


def unwrap_collection(value: Any) -> list[Any]:
    """A complex collection, inline (`[...]`) or verbose (`{"__metadata":..., "results":[...]}`)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and isinstance(value.get("results"), list):
        return list(value["results"])
    raise ProtocolError("expected a collection")


# --------------------------------------------------------------------------- entities


def _str(entity: Mapping[str, Any], key: str, default: str = "") -> str:
    value = entity.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ProtocolError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _num(entity: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    value = entity.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ProtocolError(f"{key}: expected a number, got {type(value).__name__}")
    try:
        number = float(value)
    except (ValueError, OverflowError) as exc:
        raise ProtocolError(f"{key}: not a usable number: {str(value)[:40]!r}") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise ProtocolError(f"{key}: not a finite number")
    return number


def _int(entity: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = entity.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ProtocolError(f"{key}: expected an integer, got {type(value).__name__}")
    try:
        number = int(value)
    except ValueError as exc:
        raise ProtocolError(f"{key}: not an integer: {str(value)[:40]!r}") from exc
    if not -_INT_LIMIT <= number < _INT_LIMIT:
        raise ProtocolError(f"{key}: integer out of range")
    return number


def _state(entity: Mapping[str, Any]) -> JobState:
    if "State" not in entity:
        raise ProtocolError("entity has no State")
    return JobState(_int(entity, "State"))


def _date(entity: Mapping[str, Any], key: str) -> datetime | None:
    return parse_date(entity.get(key))


#: The documented states by wire number (a fast path; other numbers take the general one).
_KNOWN_STATES = {int(state): state for state in JobState}


def parse_job(entity: Mapping[str, Any]) -> Job:
    get = entity.get
    job_id, name, state = get("Id"), get("Name", ""), get("State")
    priority, duration = get("Priority", 0), get("RunningDuration", 0.0)
    template = get("TemplateId")
    # The fast path: every field of the type AMS sends, read without the checks' calls (a
    # listing of 100,000 jobs). Anything else is read (or refused) by the general path.
    if (
        type(job_id) is str
        and job_id
        and type(name) is str
        and type(state) is int
        and state in _KNOWN_STATES
        and type(priority) is int
        and -_INT_LIMIT <= priority < _INT_LIMIT
        and type(duration) is float
        and duration - duration == 0.0  # finite
        and (template is None or type(template) is str)
    ):
        return Job(
            id=job_id,
            name=name,
            state=_KNOWN_STATES[state],
            created=parse_date(get("Created")),
            last_modified=parse_date(get("LastModified")),
            start_time=parse_date(get("StartTime")),
            end_time=parse_date(get("EndTime")),
            priority=priority,
            running_duration_ms=duration,
            template_id=template or None,
        )
    job_id = _str(entity, "Id")
    if not job_id:
        raise ProtocolError("job has no Id")
    return Job(
        id=job_id,
        name=_str(entity, "Name"),
        state=_state(entity),
        created=_date(entity, "Created"),
        last_modified=_date(entity, "LastModified"),
        start_time=_date(entity, "StartTime"),
        end_time=_date(entity, "EndTime"),
        priority=_int(entity, "Priority"),
        running_duration_ms=_num(entity, "RunningDuration"),
        template_id=_str(entity, "TemplateId") or None,
    )


def parse_task(entity: Mapping[str, Any]) -> Task:
    task_id = _str(entity, "Id")
    if not task_id:
        raise ProtocolError("task has no Id")
    errors = tuple(
        ErrorDetail(code=_str(e, "Code"), message=_str(e, "Message"))
        for e in _objects(unwrap_collection(entity.get("ErrorDetails")))
    )
    events = tuple(
        HistoricalEvent(
            code=_str(e, "Code"), message=_str(e, "Message"), timestamp=_date(e, "TimeStamp")
        )
        for e in _objects(unwrap_collection(entity.get("HistoricalEvents")))
    )
    progress = _num(entity, "Progress")
    return Task(
        id=task_id,
        name=_str(entity, "Name"),
        state=_state(entity),
        progress=min(max(progress, 0.0), 100.0),
        start_time=_date(entity, "StartTime"),
        end_time=_date(entity, "EndTime"),
        running_duration_ms=_num(entity, "RunningDuration"),
        priority=_int(entity, "Priority"),
        media_processor_id=_str(entity, "MediaProcessorId"),
        configuration=_str(entity, "Configuration"),
        perf_message=_str(entity, "PerfMessage"),
        error_details=errors,
        historical_events=events,
    )


def _objects(items: Iterable[Any]) -> list[Mapping[str, Any]]:
    out = list(items)
    if not all(isinstance(i, dict) for i in out):
        raise ProtocolError("collection member is not an object")
    return out


def parse_jobs_body(body: str | bytes, scrub: Scrub | None = None) -> list[Job]:
    return parse_jobs(job_entities(body, scrub))


def job_entities(body: str | bytes, scrub: Scrub | None = None) -> list[dict[str, Any]]:
    """The entity objects of a job collection, not yet read as jobs (`parse_jobs`): the
    cheap half of `parse_jobs_body`, enough to count a page and see its ids."""
    payload = load_json(body, scrub)
    return _typed(lambda: entities(payload))


def parse_jobs(items: Sequence[Mapping[str, Any]]) -> list[Job]:
    return _typed(lambda: [parse_job(e) for e in items])


def entity_id(entity: Mapping[str, Any]) -> str | None:
    """An entity's `Id` if it is a string (`parse_job` refuses the entity otherwise)."""
    value = entity.get("Id")
    return value if isinstance(value, str) else None


def parse_job_body(body: str | bytes, scrub: Scrub | None = None) -> Job:
    payload = load_json(body, scrub)
    return _typed(lambda: parse_job(single_entity(payload)))


def parse_tasks_body(body: str | bytes, scrub: Scrub | None = None) -> tuple[Task, ...]:
    payload = load_json(body, scrub)
    return _typed(lambda: tuple(parse_task(e) for e in entities(payload)))


T = TypeVar("T")


def _typed(parse: Callable[[], T]) -> T:
    """Run a parse; any error other than `ProtocolError` becomes one (the parser's contract)."""
    try:
        return parse()
    except ProtocolError:
        raise
    except (ValueError, OverflowError, TypeError, KeyError, RecursionError) as exc:
        raise ProtocolError(f"unusable value in response ({type(exc).__name__})") from exc


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True, slots=True)
class ODataErrorBody:
    code: str
    message: str


def parse_error_body(body: str | bytes) -> ODataErrorBody | None:
    """The server's message from `{"odata.error": ...}` or `{"error": ...}`; None if neither."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    err = payload.get("odata.error", payload.get("error"))
    if not isinstance(err, dict):
        return None
    message = err.get("message")
    if isinstance(message, dict):
        message = message.get("value")
    code = err.get("code")
    return ODataErrorBody(
        code=code if isinstance(code, str) else "",
        message=message if isinstance(message, str) else "",
    )


# --------------------------------------------------------------------------- queries

_JOB_ID = re.compile(
    r"^nb:jid:UUID:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_PROPERTY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def validate_job_id(job_id: str) -> str:
    """The id itself if it is `nb:jid:UUID:<guid>`; otherwise `InvalidJobIdError`."""
    candidate = job_id.strip()
    if not _JOB_ID.match(candidate):
        shown = candidate if len(candidate) <= 60 else candidate[:57] + "..."
        raise InvalidJobIdError(f"not an AMS job id (nb:jid:UUID:<guid>): {shown!r}")
    return candidate


def string_literal(value: str) -> str:
    """An OData string literal: quotes doubled, wrapped in single quotes."""
    return "'" + value.replace("'", "''") + "'"


def literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JobState):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime_literal(value)
    if isinstance(value, str):
        return string_literal(value)
    if value is None:
        return "null"
    raise TypeError(f"no OData literal for {type(value).__name__}")


def prop(name: str) -> str:
    if not _PROPERTY.match(name):
        raise ValueError(f"not a property name: {name!r}")
    return name


def compare(name: str, op: str, value: object) -> str:
    if op not in ("eq", "ne", "gt", "ge", "lt", "le"):
        raise ValueError(f"not an OData comparison: {op!r}")
    return f"{prop(name)} {op} {literal(value)}"


def _is_grouped(clause: str) -> bool:
    """True when the whole clause is one parenthesised group."""
    if not (clause.startswith("(") and clause.endswith(")")):
        return False
    depth = 0
    quoted = False
    for index, char in enumerate(clause):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0 and index != len(clause) - 1:
                return False
    return True


def all_of(*clauses: str) -> str:
    parts = [c for c in clauses if c]
    return " and ".join(f"({c})" if " or " in c and not _is_grouped(c) else c for c in parts)


def any_of(*clauses: str) -> str:
    parts = [c for c in clauses if c]
    if len(parts) == 1:
        return parts[0]
    return "(" + " or ".join(parts) + ")"


def state_in(states: Iterable[JobState]) -> str:
    return any_of(*(compare("State", "eq", s) for s in states))


def startswith(name: str, value: str) -> str:
    return f"startswith({prop(name)},{string_literal(value)})"


def orderby(keys: Sequence[tuple[str, bool]]) -> str:
    """`$orderby` from (property, descending) pairs."""
    return ",".join(f"{prop(k)} desc" if desc else prop(k) for k, desc in keys)


def query_string(params: Mapping[str, str | int | None]) -> str:
    """An OData query string; values are percent-encoded (spaces as %20, `'` kept)."""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        pairs.append(f"{key}={quote(str(value), safe=quote_safe())}")
    return "&".join(pairs)


def key_segment(entity_set: str, key: str) -> str:
    """`Jobs('nb%3Ajid%3A...')`: the key percent-encoded inside its quotes."""
    return f"{entity_set}({quote(string_literal(key), safe=chr(39))})"
