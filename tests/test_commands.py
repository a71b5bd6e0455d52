"""The headless commands, run as subprocesses against the emulator served on a loopback port."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from amstui.ams.model import JobState
from amstui.commands.output import FIELDS
from amstui.emulator.app import Emulator
from amstui.emulator.server import RunningServer, serve_in_thread
from tests.conftest import make_emulator


def amstui(
    server: RunningServer | None, *args: str, timeout: float = 60, endpoint: bool = True
) -> subprocess.CompletedProcess[str]:
    extra = ["--endpoint", server.url, "--credential", "none"] if server and endpoint else []
    return subprocess.run(
        [sys.executable, "-m", "amstui", *args, *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "160"},
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def server() -> Iterator[RunningServer]:
    # The account's clock starts now (the commands read it from the Date header anyway).
    running = serve_in_thread(
        make_emulator(start=datetime.now(UTC), jobs=80, active=20, concurrency=8)
    )
    yield running
    running.stop()


MISSING = "nb:jid:UUID:00000000-0000-4000-8000-000000000000"


def views(emu: Emulator):  # type: ignore[no-untyped-def]
    return emu.sim.views(emu.now())


class TestJobs:
    def test_table(self, server: RunningServer) -> None:
        proc = amstui(server, "jobs")
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0].split()[:3] == ["ID", "STATE", "PROGRESS"]
        assert len(lines) == 81 and all(len(line) <= 160 for line in lines)
        assert "80 job(s)" in proc.stderr

    def test_json_lines_with_stable_fields(self, server: RunningServer) -> None:
        proc = amstui(server, "jobs", "--output", "json")
        records = [json.loads(line) for line in proc.stdout.splitlines()]
        assert len(records) == 80 and all(tuple(r) == FIELDS for r in records)
        assert list(FIELDS) == [
            "id",
            "name",
            "state",
            "progress",
            "tasks",
            "priority",
            "created",
            "start_time",
            "end_time",
            "last_modified",
            "running_duration_ms",
            "queue_wait_s",
            "elapsed_s",
        ]
        created = [r["created"] for r in records]
        assert created == sorted(created, reverse=True)
        finished = next(r for r in records if r["state"] == "Finished")
        assert finished["progress"] == 100.0 and finished["end_time"].endswith("Z")

    def test_csv(self, server: RunningServer) -> None:
        proc = amstui(server, "jobs", "-o", "csv", "--state", "processing")
        rows = list(csv.DictReader(io.StringIO(proc.stdout)))
        expected = sum(1 for v in views(server.emulator) if v.state == JobState.PROCESSING)
        assert len(rows) == expected > 0 and all(r["state"] == "Processing" for r in rows)
        assert proc.stdout.splitlines()[0] == ",".join(FIELDS)

    def test_filters(self, server: RunningServer) -> None:
        emu = server.emulator
        proc = amstui(
            server,
            "jobs",
            "-o",
            "json",
            "--state",
            "error,canceled",
            "--since",
            "20d",
            "--limit",
            "3",
        )
        records = [json.loads(line) for line in proc.stdout.splitlines()]
        cutoff = emu.now() - timedelta(days=20)
        expected = [
            v
            for v in views(emu)
            if v.state in (JobState.ERROR, JobState.CANCELED) and v.created > cutoff
        ]
        assert len(records) == min(3, len(expected)) > 0
        assert {r["state"] for r in records} <= {"Error", "Canceled"}
        name = views(emu)[0].name
        word = name.split()[1]
        proc = amstui(server, "jobs", "-o", "json", "--name", word)
        got = {json.loads(line)["id"] for line in proc.stdout.splitlines()}
        assert got == {v.id for v in views(emu) if word.lower() in v.name.lower()}
        proc = amstui(server, "jobs", "-o", "json", "--name", name.split()[0] + "*")
        got = {json.loads(line)["id"] for line in proc.stdout.splitlines()}
        assert got == {v.id for v in views(emu) if v.name.startswith(name.split()[0])}

    @pytest.mark.parametrize(
        ("args", "text"),
        [
            (["--state", "sleeping"], "unknown state"),
            (["--since", "yesterday"], "--since"),
            (["--limit", "0"], "--limit"),
            (["--output", "xml"], "invalid choice"),
        ],
    )
    def test_bad_arguments(self, server: RunningServer, args: list[str], text: str) -> None:
        proc = amstui(server, "jobs", *args)
        assert proc.returncode == 2
        assert text in proc.stderr and "Traceback" not in proc.stderr

    def test_10000_jobs_page_by_1000(self) -> None:
        running = serve_in_thread(make_emulator(jobs=10_000, active=50))
        try:
            running.emulator.stats.reset()
            proc = amstui(running, "jobs", "-o", "json", timeout=120)
            assert proc.returncode == 0
            assert len(proc.stdout.splitlines()) == 10_000
            # 10 full pages, and the short (empty) page that proves the end: AMS has no count.
            assert running.emulator.stats.by_route["Jobs"] == math.ceil((10_000 + 1) / 1000) == 11
        finally:
            running.stop()


class TestShow:
    def test_table_and_json_and_raw(self, server: RunningServer) -> None:
        job = next(v for v in views(server.emulator) if v.state == JobState.PROCESSING)
        table = amstui(server, "show", job.id)
        assert (
            table.returncode == 0
            and job.name in table.stdout
            and "WaitingForFreeResources" in table.stdout
        )
        data = json.loads(amstui(server, "show", job.id, "-o", "json").stdout)
        assert data["id"] == job.id and data["state"] == "Processing"
        assert len(data["tasks"]) == len(job.tasks) and "historical_events" in data["tasks"][0]
        raw = amstui(server, "show", job.id, "--raw").stdout
        assert '"odata.metadata"' in raw and "/Tasks" in raw

    def test_error_details_shown(self, server: RunningServer) -> None:
        failed = next(v for v in views(server.emulator) if v.state == JobState.ERROR)
        proc = amstui(server, "show", failed.id)
        code = next(t.error_details[0][0] for t in failed.tasks if t.error_details)
        assert f"error {code}" in proc.stdout

    def test_unknown_and_invalid_ids(self, server: RunningServer) -> None:
        proc = amstui(server, "show", MISSING)
        assert one_line_error(proc) == f"amstui: no such job: {MISSING}" and proc.returncode == 6
        proc = amstui(server, "show", "job-42")
        assert proc.returncode == 2 and "not an AMS job id" in one_line_error(proc)

    def test_verbose_adds_the_redacted_exchange(self, server: RunningServer) -> None:
        proc = amstui(
            server, "show", "nb:jid:UUID:00000000-0000-4000-8000-000000000000", "--verbose"
        )
        assert proc.returncode == 6
        assert "> GET http://127.0.0.1" in proc.stderr and "< 404" in proc.stderr
        assert "Bearer" not in proc.stderr and "Traceback" not in proc.stderr


def run_wait(
    server: RunningServer, *args: str, step: float = 20.0, limit: float = 60
) -> subprocess.CompletedProcess[str]:
    """`amstui wait` while this process moves the emulator's clock forward."""
    cmd = [
        sys.executable,
        "-m",
        "amstui",
        "wait",
        *args,
        "--interval",
        "0.5",
        "--endpoint",
        server.url,
        "--credential",
        "none",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.25)
        server.emulator.advance(step)
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def pick(emu: Emulator, failing: bool) -> str:
    now = emu.now()
    for job in emu.sim.jobs.values():
        view = emu.sim.view(job, now)
        if view.state.is_final or job.cancel_at is not None:
            continue
        if any(t.fail_at is not None for t in job.tasks) == failing:
            return job.id
    raise AssertionError("no such job")


