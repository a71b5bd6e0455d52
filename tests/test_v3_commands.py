"""The headless commands on AMS v3 accounts (issue 13 item 7), run as subprocesses against the
v3 emulator served on a loopback port, in both shapes: ARM (`--api v3`: per-transform listing,
absolute nextLinks, RMS `/auth/token` for `rms-api-key`) and MK.IO (`--api mkio`: account-wide
listing, relative nextLinks, a JWT `token`). Every command, each exit code, paging across pages
and transforms, the failed-output case, both new credential kinds, a 429 burst ridden out.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amstui.ams.auth import BearerTokenAuth, NoCredential
from amstui.ams.backend import JobQuery
from amstui.ams.model import Job, JobState
from amstui.ams.service_credentials import StaticToken
from amstui.ams.v3_client import AmsV3Client
from amstui.commands.output import FIELDS
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig

PAGE = 7
JOBS = 120
RMS_KEY = "rms-key-0f3b9c"


def jwt(days: float = 365.0) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    exp = int((datetime.now(UTC) + timedelta(days=days)).timestamp())
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'sub': 'me', 'exp': exp})}.c2ln"


TOKEN = jwt()


def make(api: str, **config: Any) -> Emulator:
    return Emulator(
        EmulatorConfig(
            sim=SimConfig(
                seed=5,
                jobs=JOBS,
                active=30,
                concurrency=6,
                error_rate=0.25,
                cancel_seconds=5.0,
            ),
            start=datetime.now(UTC),
            speed=0.0,
            api=api,
            page_size=PAGE,
            **config,
        )
    )


def serve(emulator: Emulator) -> Iterator[RunningServer]:
    server = serve_in_thread(emulator)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def arm() -> Iterator[RunningServer]:
    yield from serve(make("v3"))


@pytest.fixture
def mkio() -> Iterator[RunningServer]:
    yield from serve(make("mkio"))


@pytest.fixture
def rms() -> Iterator[RunningServer]:
    yield from serve(make("v3", rms_api_key=RMS_KEY))


def connection_args(server: RunningServer, credential: str | None = None) -> list[str]:
    api = "mkio" if server.emulator.config.api == "mkio" else "v3"
    kind = credential or ("token" if api == "mkio" else "none")
    return ["--api", api, "--endpoint", server.url, "--credential", kind]


def env_for(**extra: str) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", "AMSTUI_TOKEN": TOKEN, **extra}


def amstui(
    server: RunningServer,
    *args: str,
    credential: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amstui", *args, *connection_args(server, credential)],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=env or env_for(),
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def all_jobs(server: RunningServer) -> list[Job]:
    """The account as an independent in-process client reads it."""
    mkio = server.emulator.config.api == "mkio"
    source: Any = StaticToken(env={"AMSTUI_TOKEN": TOKEN}) if mkio else NoCredential()

    async def listing() -> list[Job]:
        async with AmsV3Client(
            server.url,
            flavour="mkio" if mkio else "arm",
            auth=BearerTokenAuth(source, "https://management.azure.com/.default"),
        ) as client:
            return (await client.list_jobs(JobQuery())).value

    return asyncio.run(listing())


def expected_ids(emulator: Emulator) -> set[str]:
    return {f"{job.transform}/{job.arm_name}" for job in emulator.sim.job_list()}


# --------------------------------------------------------------------------- jobs


@pytest.mark.parametrize("shape", ["arm", "mkio"])
def test_jobs_json_lists_every_job_across_pages_and_transforms(
    shape: str, arm: RunningServer, mkio: RunningServer
) -> None:
    server = arm if shape == "arm" else mkio
    proc = amstui(server, "jobs", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["id"] for r in records} == expected_ids(server.emulator)
    assert len(records) == JOBS
    first = records[0]
    assert set(FIELDS) <= set(first)
    assert {"transform", "outputs", "description", "correlation_data", "failed_output"} <= set(
        first
    )
    assert all(r["id"] == f"{r['transform']}/{r['name']}" for r in records)
    output = first["outputs"][0]
    assert set(output) == {
        "label",
        "state",
        "progress",
        "asset",
        "start_time",
        "end_time",
        "error",
    }
    # Progress comes with the listing: a processing job has it, and tasks count its outputs.
    processing = [r for r in records if r["state"] == "Processing"]
    assert processing and all(r["progress"] is not None for r in processing)
    assert all(r["tasks"] == len(r["outputs"]) for r in records)
    assert len({r["transform"] for r in records}) > 1
    # Newest first, across transforms.
    created = [r["created"] for r in records]
    assert created == sorted(created, reverse=True)


def test_jobs_table_counts_its_requests_without_a_request_per_job(arm: RunningServer) -> None:
    arm.emulator.stats.reset()
    proc = amstui(arm, "jobs")
    assert proc.returncode == 0, proc.stderr
    assert f"{JOBS} job(s)" in proc.stderr
    requests = arm.emulator.stats.total
    # The transform list, then every transform's pages: no GET per processing job.
    per_transform = {}
    for job in arm.emulator.sim.job_list():
        per_transform[job.transform] = per_transform.get(job.transform, 0) + 1
    pages = sum(-(-n // PAGE) for n in per_transform.values())
    assert requests == 1 + pages
    assert f"{requests} request(s)" in proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "STATE", "PROGRESS"]
    assert len(lines) == JOBS + 1


def test_jobs_transform_filter_is_repeatable_and_checked(arm: RunningServer) -> None:
    jobs = all_jobs(arm)
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.transform or ""] = counts.get(job.transform or "", 0) + 1
    a, b = sorted(counts)[:2]
    proc = amstui(arm, "jobs", "-o", "json", "--transform", a, "--transform", b.lower())
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["transform"] for r in records} == {a, b}
    assert len(records) == counts[a] + counts[b]
    missing = amstui(arm, "jobs", "--transform", "NoSuchTransform")
    assert missing.returncode == 6
    assert "no such transform: NoSuchTransform" in one_line_error(missing)


def test_jobs_csv_adds_the_v3_columns(mkio: RunningServer) -> None:
    proc = amstui(mkio, "jobs", "-o", "csv", "--state", "final", "--limit", "5")
    assert proc.returncode == 0, proc.stderr
    header, *rows = proc.stdout.splitlines()
    assert header.split(",")[-3:] == ["transform", "failed_output", "description"]
    assert len(rows) == 5


def test_transform_on_a_v2_account_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "amstui", "jobs", "--demo", "--transform", "X"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert "--transform needs a v3 or mkio account" in one_line_error(proc)


# --------------------------------------------------------------------------- show


def test_show_by_transform_and_name_and_by_resource_id(arm: RunningServer) -> None:
    job = next(j for j in all_jobs(arm) if j.state == JobState.PROCESSING)
    proc = amstui(arm, "show", job.id)
    assert proc.returncode == 0, proc.stderr
    assert f"transform{' ' * 3}" in proc.stdout or "transform" in proc.stdout
    assert job.name in proc.stdout and "output 1:" in proc.stdout
    as_json = amstui(arm, "show", job.resource_id, "-o", "json")
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert record["id"] == job.id and record["transform"] == job.transform
    assert record["outputs"][0]["label"] == (job.outputs or ())[0].label
    assert isinstance(record["tasks"], list) and len(record["tasks"]) == len(record["outputs"])


def test_show_exit_codes(arm: RunningServer) -> None:
    transform = next(iter(all_jobs(arm))).transform
    missing = amstui(arm, "show", f"{transform}/no-such-job")
    assert missing.returncode == 6
    assert "no such job" in one_line_error(missing)
    malformed = amstui(arm, "show", "just-a-name")
    assert malformed.returncode == 2
    assert "TRANSFORM/JOB" in one_line_error(malformed)
    # A v2 id on a v3 account names no transform: a usage error, not a lookup.
    v2 = amstui(arm, "show", "nb:jid:UUID:00000000-0000-4000-8000-000000000000")
    assert v2.returncode == 2


def test_a_finished_job_with_a_failed_output_is_flagged_everywhere(arm: RunningServer) -> None:
    flagged = next(j for j in all_jobs(arm) if j.finished_with_failed_output)
    listing = amstui(arm, "jobs", "--state", "finished")
    row = next(line for line in listing.stdout.splitlines() if line.startswith(flagged.id + " "))
    assert "output failed" in row
    record = next(
        r
        for r in map(json.loads, amstui(arm, "jobs", "-o", "json").stdout.splitlines())
        if r["id"] == flagged.id
    )
    assert record["state"] == "Finished" and record["failed_output"] is True
    assert any(o["error"] and o["error"]["code"] for o in record["outputs"])
    shown = amstui(arm, "show", flagged.id)
    assert "output failed" in shown.stdout and "error " in shown.stdout
    waited = amstui(arm, "wait", flagged.id, "--exit-status")
    assert waited.returncode == 1, (waited.stdout, waited.stderr)
    assert "finished with a failed output" in waited.stdout
    assert amstui(arm, "wait", flagged.id).returncode == 0  # without --exit-status: it ended


# --------------------------------------------------------------------------- wait


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
        *connection_args(server),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env_for(),
    )
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.25)
        server.emulator.advance(step)
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.mark.parametrize("shape", ["arm", "mkio"])
def test_wait_follows_active_jobs_to_their_end(
    shape: str, arm: RunningServer, mkio: RunningServer
) -> None:
    server = arm if shape == "arm" else mkio
    active = [j for j in all_jobs(server) if j.state == JobState.PROCESSING][:2]
    proc = run_wait(server, *(j.id for j in active))
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert f"{len(active)} job(s):" in proc.stdout.splitlines()[-1]
    for job in active:
        assert job.id in proc.stdout
    assert "Traceback" not in proc.stderr


def test_wait_exit_codes_for_final_jobs(arm: RunningServer) -> None:
    jobs = all_jobs(arm)
    ok = next(j for j in jobs if j.state == JobState.FINISHED and not j.finished_with_failed_output)
    failed = next(j for j in jobs if j.state == JobState.ERROR)
    assert amstui(arm, "wait", ok.id, "--exit-status").returncode == 0
    assert amstui(arm, "wait", failed.id, "--exit-status").returncode == 1
    assert amstui(arm, "wait", ok.id, failed.id).returncode == 0
    missing = amstui(arm, "wait", f"{ok.transform}/gone-job-123")
    assert missing.returncode == 6 and "no such job" in missing.stderr


def test_wait_times_out(arm: RunningServer) -> None:
    job = next(j for j in all_jobs(arm) if j.state == JobState.PROCESSING)
    proc = amstui(arm, "wait", job.id, "--timeout", "1s", "--interval", "0.5")
    assert proc.returncode == 4
    assert "timed out" in proc.stderr


# --------------------------------------------------------------------------- cancel


def test_cancel_then_wait_reports_canceled(arm: RunningServer) -> None:
    job = next(j for j in all_jobs(arm) if j.state == JobState.PROCESSING)
    proc = amstui(arm, "cancel", "--yes", job.id)
    assert proc.returncode == 0, proc.stderr
    assert f"{job.id}: cancel requested" in proc.stdout
    again = amstui(arm, "cancel", "--yes", job.id)
    assert again.returncode == 1 and "not canceled: already" in again.stderr
    waited = run_wait(arm, job.id, "--exit-status", step=5)
    assert waited.returncode == 3, (waited.stdout, waited.stderr)
    final = amstui(arm, "cancel", "--yes", job.id)
    assert final.returncode == 1 and "already canceled" in final.stderr
    missing = amstui(arm, "cancel", "--yes", f"{job.transform}/no-such-job")
    assert missing.returncode == 6


def test_cancel_without_yes_off_a_terminal_refuses(arm: RunningServer) -> None:
    proc = amstui(arm, "cancel", "Thumbnails/x")
    assert proc.returncode == 2 and "--yes" in one_line_error(proc)


# --------------------------------------------------------------------------- credentials, info


def test_token_credential_on_mkio_and_its_failures(mkio: RunningServer) -> None:
    ok = amstui(mkio, "jobs", "--limit", "3", "-o", "json")
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 3
    # A token that is not a JWT: MK.IO answers 401, amstui says so once and exits 5.
    bad = amstui(mkio, "jobs", env=env_for(AMSTUI_TOKEN="not-a-jwt"))
    assert bad.returncode == 5
    line = one_line_error(bad)
    assert "not-a-jwt" not in line and "not-a-jwt" not in bad.stdout
    # No token at all: a clear line naming where it goes.
    env = env_for()
    del env["AMSTUI_TOKEN"]
    none = amstui(mkio, "jobs", env=env)
    assert none.returncode in (2, 5) and "AMSTUI_TOKEN" in one_line_error(none)


def test_rms_api_key_credential(rms: RunningServer) -> None:
    env = env_for(AMSTUI_RMS_API_KEY=RMS_KEY)
    ok = amstui(rms, "jobs", "-o", "json", credential="rms-api-key", env=env)
    assert ok.returncode == 0, ok.stderr
    assert len(ok.stdout.splitlines()) == JOBS
    job = json.loads(ok.stdout.splitlines()[0])
    assert amstui(rms, "show", job["id"], credential="rms-api-key", env=env).returncode == 0
    wrong = amstui(rms, "jobs", credential="rms-api-key", env=env_for(AMSTUI_RMS_API_KEY="nope"))
    assert wrong.returncode == 5
    assert "nope" not in one_line_error(wrong)
    # Without a token from /auth/token, the account refuses a made-up bearer.
    assert amstui(rms, "jobs", credential="none").returncode == 5


def test_info_check_lists_transforms_and_reads_left(arm: RunningServer) -> None:
    proc = amstui(arm, "info", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "api v3" in proc.stdout
    transforms = next(line for line in proc.stdout.splitlines() if line.startswith("transforms:"))
    assert "5:" in transforms and "AdaptiveStreaming" in transforms
    reads = next(line for line in proc.stdout.splitlines() if line.startswith("reads left:"))
    assert int(reads.split()[-1]) > 200


def test_info_shows_the_token_expiry_and_warns_a_week_ahead(mkio: RunningServer) -> None:
    far = amstui(mkio, "info", "--check")
    assert far.returncode == 0, far.stdout + far.stderr
    assert "token:        expires" in far.stdout and "warning" not in far.stderr
    soon = amstui(mkio, "info", env=env_for(AMSTUI_TOKEN=jwt(days=3)))
    assert soon.returncode == 0
    assert "expires in 2 days" in soon.stderr or "expires in 3 days" in soon.stderr
    assert jwt(days=3) not in soon.stdout + soon.stderr


def test_info_check_on_an_endpoint_that_is_not_v3(arm: RunningServer) -> None:
    bogus = arm.url.replace("mediaServices/", "mediaServices/x") + "nothing/"
    proc = subprocess.run(
        [sys.executable, "-m", "amstui", "info", "--check", "--api", "v3", "--endpoint", bogus],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env_for(),
    )
    assert proc.returncode in (2, 6), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- faults


def test_a_429_burst_is_ridden_out(arm: RunningServer) -> None:
    arm.emulator.faults.apply_spec("429=3")
    proc = amstui(arm, "jobs", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == JOBS
    statuses = [entry["status"] for entry in list(arm.emulator.stats.log)[:4]]
    assert statuses.count(429) == 3


def test_throttled_past_the_retries_is_one_line_and_exit_1(arm: RunningServer) -> None:
    arm.emulator.faults.apply_spec("429=50")
    proc = amstui(arm, "jobs", timeout=120)
    assert proc.returncode == 1
    assert "429" in one_line_error(proc) or "throttl" in one_line_error(proc).lower()
