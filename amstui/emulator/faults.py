"""Injected faults: what the next API requests suffer, set at start (`--faults`) or at run time.

A spec is a comma-separated list of `name=value` items:

    latency=0.2            every API request waits 0.2 s (real time) before answering
    503=5                  the next 5 requests: 503 "Server is busy" without Retry-After
    503-retry-after=2      ...and with `Retry-After: 2` on those 503s
    429=3                  the next 3 requests: 429 Too Many Requests (Retry-After: 1)
    500=2                  the next 2 requests: 500 with an OData error body
    reset=2                the next 2 requests: the connection drops mid-response
    slow=2                 the next 2 responses trickle out in small chunks
    malformed=2            the next 2 responses: 200 with a body that is not JSON
    truncated=2            the next 2 responses: 200 with JSON cut in the middle
    503-rate=0.05          each request has a 5% chance of a 503 (seeded)
    route=Tasks            bursts above only hit routes containing this text

Bursts are consumed in the order given, one request each.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

BURST_KINDS = ("503", "429", "500", "reset", "slow", "malformed", "truncated")


class FaultSpecError(ValueError):
    pass


@dataclass(slots=True)
class Burst:
    kind: str
    remaining: int
    retry_after: float | None = None
    route: str | None = None


@dataclass(slots=True)
class Faults:
    latency: float = 0.0
    rate_503: float = 0.0
    bursts: list[Burst] = field(default_factory=list)
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def add(
        self, kind: str, count: int, retry_after: float | None = None, route: str | None = None
    ) -> None:
        if kind not in BURST_KINDS:
            raise FaultSpecError(f"unknown fault {kind!r} (known: {', '.join(BURST_KINDS)})")
        if count < 1 or count > 1_000_000:
            raise FaultSpecError("a fault count must be between 1 and 1,000,000")
        if kind == "429" and retry_after is None:
            retry_after = 1.0
        with self._lock:
            self.bursts.append(Burst(kind, count, retry_after, route))

    def clear(self) -> None:
        with self._lock:
            self.bursts.clear()
            self.latency = 0.0
            self.rate_503 = 0.0

    def take(self, route: str) -> Burst | None:
        """The fault for this request, if any (consumes one from its burst)."""
        with self._lock:
            for burst in self.bursts:
                if burst.route is None or burst.route in route:
                    burst.remaining -= 1
                    if burst.remaining <= 0:
                        self.bursts.remove(burst)
                    return Burst(burst.kind, 1, burst.retry_after, burst.route)
            if self.rate_503 > 0 and self._rng.random() < self.rate_503:
                return Burst("503", 1)
        return None

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {
                "latency": self.latency,
                "503-rate": self.rate_503,
                "bursts": [
                    {
                        "kind": b.kind,
                        "remaining": b.remaining,
                        "retry_after": b.retry_after,
                        "route": b.route,
                    }
                    for b in self.bursts
                ],
            }

    def apply_spec(self, spec: str) -> None:
        items = [i.strip() for i in spec.split(",") if i.strip()]
        parsed: dict[str, str] = {}
        for item in items:
            name, sep, value = item.partition("=")
            if not sep or not value:
                raise FaultSpecError(f"fault {item!r} needs a value (name=value)")
            parsed[name.strip()] = value.strip()
        route = parsed.pop("route", None)
        retry_after = None
        if "503-retry-after" in parsed:
            retry_after = _number("503-retry-after", parsed.pop("503-retry-after"))
        if "latency" in parsed:
            latency = _number("latency", parsed.pop("latency"))
            if latency > 60:
                raise FaultSpecError("latency must be at most 60 seconds")
            self.latency = latency
        if "503-rate" in parsed:
            rate = _number("503-rate", parsed.pop("503-rate"))
            if rate > 1:
                raise FaultSpecError("503-rate is a probability between 0 and 1")
            self.rate_503 = rate
        for name, value in parsed.items():
            if name not in BURST_KINDS:
                raise FaultSpecError(
                    f"unknown fault {name!r} (known: latency, 503-rate, 503-retry-after, route, "
                    f"{', '.join(BURST_KINDS)})"
                )
            count = _number(name, value)
            if count != int(count):
                raise FaultSpecError(f"{name} takes a whole number of requests")
            self.add(name, int(count), retry_after if name == "503" else None, route)


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise FaultSpecError(f"{name}: not a number: {value!r}") from None
    if number != number or number < 0 or number == float("inf"):
        raise FaultSpecError(f"{name}: must be a non-negative number")
    return number