@pytest.fixture
def wait_server() -> Iterator[RunningServer]:
    running = serve_in_thread(
        make_emulator(jobs=40, active=30, concurrency=30, error_rate=0.4, task_seconds=60)
    )
    yield running
    running.stop()


class TestWait:
    def test_finished_exit_0_with_plain_lines(self, wait_server: RunningServer) -> None:
        job_id = pick(wait_server.emulator, failing=False)
        proc = run_wait(wait_server, job_id, "--exit-status")
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0].startswith("Waiting for 1 job(s)")
        assert any(f"{job_id}  Finished" in line for line in lines)
        assert "\x1b[" not in proc.stdout  # no cursor movement when not a terminal
        assert lines[-1].startswith("1 job(s): 1 finished")

    def test_error_exit_1_only_with_exit_status(self, wait_server: RunningServer) -> None:
        job_id = pick(wait_server.emulator, failing=True)
        proc = run_wait(wait_server, job_id, "--exit-status")
        assert proc.returncode == 1 and "1 error" in proc.stdout
        again = run_wait(wait_server, job_id)
        assert again.returncode == 0  # already ended: reported at once

    def test_canceled_exit_3(self, wait_server: RunningServer) -> None:
        emu = wait_server.emulator
        job_id = pick(emu, failing=False)
        emu.sim.cancel(job_id, emu.now())
        proc = run_wait(wait_server, job_id, "--exit-status")
        assert proc.returncode == 3 and "1 canceled" in proc.stdout

    def test_timeout_exit_4(self, wait_server: RunningServer) -> None:
        job_id = pick(wait_server.emulator, failing=False)
        proc = run_wait(wait_server, job_id, "--timeout", "2s", step=0.0)
        assert proc.returncode == 4 and "timed out" in proc.stderr

    def test_not_found_exit_6(self, wait_server: RunningServer) -> None:
        job_id = pick(wait_server.emulator, failing=False)
        proc = run_wait(wait_server, job_id, MISSING)
        assert proc.returncode == 6 and f"amstui: no such job: {MISSING}" in proc.stderr

    def test_usage_exit_2(self, wait_server: RunningServer) -> None:
        proc = run_wait(wait_server, "not-a-job-id")
        assert proc.returncode == 2 and "not an AMS job id" in proc.stderr
        proc = run_wait(wait_server, pick(wait_server.emulator, failing=False), "--timeout", "soon")
        assert proc.returncode == 2 and "--timeout" in proc.stderr

    def test_auth_failure_exit_5(self) -> None:
        base = make_emulator(jobs=10, active=5)
        running = serve_in_thread(Emulator(replace(base.config, token="the-only-token")))
        try:
            job_id = next(iter(running.emulator.sim.jobs))
            proc = run_wait(running, job_id)
            assert proc.returncode == 5 and "authentication failed" in proc.stderr
            assert "the-only-token" not in proc.stderr + proc.stdout
        finally:
            running.stop()

    def test_outage_is_ridden_out(self, wait_server: RunningServer) -> None:
        emu = wait_server.emulator
        job_id = pick(emu, failing=False)
        emu.faults.apply_spec("503=12,503-retry-after=1")
        proc = run_wait(wait_server, job_id, "--exit-status", step=10)
        assert proc.returncode == 0, proc.stderr
        assert "connection problem" in proc.stderr and "connection restored" in proc.stderr
        assert emu.stats.by_status.get(503, 0) == 12


