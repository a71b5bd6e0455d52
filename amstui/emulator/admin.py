"""The emulator's admin path, `/_emulator/...`: faults, clock, tokens, relocation, purges, jobs,
and the request log and counters the tests and benchmarks read. JSON in, JSON out; no auth (the
emulator listens on loopback by default).

    GET    /_emulator                 status: virtual time, speed, job count, account root
    GET    /_emulator/faults          current faults
    POST   /_emulator/faults          {"spec": "503=3,latency=0.1"} or {"kind": "503", "count": 3,
                                      "retry_after": 2, "route": "Tasks"}
    DELETE /_emulator/faults          clear all faults
    POST   /_emulator/clock           {"advance": seconds} and/or {"speed": factor}
    POST   /_emulator/expire-tokens   every token seen so far gets 401 until a new one comes
    POST   /_emulator/relocate        move the account root: the old one answers 301
    POST   /_emulator/purge           {"ids": [...]} | {"oldest": n} | {"older_than_days": d}
    POST   /_emulator/jobs            {"count": n, "name": "..."}: submit jobs now
    GET    /_emulator/jobs?state=N    ids and states of jobs (all, or in state N)
    GET    /_emulator/stats           request counters by route and status
    POST   /_emulator/stats/reset     zero the counters and the log
    GET    /_emulator/log?limit=N     the last N requests
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from amstui.emulator.faults import FaultSpecError
from amstui.emulator.reply import Reply

if TYPE_CHECKING:
    from amstui.emulator.app import Emulator


def handle(emu: Emulator, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
    try:
        payload: Any = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError):
        return _json(Reply, 400, {"error": "the body is not valid JSON"})
    if not isinstance(payload, dict):
        return _json(Reply, 400, {"error": "the body must be a JSON object"})
    action = path[len("/_emulator") :].strip("/")
    try:
        status, result = _route(emu, method, action, query, payload)
    except (FaultSpecError, ValueError, TypeError, KeyError) as exc:
        return _json(Reply, 400, {"error": str(exc)})
    return _json(Reply, status, result)


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
                retry_after = payload.get("retry_after")
                emu.faults.add(
                    str(payload["kind"]),
                    int(payload.get("count", 1)),
                    float(retry_after) if retry_after is not None else None,
                    payload.get("route"),
                )
            return 200, emu.faults.describe()
    if action == "clock" and method == "POST":
        if "speed" in payload:
            emu.clock.set_speed(float(payload["speed"]))
        if "advance" in payload:
            seconds = float(payload["advance"])
            if not 0 <= seconds <= 10 * 365 * 86400:
                raise ValueError("advance must be between 0 and ten years of seconds")
            emu.advance(seconds)
        return 200, {"now": emu.now().isoformat(), "speed": emu.clock.speed}
    if action == "expire-tokens" and method == "POST":
        return 200, {"expired": emu.expire_tokens()}
    if action == "relocate" and method == "POST":
        return 200, {"prefix": emu.relocate()}
    if action == "purge" and method == "POST":
        return 200, {"purged": _purge(emu, payload)}
    if action == "jobs":
        if method == "POST":
            count = int(payload.get("count", 1))
            if not 1 <= count <= 10000:
                raise ValueError("count must be between 1 and 10000")
            name = payload.get("name")
            now = emu.now()
            ids = [emu.sim.create_job(now, name=name).id for _ in range(count)]
            return 201, {"ids": ids}
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
        limit = int(query.get("limit", "100"))
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
        victims = list(emu.sim.jobs)[: int(payload["oldest"])]
    elif "older_than_days" in payload:
        cutoff = emu.now() - timedelta(days=float(payload["older_than_days"]))
        victims = [j.id for j in emu.sim.jobs.values() if j.created < cutoff]
    else:
        raise ValueError("purge needs ids, oldest or older_than_days")
    for job_id in victims:
        emu.sim.remove(job_id)
    return victims
