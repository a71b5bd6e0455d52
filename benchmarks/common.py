"""Shared pieces of the benchmarks: the emulator in its own process, its admin path, medians,
the machine description, and the result record."""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    baseline: str = ""
    ratio: float | None = None
    samples: list[float] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def p95(values: Sequence[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))
    return float(ordered[index])


def machine() -> dict[str, object]:
    info: dict[str, object] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as f:
            info["memory"] = f.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmulatorProcess:
    """`amstui emulator` in a separate process, and its admin path."""

    def __init__(self, port: int, proc: subprocess.Popen[str]) -> None:
        self.port = port
        self.proc = proc
        self.url = f"http://127.0.0.1:{port}/api/"
        self.admin = httpx.Client(base_url=f"http://127.0.0.1:{port}/_emulator/", timeout=60)

    def stats(self) -> dict[str, object]:
        return self.admin.get("stats").json()  # type: ignore[no-any-return]

    def reset_stats(self) -> None:
        self.admin.post("stats/reset")

    def advance(self, seconds: float) -> None:
        self.admin.post("clock", json={"advance": seconds})

    def jobs(self) -> list[dict[str, object]]:
        return self.admin.get("jobs").json()["jobs"]  # type: ignore[no-any-return]


@contextmanager
def emulator(*args: str, ready_timeout: float = 120) -> Iterator[EmulatorProcess]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "amstui",
        "emulator",
        "--port",
        str(port),
        "--arrival-rate",
        "0",
        *args,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    emu = EmulatorProcess(port, proc)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                emu.admin.get("")
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"emulator did not start: {proc.stderr.read() if proc.stderr else ''}"
                    ) from None
                time.sleep(0.05)
        yield emu
    finally:
        emu.admin.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def write_results(results: list[Result], mode: str, seconds: float) -> tuple[Path, Path]:
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    data = {
        "date": stamp,
        "mode": mode,
        "seconds": round(seconds, 1),
        "machine": machine(),
        "results": [r.as_dict() for r in results],
    }
    json_path = RESULTS / f"{'latest' if mode == 'full' else mode}.json"
    json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    md_path = json_path.with_suffix(".md")
    md_path.write_text(markdown(data), encoding="utf-8")
    return json_path, md_path


def fmt(value: float) -> str:
    if value != value:  # NaN
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown(data: dict[str, object]) -> str:
    m = data["machine"]
    assert isinstance(m, dict)
    lines = [
        f"Benchmarks ({data['mode']} run, {data['date']}, {data['seconds']} s) on "
        f"{m.get('cpu', 'unknown CPU')}, {m.get('cpus')} cores, {m.get('memory', '?')} RAM, "
        f"Python {m.get('python')}.",
        "",
        "| Benchmark | Result | Target | Met | Baseline | Ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in data["results"]:  # type: ignore[union-attr]
        met = "–" if r["met"] is None else ("yes" if r["met"] else "**no**")
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        lines.append(
            f"| {r['name']} | {fmt(r['value'])} {r['unit']} | {r['target']} | {met} | "
            f"{r['baseline']} | {ratio} |"
        )
    notes = [f"- {r['name']}: {r['note']}" for r in data["results"] if r["note"]]  # type: ignore[union-attr]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