class TestCancel:
    def test_cancel_with_yes(self, server: RunningServer) -> None:
        emu = server.emulator
        job = next(v for v in views(emu) if v.state == JobState.PROCESSING)
        final = next(v for v in views(emu) if v.state == JobState.FINISHED)
        proc = amstui(server, "cancel", job.id, final.id, "--yes")
        assert proc.returncode == 1  # one of the two could not be canceled
        assert f"{job.id}: cancel requested" in proc.stdout
        assert f"{final.id}: not canceled" in proc.stderr and "already finished" in proc.stderr
        assert emu.sim.find(job.id, emu.now()).state == JobState.CANCELING  # type: ignore[union-attr]

    def test_refuses_without_yes_when_not_interactive(self, server: RunningServer) -> None:
        job = next(v for v in views(server.emulator) if v.state == JobState.PROCESSING)
        proc = amstui(server, "cancel", job.id)
        assert proc.returncode == 2 and "--yes" in one_line_error(proc)
        assert server.emulator.stats.by_route.get("CancelJob", 0) == 0


class TestInfo:
    def test_paths_and_check(self, server: RunningServer) -> None:
        proc = amstui(server, "info", "--check")
        assert proc.returncode == 0, proc.stderr
        for text in (
            "amstui 0.1.0",
            "config file:",
            "log file:",
            "state dir:",
            "credential:   none",
        ):
            assert text in proc.stdout
        assert (
            "✔ token (none)" in proc.stdout
            and "✔ call GET" in proc.stdout
            and "-> 200" in proc.stdout
        )

    def test_check_failure_is_reported(self) -> None:
        base = make_emulator(jobs=5, active=1)
        running = serve_in_thread(Emulator(replace(base.config, token="x")))
        try:
            proc = amstui(running, "info", "--check")
            assert (
                proc.returncode == 5 and "✖ call" in proc.stdout and "unauthorized" in proc.stdout
            )
        finally:
            running.stop()

    def test_without_any_account(self) -> None:
        proc = amstui(None, "info")
        assert proc.returncode == 0 and "accounts:     none configured" in proc.stdout


def test_monitor_without_account_says_how_in_two_lines() -> None:
    proc = amstui(None)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "no account configured" in lines[0] and "--demo" in lines[1]


