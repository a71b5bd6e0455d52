"""`amstui wait JOB_ID ...`: watch jobs until they end, for build boxes and scripts.

On a terminal the view (one line per job) is redrawn in place; otherwise a line is appended
whenever a job changes state or crosses a 10% progress step, so CI logs stay readable. The
last frame and a summary stay in scrollback; on timeout the summary has one line per job.
Transient outages are ridden out until the timeout, saying so. Ctrl-C stops waiting (exit
130) and cancels nothing. Service text is printed inert (control characters as escapes).

When to stop and the exit code are decided by `wait_policy` (a pure function); the loop here
takes its clock and its sleep as arguments, so it is tested without real waiting.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.commands import job_ids
from amstui.commands.wait_policy import Seen, decide
from amstui.monitor.inert_text import inert
from amstui.monitor.labels import (
    count_summary,
    duration_text,
    job_glyph,
    job_state_word,
    outcome_word,
    short_id,
)

if TYPE_CHECKING:
    from amstui.bootstrap.connect import Connection
    from amstui.monitor.store import JobEntry


def parse_duration(text: str) -> float:
    """`90s`, `30m`, `2h`, `1h30m`, or plain seconds."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+)\s*([hms])", text)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != text.replace(" ", ""):
        raise CliError(
            f"--timeout: expected e.g. 90s, 30m, 2h or 1h30m (got {inert(repr(text))})",
            exit_codes.USAGE,
        )
    return float(sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts))


