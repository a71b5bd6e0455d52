"""`amstui wait JOB_ID ...`: watch jobs until they end, for build boxes and scripts.

On a terminal the view (one line per job) is redrawn in place; otherwise a line is appended
whenever a job changes state or crosses a 10% progress step, so CI logs stay readable. The
last frame and a summary stay in scrollback. Transient outages are ridden out until the
timeout, saying so. Ctrl-C stops waiting (exit 130) and cancels nothing.

Exit codes: 0 all jobs ended (with --exit-status: all finished); 1 a job failed and 3 a job
was canceled (--exit-status only); 4 timeout; 5 authentication failure; 6 a job does not
exist; 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.commands.output import short_duration

GLYPHS = {
    "Queued": "◌",
    "Scheduled": "◔",
    "Processing": "▶",
    "Finished": "✔",
    "Error": "✖",
    "Canceled": "⊘",
    "Canceling": "…",
}


def parse_duration(text: str) -> float:
    """`90s`, `30m`, `2h`, `1h30m`, or plain seconds."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+)\s*([hms])", text)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != text.replace(" ", ""):
        raise CliError(
            f"--timeout: expected e.g. 90s, 30m, 2h or 1h30m (got {text!r})", exit_codes.USAGE
        )
    return float(sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts))


@dataclass
class View:
    """What was shown, so that plain output only says what changed."""

    tty: bool
    quiet: bool
    drawn_lines: int = 0
    last: dict[str, tuple[str, int]] = field(default_factory=dict)

    def line(self, job_id: str, state: str, progress: float | None, name: str, elapsed: str) -> str:
        glyph = GLYPHS.get(state, "?")
        pct = f"{progress:3.0f}%" if progress is not None else "   -"
        short = job_id.rsplit(":", 1)[-1][:8]
        return f"{glyph} {state:<10} {pct}  {elapsed:>7}  {name} ({short})"

    def frame(self, lines: Sequence[str], header: str) -> None:
        if self.quiet:
            return
        width = shutil.get_terminal_size((120, 24)).columns
        out = [header, *(line[: width - 1] for line in lines)]
        if self.drawn_lines:
            sys.stdout.write(f"\x1b[{self.drawn_lines}F\x1b[J")
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()
        self.drawn_lines = len(out)

    def changes(self, rows: Sequence[tuple[str, str, float | None, str]], now: datetime) -> None:
        if self.quiet:
            return
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        for job_id, state, progress, name in rows:
            step = int((progress or 0) // 10)
            if self.last.get(job_id) == (state, step):
                continue
            self.last[job_id] = (state, step)
            pct = f" {progress:.0f}%" if progress is not None else ""
            print(f"{stamp}  {job_id}  {state}{pct}  {name}", flush=True)

    def note(self, text: str) -> None:
        if self.tty and self.drawn_lines:
            sys.stdout.write(f"\x1b[{self.drawn_lines}F\x1b[J")
            self.drawn_lines = 0
        print(text, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        print("\ninterrupted: stopped waiting; no job was canceled", file=sys.stderr)
        return exit_codes.INTERRUPTED


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.backend import JobQuery
    from amstui.ams.errors import AmsError
    from amstui.ams.model import JobState
    from amstui.ams.odata import validate_job_id
    from amstui.bootstrap.session import resolve_connection
    from amstui.monitor.engine import RefreshEngine
    from amstui.monitor.store import JobStore

    try:
        ids = list(dict.fromkeys(validate_job_id(i) for i in args.job_ids))
    except AmsError as exc:
        raise CliError(str(exc), exit_codes.USAGE) from None
    timeout = parse_duration(args.timeout) if args.timeout else None
    interval = args.interval or 5.0
    connection, _ = resolve_connection(args)
    store = JobStore(connection.now)
    engine = RefreshEngine(
        connection.client,
        store,
        now=connection.now,
        interval=interval,
        scope=JobQuery(ids=tuple(ids), newest_first=False),
    )
    view = View(tty=sys.stdout.isatty(), quiet=args.quiet)
    started = time.monotonic()
    outage: str | None = None
    checked_existence = False
    header = (
        f"Waiting for {len(ids)} job(s), refreshing every {interval:g}s. "
        "Ctrl-C stops waiting (jobs keep running)."
    )
    if not view.tty and not view.quiet:
        print(header, flush=True)
    async with connection.client:
        while True:
            report = await engine.cycle()
            status = engine.status
            if status.state == "auth":
                view.note(f"amstui: authentication failed: {status.reason}")
                return exit_codes.AUTH
            discovery_failed = (
                bool(report.errors) and report.listed == 0 and report.discovery_requests == 0
            )
            if discovery_failed or report.skipped.startswith("backing off"):
                reason = status.reason or (report.errors[0] if report.errors else report.skipped)
                if outage is None:
                    view.note(f"connection problem: {reason}; retrying until the timeout")
                outage = reason
            elif outage is not None:
                view.note("connection restored")
                outage = None
            if not checked_existence and status.cycles > 0:
                checked_existence = True
                missing = [i for i in ids if i not in store.entries]
                if missing:
                    for job_id in missing:
                        view.note(f"amstui: job {job_id} does not exist")
                    return exit_codes.NOT_FOUND
            now = connection.now()
            rows = []
            for job_id in ids:
                entry = store.get(job_id)
                if entry is None:
                    continue
                state = "Gone" if entry.gone else entry.job.state.label
                rows.append((job_id, state, entry.job.progress, entry.job.name))
            if view.tty:
                lines = []
                for job_id, state, progress, name in rows:
                    entry = store.entries[job_id]
                    elapsed = short_duration(
                        e.total_seconds() if (e := entry.job.elapsed(now)) is not None else None
                    )
                    lines.append(view.line(job_id, state, progress, name, elapsed))
                view.frame(lines, header)
            else:
                view.changes(rows, now)
            entries = [store.entries[i] for i in ids if i in store.entries]
            done = checked_existence and all(e.gone or e.job.is_final for e in entries)
            if done:
                break
            elapsed_wait = time.monotonic() - started
            if timeout is not None and elapsed_wait >= timeout:
                view.note(
                    f"amstui: timed out after {short_duration(elapsed_wait)}; jobs keep running"
                )
                return exit_codes.TIMEOUT
            pause = (
                interval if timeout is None else min(interval, max(timeout - elapsed_wait, 0.05))
            )
            await asyncio.sleep(pause)
    counts: dict[str, int] = {}
    for entry in entries:
        word = "gone" if entry.gone else entry.job.state.label.lower()
        counts[word] = counts.get(word, 0) + 1
    summary = ", ".join(f"{n} {w}" for w, n in sorted(counts.items()))
    took = short_duration(time.monotonic() - started) or "0s"
    print(f"{len(entries)} job(s): {summary} (waited {took})", flush=True)
    if any(e.gone for e in entries):
        return exit_codes.NOT_FOUND
    if not args.exit_status:
        return 0
    if any(e.job.state == JobState.ERROR for e in entries):
        return exit_codes.FAILED
    if any(e.job.state == JobState.CANCELED for e in entries):
        return exit_codes.CANCELED
    return 0