def test_login_refuses_non_device_code_accounts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text(
        '[accounts.ci]\nendpoint = "https://x.restv2.westus.media.azure.net/api/"\ncredential = "environment"\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "amstui", "login"],
        capture_output=True,
        text=True,
        env={**os.environ, "AMSTUI_CONFIG": str(config)},
        timeout=30,
    )
    assert proc.returncode == 2 and "device-code" in one_line_error(proc)


def test_bad_config_file_is_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text('[accounts.a]\nendpoint = "http://media.example.com/api/"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "amstui", "jobs"],
        capture_output=True,
        text=True,
        env={**os.environ, "AMSTUI_CONFIG": str(config)},
        timeout=30,
    )
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert str(config) in line and "accounts.a.endpoint" in line and "loopback" in line


def test_a_bug_is_one_line_and_the_traceback_goes_to_the_log(monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from amstui import cli
    from amstui.commands import info

    def broken(args):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom with Bearer s3cr3t-token inside")

    monkeypatch.setattr(info, "run", broken)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: boom" in err
    assert "s3cr3t-token" not in err and "Traceback" not in err
    log = (tmp_path / "amstui.log").read_text()
    assert "Traceback" in log and "s3cr3t-token" not in log


# --------------------------------------------------------------------------- issue 9 item 5

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
TITLE = "\x1b]0;title\x07"
CLEAR = "\x1b[2J"
HOSTILE = f"evil {OSC52} {TITLE} {CLEAR} \x9b31m end"
RAW = ("\x1b", "\x07", "\x9b")


def submit(server: RunningServer, name: str) -> str:
    import httpx

    reply = httpx.post(f"{server.origin}/_emulator/jobs", json={"count": 1, "name": name})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["ids"][0])


def assert_inert(proc: subprocess.CompletedProcess[str]) -> None:
    for char in RAW:
        assert char not in proc.stdout and char not in proc.stderr, (char, proc)


class TestControlCharacters:
    def test_jobs_table_csv_and_json(self, server: RunningServer) -> None:
        job_id = submit(server, HOSTILE)
        table = amstui(server, "jobs")
        assert table.returncode == 0 and "\\x1b]52;c;aGVsbG8=\\x07" in table.stdout
        assert_inert(table)
        as_csv = amstui(server, "jobs", "-o", "csv")
        assert as_csv.returncode == 0 and "\\x1b[2J" in as_csv.stdout
        assert_inert(as_csv)
        as_json = amstui(server, "jobs", "-o", "json")
        assert_inert(as_json)
        names = {r["id"]: r["name"] for r in map(json.loads, as_json.stdout.splitlines())}
        assert names[job_id] == HOSTILE  # JSON escapes, a parser reads the exact name back
        assert "\\u001b]52" in as_json.stdout and "\\u009b" in as_json.stdout

    def test_show_in_every_form(self, server: RunningServer) -> None:
        job_id = submit(server, HOSTILE)
        for args in ((), ("-o", "json"), ("--raw",)):
            proc = amstui(server, "show", job_id, *args)
            assert proc.returncode == 0, proc.stderr
            assert_inert(proc)
        data = json.loads(amstui(server, "show", job_id, "-o", "json").stdout)
        assert data["name"] == HOSTILE

    def test_wait_lines_and_summary(self, server: RunningServer) -> None:
        job_id = submit(server, HOSTILE)
        proc = amstui(server, "wait", job_id, "--timeout", "1s", "--interval", "0.5")
        assert proc.returncode == 4 and "evil \\x1b]52" in proc.stdout
        assert_inert(proc)

    def test_error_lines(self, server: RunningServer) -> None:
        proc = amstui(server, "show", f"{CLEAR}{TITLE}")
        assert proc.returncode == 2 and "not an AMS job id" in proc.stderr
        assert_inert(proc)


# --------------------------------------------------------------------------- issue 10


