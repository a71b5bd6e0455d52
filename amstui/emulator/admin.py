"""The emulator's admin path, `/_emulator/...`: faults, clock, tokens, relocation, purges, jobs,
and the request log and counters the tests and benchmarks read. JSON in, JSON out; no auth (the
emulator listens on loopback by default). Every value is checked (finite, bounded, of the right
type): nothing sent here can put the service in a state where it fails later requests.

    GET    /_emulator                 status: virtual time, speed, job count, account root
    GET    /_emulator/faults          current faults
    POST   /_emulator/faults          {"spec": "503=3,latency=0.1"} or {"kind": "503", "count": 3,
                                      "retry_after": 2, "route": "Tasks"}
    DELETE /_emulator/faults          clear all faults
    POST   /_emulator/clock           {"advance": seconds} and/or {"speed": factor}
    POST   /_emulator/expire-tokens   every token seen so far gets 401 until a new one comes
    POST   /_emulator/relocate        move the account root: the old one answers 301 (v2 only)
    POST   /_emulator/purge           {"ids": [...]} | {"oldest": n} | {"older_than_days": d}
    POST   /_emulator/jobs            {"count": n, "name": "...", "transform": "..."}: submit
                                      jobs now (v3: to that transform, default a random one)
    GET    /_emulator/jobs?state=N    ids and states of jobs (all, or in state N)
    GET    /_emulator/stats           request counters by route and status
    POST   /_emulator/stats/reset     zero the counters and the log
    GET    /_emulator/log?limit=N     the last N requests
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from amstui.emulator.faults import FaultSpecError

if TYPE_CHECKING:
    from amstui.emulator.app import Emulator, Reply


def handle(emu: Emulator, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
    from amstui.emulator.app import Reply

    try:
        payload: Any = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError):
        return _json(Reply, 400, {"error": "the body is not valid JSON"})
    if not isinstance(payload, dict):
        return _json(Reply, 400, {"error": "the body must be a JSON object"})
    action = path[len("/_emulator") :].strip("/")
    try:
        status, result = _route(emu, method, action, query, payload)
    except (FaultSpecError, ValueError, TypeError, KeyError, OverflowError) as exc:
        return _json(Reply, 400, {"error": str(exc)[:500]})
    return _json(Reply, status, result)


def number(payload: dict[str, Any], key: str, low: float, high: float, default: Any = None) -> Any:
    """A finite JSON number in [low, high] (not a bool), or `default` when absent."""
    value = payload.get(key, default)
    if value is None or value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{key} must be a finite number between {low:g} and {high:g}")
    return value


def whole(payload: dict[str, Any], key: str, low: int, high: int, default: Any = None) -> Any:
    value = number(payload, key, low, high, default)
    if value is None or value is default:
        return value
    if value != int(value):
        raise ValueError(f"{key} must be a whole number")
    return int(value)


def text(payload: dict[str, Any], key: str, limit: int = 4000) -> str | None:
    value = payload.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise ValueError(f"{key} must be a string of at most {limit} characters")
    return value


#: The clock never goes past this: every date the service writes stays printable.
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _json(reply_type: type[Reply], status: int, payload: Any) -> Reply:
    return reply_type(status, json.dumps(payload), "application/json")


def _route(
    emu: Emulator, method: str, action: str, query: dict[str, str], payload: dict[str, Any]
) -> tuple[int, Any]:
    if action == "" and method == "GET":
        return 200, {
            "now": emu.now().isoformat(),
            "speed": emu.clock.speed,
            "jobs": len(emu.sim.jobs),
            "prefix": emu.prefix,
            "legacy_redirect": emu.config.legacy_redirect,
            "faults": emu.faults.describe(),
        }
    if action == "faults":
        if method == "GET":
            return 200, emu.faults.describe()
        if method == "DELETE":
            emu.faults.clear()
            return 200, emu.faults.describe()
        if method == "POST":
            if "spec" in payload:
                emu.faults.apply_spec(str(payload["spec"]))
            if "kind" in payload:
                emu.faults.add(
                    str(payload["kind"]),
                    whole(payload, "count", 1, 1_000_000, 1),
                    number(payload, "retry_after", 0, 3600),
                    text(payload, "route", 200),
                )
            return 200, emu.faults.describe()
    if action == "clock" and method == "POST":
        speed = number(payload, "speed", 0, 10_000)
        seconds = number(payload, "advance", 0, 10 * 365 * 86400)
        if seconds is not None and emu.now() + timedelta(seconds=seconds) > LATEST:
            raise ValueError("the clock cannot go past the year 9000")
        if speed is not None:
            emu.clock.set_speed(float(speed))
        if seconds is not None:
            emu.advance(float(seconds))
        return 200, {"now": emu.now().isoformat(), "speed": emu.clock.speed}
    if action == "expire-tokens" and method == "POST":
        return 200, {"expired": emu.expire_tokens()}
    if action == "relocate" and method == "POST":
        if emu.v3 is not None:
            raise ValueError(
                "relocate applies to the v2 shape only: an ARM or MK.IO account root does not move"
            )
        return 200, {"prefix": emu.relocate()}
    if action == "purge" and method == "POST":
        return 200, {"purged": _purge(emu, payload)}
    if action == "jobs":
        if method == "POST":
            count = whole(payload, "count", 1, 10000, 1)
            name = text(payload, "name")
            transform = text(payload, "transform", 260)
            if transform is None and emu.v3 is not None and "transform" in payload:
                raise ValueError("transform must be a string")
            now = emu.now()
            jobs = [emu.sim.create_job(now, name=name, transform=transform) for _ in range(count)]
            result: dict[str, Any] = {"ids": [j.id for j in jobs]}
            if emu.v3 is not None:
                result["jobs"] = [{"transform": j.transform, "name": j.arm_name} for j in jobs]
            return 201, result
        if method == "GET":
            state = query.get("state")
            now = emu.now()
            views = emu.sim.views(now)
            rows = [
                {
                    "id": v.id,
                    "state": int(v.state),
                    "name": v.name,
                    "created": v.created.isoformat(),
                    "transform": emu.sim.jobs[v.id].transform,
                    "arm_name": emu.sim.jobs[v.id].arm_name,
                }
                for v in views
                if state is None or str(int(v.state)) == state
            ]
            return 200, {"jobs": rows}
    if action == "stats" and method == "GET":
        return 200, emu.stats.snapshot()
    if action == "stats/reset" and method == "POST":
        emu.stats.reset()
        return 200, emu.stats.snapshot()
    if action == "log" and method == "GET":
        limit = whole({"limit": int(query.get("limit", "100")[:7])}, "limit", 0, 10**6)
        return 200, {"requests": list(emu.stats.log)[-max(0, limit) :]}
    return 404, {"error": f"no admin action {method} /_emulator/{action}"}


def _purge(emu: Emulator, payload: dict[str, Any]) -> list[str]:
    victims: list[str] = []
    if "ids" in payload:
        ids = payload["ids"]
        if not isinstance(ids, list):
            raise ValueError("ids must be a list")
        victims = [str(i) for i in ids if str(i) in emu.sim.jobs]
    elif "oldest" in payload:
        oldest = whole(payload, "oldest", 0, 10_000_000)
        if oldest is None:
            raise ValueError("oldest must be a whole number")
        victims = list(emu.sim.jobs)[:oldest]
    elif "older_than_days" in payload:
        days = number(payload, "older_than_days", 0, 36500)
        if days is None:
            raise ValueError("older_than_days must be a number")
        cutoff = emu.now() - timedelta(days=days)
        victims = [j.id for j in emu.sim.jobs.values() if j.created < cutoff]
    else:
        raise ValueError("purge needs ids, oldest or older_than_days")
    for job_id in victims:
        emu.sim.remove(job_id)
    return victims