@dataclass
class View:
    """What was shown, so that plain output only says what changed."""

    tty: bool
    quiet: bool
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    drawn_lines: int = 0
    last_frame: list[str] = field(default_factory=list)
    last: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: Several accounts: the account of these jobs, before every line this view writes.
    account: str = ""

    def tag(self, text: str) -> str:
        """`text` after the account's name (several accounts), as is for one account."""
        return f"{inert(self.account)}: {text}" if self.account else text

    @staticmethod
    def line(entry: JobEntry, now: datetime) -> str:
        job = entry.job
        progress = job.progress
        pct = f"{progress:3.0f}%" if progress is not None else "   -"
        elapsed = duration_text(job.elapsed(now))
        word = job_state_word(job, entry.gone)
        glyph = job_glyph(job, entry.gone)
        return (
            f"{glyph} {inert(word):<10} {pct}  {elapsed:>7}  {inert(job.name)} "
            f"({inert(short_id(job.id))})"
        )

    def frame(self, lines: Sequence[str], header: str) -> None:
        """Redraw the block of job lines in place (a terminal); nothing if unchanged."""
        if self.quiet:
            return
        width = shutil.get_terminal_size((120, 24)).columns
        out = [header, *(line[: width - 1] for line in lines)]
        if out == self.last_frame and self.drawn_lines:
            return
        if self.drawn_lines:
            self.out.write(f"\x1b[{self.drawn_lines}F\x1b[J")
        self.out.write("\n".join(out) + "\n")
        self.out.flush()
        self.drawn_lines = len(out)
        self.last_frame = out

    def changes(self, entries: Sequence[JobEntry], now: datetime) -> None:
        """One appended line per job whose state or 10% progress step changed."""
        if self.quiet:
            return
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        for entry in entries:
            job = entry.job
            progress = job.progress
            word = job_state_word(job, entry.gone)
            step = int((progress or 0) // 10)
            if self.last.get(job.id) == (word, step):
                continue
            self.last[job.id] = (word, step)
            pct = f" {progress:.0f}%" if progress is not None else ""
            job_id = f"{self.account}:{job.id}" if self.account else job.id
            print(
                f"{stamp}  {inert(job_id)}  {inert(word)}{pct}  {inert(job.name)}",
                file=self.out,
                flush=True,
            )

    def note(self, text: str) -> None:
        """A line on stderr (the terminal's frame is given up first)."""
        if self.tty and self.drawn_lines:
            self.out.write(f"\x1b[{self.drawn_lines}F\x1b[J")
            self.out.flush()
            self.drawn_lines = 0
            self.last_frame = []
        if self.account:
            text = "amstui: " + self.tag(text.removeprefix("amstui: "))
        print(text, file=self.err, flush=True)

    def summary(self, entries: Sequence[JobEntry], now: datetime, tail: str, per_job: bool) -> None:
        """The last words on stdout: one line per job (if asked, or if a note took the
        terminal's frame away), then the counts."""
        frame_visible = self.tty and self.drawn_lines > 0
        if (per_job or self.tty) and not frame_visible:
            for entry in entries:
                print(f"  {self.tag(self.line(entry, now))}", file=self.out)
        counts = count_summary(
            "finished with a failed output"
            if not e.gone and e.job.finished_with_failed_output
            else outcome_word(e.job, e.gone)
            for e in entries
        )
        print(self.tag(f"{len(entries)} job(s): {counts} ({tail})"), file=self.out, flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        print("\ninterrupted: stopped waiting; no job was canceled", file=sys.stderr)
        return exit_codes.INTERRUPTED


async def _run(args: argparse.Namespace) -> int:
    from amstui.ams.errors import AmsError, AuthenticationError
    from amstui.bootstrap.session import (
        fail,
        not_ams,
        not_ams_shaped,
        probe,
        resolve_connection,
    )

    timeout = parse_duration(args.timeout) if args.timeout else None
    interval = args.interval or 5.0
    from amstui.bootstrap.account_set import wants_several

    if wants_several(args):  # several accounts, ids as ACCOUNT:ID: commands/wait_set.py
        from amstui.commands.wait_set import run_set

        def wait_one(connection: Connection, ids: list[str]) -> Coroutine[Any, Any, int]:
            # Several accounts print their changes as lines (no redrawn frames).
            view = View(tty=False, quiet=args.quiet, account=connection.account)
            return wait_for(
                connection,
                ids,
                interval=interval,
                timeout=timeout,
                exit_status=args.exit_status,
                view=view,
            )

        return await run_set(args, timeout, interval, wait_one)
    connection, _ = resolve_connection(args)
    wanted = job_ids.parse_all(args.job_ids, connection.api)
    view = View(tty=sys.stdout.isatty(), quiet=args.quiet)
    async with connection.client:
        problem = await probe(connection.client)
        if problem is not None and not_ams_shaped(problem):
            raise not_ams(connection.client.endpoint, problem, connection.api)
        if isinstance(problem, AuthenticationError):
            view.note(f"amstui: authentication failed: {inert(str(problem))}")
            return exit_codes.AUTH
        try:
            ids = await job_ids.resolve(connection.client, wanted)
        except AmsError as exc:
            if problem is None:
                raise fail(exc, args.verbose) from None
            # An outage from the start: full ids are ridden out by the loop; prefixes
            # cannot be looked up.
            ids = [w.full_id for w in wanted if w.full_id is not None]
            if len(ids) < len(wanted):
                raise fail(exc, args.verbose) from None
        return await wait_for(
            connection,
            ids,
            interval=interval,
            timeout=timeout,
            exit_status=args.exit_status,
            view=view,
        )


async def wait_for(
    connection: Connection,
    ids: Sequence[str],
    *,
    interval: float,
    timeout: float | None,
    exit_status: bool,
    view: View,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> int:
    """Refresh `ids` every `interval` seconds until `wait_policy.decide` says stop."""
    from amstui.ams.backend import JobQuery
    from amstui.monitor.engine import RefreshEngine
    from amstui.monitor.store import JobStore

    store = JobStore(connection.now)
    engine = RefreshEngine(
        connection.client,
        store,
        now=connection.now,
        interval=interval,
        scope=JobQuery(ids=tuple(ids), newest_first=False),
        monotonic=monotonic,
    )
    started = monotonic()
    outage: str | None = None
    listed_once = False
    header = (
        f"Waiting for {len(ids)} job(s), refreshing every {interval:g}s. "
        "Ctrl-C stops waiting (jobs keep running)."
    )
    if not view.tty and not view.quiet:
        print(view.tag(header), file=view.out, flush=True)
    while True:
        report = await engine.cycle()
        status = engine.status
        discovery_failed = (
            bool(report.errors) and report.listed == 0 and (report.discovery_requests == 0)
        )
        if discovery_failed or report.skipped.startswith("backing off"):
            reason = status.reason or (report.errors[0] if report.errors else report.skipped)
            if outage is None and status.state != "auth":
                view.note(f"connection problem: {inert(reason)}; retrying until the timeout")
            outage = reason
        else:
            if outage is not None:
                view.note("connection restored")
                outage = None
            listed_once = listed_once or status.cycles > 0
        entries = [e for i in ids if (e := store.get(i)) is not None]
        connection.observe(e.job for e in entries)
        now = connection.now()
        if listed_once:
            if view.tty:
                view.frame([view.line(e, now) for e in entries], header)
            else:
                view.changes(entries, now)
        waited = monotonic() - started
        seen = {
            i: (
                Seen(e.job.state, e.gone, e.job.finished_with_failed_output)
                if (e := store.get(i)) is not None
                else None
            )
            for i in ids
        }
        code = decide(
            seen,
            listed_once=listed_once,
            auth_failed=status.state == "auth",
            waited_s=waited,
            timeout_s=timeout,
            exit_status=exit_status,
        )
        if code is None:
            pace = engine.current_interval()  # stretched while the service has few reads left
            pause = pace if timeout is None else min(pace, max(timeout - waited, 0.05))
            await sleep(pause)
            continue
        took = duration_text(waited) or "0s"
        if code == exit_codes.AUTH:
            view.note(f"amstui: authentication failed: {inert(status.reason)}")
        elif code == exit_codes.TIMEOUT:
            view.note(f"amstui: timed out after {took}; jobs keep running")
            view.summary(entries, now, f"timed out after {took}", per_job=True)
        elif any(s is None for s in seen.values()):
            for job_id, s in seen.items():
                if s is None:
                    view.note(f"amstui: no such job: {inert(job_id)}")
        else:
            for entry in entries:
                if entry.gone:
                    view.note(f"amstui: no such job: {inert(entry.job.id)} (purged while waiting)")
            view.summary(entries, now, f"waited {took}", per_job=False)
        return code