class TestJobIds:
    def test_short_prefix_and_bare_guid(self, server: RunningServer) -> None:
        job = next(v for v in views(server.emulator) if v.state == JobState.PROCESSING)
        guid = job.id.removeprefix("nb:jid:UUID:")
        for typed in (guid[:8], guid, guid.upper(), job.id):
            proc = amstui(server, "show", typed, "-o", "json")
            assert proc.returncode == 0, (typed, proc.stderr)
            assert json.loads(proc.stdout)["id"] == job.id

    def test_ambiguous_prefix_lists_the_candidates(self, server: RunningServer) -> None:
        guids = [v.id.removeprefix("nb:jid:UUID:") for v in views(server.emulator)]
        first = max(set(g[0] for g in guids), key=lambda c: sum(g[0] == c for g in guids))
        matching = [g for g in guids if g.startswith(first)]
        assert len(matching) >= 2
        for command in (("show", first), ("wait", first), ("cancel", first, "--yes")):
            proc = amstui(server, *command)
            assert proc.returncode == 2, proc.stderr
            assert f"job id prefix '{first}' is ambiguous" in proc.stderr
            assert all(g in proc.stderr for g in matching[:10])
        assert server.emulator.stats.by_route.get("CancelJob", 0) == 0

    def test_unknown_prefix_is_no_such_job(self, server: RunningServer) -> None:
        guids = [v.id.removeprefix("nb:jid:UUID:") for v in views(server.emulator)]
        prefix = next(
            p for p in ("0000", "ffff", "abcd", "1234") if not any(g.startswith(p) for g in guids)
        )
        proc = amstui(server, "show", prefix)
        assert proc.returncode == 6 and one_line_error(proc) == f"amstui: no such job: {prefix}"


@pytest.fixture
def not_ams() -> Iterator[str]:
    """A plain HTTP server that answers 404 to everything (not an AMS REST root)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>Not Found</body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/"
    httpd.shutdown()
    httpd.server_close()


class TestNotAms:
    @pytest.mark.parametrize(
        "command",
        [
            ("show", "nb:jid:UUID:00000000-0000-4000-8000-000000000000"),
            ("show", "0a1b2c3d"),
            ("jobs",),
            ("wait", "nb:jid:UUID:00000000-0000-4000-8000-000000000000", "--timeout", "5s"),
            ("cancel", "nb:jid:UUID:00000000-0000-4000-8000-000000000000", "--yes"),
        ],
    )
    def test_a_server_that_is_not_ams_is_reported_as_such(
        self, not_ams: str, command: tuple[str, ...]
    ) -> None:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "amstui",
                *command,
                "--endpoint",
                not_ams,
                "--credential",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        line = one_line_error(proc)
        assert proc.returncode == 2, proc.stderr
        assert "does not look like an AMS REST root" in line and "no such job" not in line

    def test_info_check(self, not_ams: str) -> None:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "amstui",
                "info",
                "--check",
                "--endpoint",
                not_ams,
                "--credential",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 2 and "does not look like an AMS REST root" in proc.stdout


class TestJobsProgress:
    def test_processing_jobs_get_their_progress(self, server: RunningServer) -> None:
        processing = {v.id for v in views(server.emulator) if v.state == JobState.PROCESSING}
        assert processing
        before = server.emulator.stats.by_route.get("Jobs(id)/Tasks", 0)
        proc = amstui(server, "jobs", "-o", "json")
        records = {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}
        assert all(records[i]["progress"] is not None for i in processing)
        assert all(records[i]["tasks"] for i in processing)
        fetched = server.emulator.stats.by_route.get("Jobs(id)/Tasks", 0) - before
        assert fetched == len(processing)

    def test_no_progress_skips_the_task_requests(self, server: RunningServer) -> None:
        processing = {v.id for v in views(server.emulator) if v.state == JobState.PROCESSING}
        before = server.emulator.stats.by_route.get("Jobs(id)/Tasks", 0)
        proc = amstui(server, "jobs", "-o", "json", "--no-progress")
        records = {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}
        assert all(records[i]["progress"] is None for i in processing)
        assert server.emulator.stats.by_route.get("Jobs(id)/Tasks", 0) == before

    def test_table_counts_the_requests_and_help_says_so(self, server: RunningServer) -> None:
        processing = sum(1 for v in views(server.emulator) if v.state == JobState.PROCESSING)
        proc = amstui(server, "jobs")
        assert f"80 job(s), {1 + processing} request(s)" in proc.stderr
        help_text = amstui(None, "jobs", "--help").stdout
        assert "--no-progress" in help_text and "processing job" in help_text


def test_durations_are_in_service_time_against_a_fast_emulator() -> None:
    """An emulator at --speed 20 whose clock is months away from ours: durations follow the
    service's clock (its Date header), not the local one."""
    from amstui.emulator.app import EmulatorConfig
    from amstui.emulator.simulation import SimConfig

    emu = Emulator(
        EmulatorConfig(
            sim=SimConfig(seed=5, jobs=40, active=12, concurrency=12, task_seconds=3000),
            start=datetime(2025, 1, 6, 9, 0, tzinfo=UTC),
            speed=20.0,
        )
    )
    running = serve_in_thread(emu)
    try:
        before = emu.now()
        proc = amstui(running, "jobs", "-o", "json", "--state", "processing")
        after = emu.now()
    finally:
        running.stop()
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert records, proc.stderr
    for record in records:
        start = datetime.fromisoformat(record["start_time"].replace("Z", "+00:00"))
        low, high = (before - start).total_seconds(), (after - start).total_seconds()
        assert low - 2 <= record["elapsed_s"] <= high + 2, (record, low, high)
        created = datetime.fromisoformat(record["created"].replace("Z", "+00:00"))
        assert created <= after


class TestCancelPrompt:
    def run_cancel(self, server, monkeypatch, capsys, answer: str, *ids: str):  # type: ignore[no-untyped-def]
        from amstui import cli

        asked: list[str] = []
        monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
        monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or answer)
        code = cli.main(["cancel", *ids, "--endpoint", server.url, "--credential", "none"])
        out, err = capsys.readouterr()
        return code, asked, out, err

    def test_no_exits_0_and_the_prompt_names_the_job(self, server, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
        job = next(v for v in views(server.emulator) if v.state == JobState.PROCESSING)
        code, asked, out, _ = self.run_cancel(server, monkeypatch, capsys, "n", job.id[-36:][:8])
        assert code == 0 and out.strip() == "nothing canceled"
        assert len(asked) == 1 and job.name in asked[0] and job.id[-36:][:8] in asked[0]
        assert server.emulator.stats.by_route.get("CancelJob", 0) == 0

    def test_yes_cancels(self, server, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
        job = next(v for v in views(server.emulator) if v.state == JobState.PROCESSING)
        code, _, out, _ = self.run_cancel(server, monkeypatch, capsys, "y", job.id)
        assert code == 0 and out.strip() == f"{job.id}: cancel requested"

    def test_already_canceling_is_one_clear_line(self, server: RunningServer) -> None:
        emu = server.emulator
        job = next(v for v in views(emu) if v.state == JobState.PROCESSING)
        emu.sim.cancel(job.id, emu.now())
        proc = amstui(server, "cancel", job.id, "--yes")
        assert proc.returncode == 1 and proc.stdout == ""
        assert one_line_error(proc) == f"{job.id}: not canceled: already canceling"


def test_login_takes_endpoint_and_credential() -> None:
    proc = amstui(None, "login", "--endpoint", "http://127.0.0.1:19050/api/", "--credential", "cli")
    assert proc.returncode == 2
    assert "uses credential 'cli'" in one_line_error(proc)


def test_config_errors_have_one_prefix() -> None:
    for command in (("jobs",), ("login",), ("show", "0a1b")):
        proc = amstui(None, *command, "--account", "nope")
        line = one_line_error(proc)
        assert proc.returncode == 2
        assert line.startswith("amstui: config error: accounts.nope: no such account"), line


@pytest.mark.parametrize("fps", ["0", "-1", "121", "x"])
def test_fps_out_of_range_is_refused(fps: str) -> None:
    proc = amstui(None, "--fps", fps)
    assert proc.returncode == 2 and "--fps" in proc.stderr and "Traceback" not in proc.stderr


def test_error_lines_are_inert(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from amstui import cli
    from amstui.bootstrap.errors import CliError
    from amstui.commands import info

    def hostile(args):  # type: ignore[no-untyped-def]
        raise CliError(f"service said: {HOSTILE}", 1)

    monkeypatch.setattr(info, "run", hostile)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert all(c not in err for c in RAW) and "\\x1b]0;title\\x07" in err

    def bug(args):  # type: ignore[no-untyped-def]
        raise RuntimeError(HOSTILE)

    monkeypatch.setattr(info, "run", bug)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert all(c not in err for c in RAW) and "internal error" in err


def test_since_counts_back_from_the_service_clock() -> None:
    """`--since` against an account whose clock is far from ours: the window is the
    service's last day, not ours (which would hold no job at all)."""
    emu = make_emulator(start=datetime(2025, 1, 6, 9, 0, tzinfo=UTC), jobs=60, active=10)
    running = serve_in_thread(emu)
    try:
        cutoff = emu.now() - timedelta(days=1)
        expected = {v.id for v in views(emu) if v.created > cutoff}
        assert 0 < len(expected) < 60
        proc = amstui(running, "jobs", "--since", "1d", "-o", "json", "--no-progress")
    finally:
        running.stop()
    assert {json.loads(line)["id"] for line in proc.stdout.splitlines()} == expected
