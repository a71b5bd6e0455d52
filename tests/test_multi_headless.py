"""`amstui jobs` across two served emulators (one v2, one v3): real processes, real sockets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from amstui.ams.model import JobState
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig
from tests.conftest import START

TOKEN = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ0ZXN0IiwiZXhwIjo0MTAyNDQ0ODAwfQ.eA"


@pytest.fixture
def servers() -> Iterator[tuple[RunningServer, RunningServer]]:
    sim = SimConfig(seed=11, jobs=30, active=6, concurrency=3)
    v2 = serve_in_thread(Emulator(EmulatorConfig(sim=sim, start=START, speed=0.0)))
    v3 = serve_in_thread(
        Emulator(EmulatorConfig(sim=sim, start=START, speed=0.0, api="v3", page_size=10))
    )
    try:
        yield v2, v3
    finally:
        v2.stop()
        v3.stop()


def write_config(tmp_path: Path, v2: str, v3: str) -> Path:
    token = tmp_path / "token"
    token.write_text(TOKEN)
    token.chmod(0o600)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[accounts.old]
endpoint = "{v2}"
credential = "none"

[accounts.new]
api = "v3"
endpoint = "{v3}"
credential = "token"
token_file = "{token}"
"""
    )
    return config


def amstui(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMSTUI_")}
    return subprocess.run(
        [sys.executable, "-m", "amstui", *args],
        capture_output=True,
        text=True,
        env={**env, "AMSTUI_CONFIG": str(config)},
        timeout=60,
    )


def test_jobs_lists_both_accounts_with_an_account_field(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    config = write_config(tmp_path, v2.url, v3.url)
    proc = amstui(config, "jobs", "--account", "old", "--account", "new", "--output", "json")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    by_account = {name: [r for r in records if r["account"] == name] for name in ("old", "new")}
    assert len(by_account["old"]) == len(v2.emulator.sim.job_list())
    assert len(by_account["new"]) == len(v3.emulator.sim.job_list())
    created = [r["created"] for r in records]
    assert created == sorted(created, reverse=True)  # merged newest first
    table = amstui(config, "jobs", "--all-accounts", "--no-progress")
    assert table.returncode == 0, table.stderr
    assert any(line.startswith("old:nb:jid:") for line in table.stdout.splitlines())
    assert any(line.startswith("new:") for line in table.stdout.splitlines())
    assert "in 2 accounts" in table.stderr
    csv_out = amstui(config, "jobs", "--all-accounts", "--no-progress", "--output", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    lines = csv_out.stdout.splitlines()
    assert lines[0].startswith("account,id,name,state")
    assert len(lines) == 1 + len(records)
    assert {line.split(",", 1)[0] for line in lines[1:]} == {"old", "new"}


def test_one_account_down_is_named_and_the_others_jobs_still_print(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    config = write_config(tmp_path, v2.url, v3.url)
    v3.stop()
    proc = amstui(config, "jobs", "--all-accounts", "--output", "json")
    assert proc.returncode == 1
    assert proc.stderr.startswith("amstui: new: ") and proc.stderr.count("\n") == 1
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert records and {r["account"] for r in records} == {"old"}


def test_an_unknown_account_in_the_set_is_a_usage_error(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    config = write_config(tmp_path, v2.url, v3.url)
    proc = amstui(config, "jobs", "--account", "old", "--account", "nope")
    assert proc.returncode == 2
    assert str(config) in proc.stderr and "accounts.nope" in proc.stderr


# ---------------------------------------------------------------------- wait ACCOUNT:ID


def final_id(server: RunningServer) -> str:
    emulator = server.emulator
    for job in emulator.sim.job_list():
        if emulator.sim.view(job, emulator.now()).state == JobState.FINISHED:
            return job.id if emulator.config.api == "v2" else f"{job.transform}/{job.arm_name}"
    raise AssertionError("no final job in the emulator")


def test_wait_takes_qualified_ids_across_a_v2_and_a_v3_account(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    config = write_config(tmp_path, v2.url, v3.url)
    old, new = final_id(v2), final_id(v3)
    proc = amstui(config, "wait", "--all-accounts", f"old:{old}", f"new:{new}", "--timeout", "20s")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    # An unqualified id found in one account only is that account's.
    proc = amstui(config, "wait", "--all-accounts", new, "--timeout", "20s")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    # Found nowhere: no such job (exit 6), naming the accounts searched.
    missing = "nb:jid:UUID:00000000-0000-0000-0000-000000000000"
    proc = amstui(config, "wait", "--all-accounts", missing, "--timeout", "5s")
    assert proc.returncode == 6 and "old, new" in proc.stderr


def test_an_unqualified_id_in_two_accounts_is_a_usage_error_naming_both(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    # A twin of the v2 account (same seed: the same job ids).
    sim = SimConfig(seed=11, jobs=30, active=6, concurrency=3)
    twin = serve_in_thread(Emulator(EmulatorConfig(sim=sim, start=START, speed=0.0)))
    try:
        config = write_config(tmp_path, v2.url, v3.url)
        config.write_text(
            config.read_text()
            + f'\n[accounts.twin]\nendpoint = "{twin.url}"\ncredential = "none"\n'
        )
        job_id = final_id(v2)
        proc = amstui(config, "wait", "--account", "old", "--account", "twin", job_id)
        assert proc.returncode == 2
        assert "old and twin" in proc.stderr and f"old:{job_id}" in proc.stderr
        proc = amstui(
            config,
            "wait",
            "--account",
            "old",
            "--account",
            "twin",
            f"twin:{job_id}",
            "--timeout",
            "20s",
        )
        assert proc.returncode == 0, proc.stderr
    finally:
        twin.stop()


def test_info_lists_the_set_with_each_credential_and_checks_each(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    config = write_config(tmp_path, v2.url, v3.url)
    proc = amstui(config, "info", "--all-accounts", "--check")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "watching:     2 accounts together" in proc.stdout
    assert "old (v2)" in proc.stdout and "new (v3)" in proc.stdout
    assert "credential: none:" in proc.stdout and "credential: token" in proc.stdout
    assert "✔ old: token and call ok" in proc.stdout and "✔ new: token and call ok" in proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr
    v3.stop()
    proc = amstui(config, "info", "--account", "old", "--account", "new", "--check")
    assert proc.returncode == 1 and "✖ new:" in proc.stdout and "✔ old:" in proc.stdout


# ---------------------------------------------------------------------- wait: every id form


def v2_ids(server: RunningServer, state: JobState) -> list[str]:
    emulator = server.emulator
    return [
        j.id for j in emulator.sim.job_list() if emulator.sim.view(j, emulator.now()).state == state
    ]


def test_wait_over_a_set_takes_guids_and_short_prefixes_and_tags_its_lines(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    config = write_config(tmp_path, v2.url, v3.url)
    full = final_id(v2)
    guid = full.removeprefix("nb:jid:UUID:")
    new = final_id(v3)
    # The 8 characters the table shows, unqualified: only the v2 account can hold it.
    proc = amstui(config, "wait", "--all-accounts", guid[:8], f"new:{new}", "--timeout", "20s")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    lines = proc.stdout.splitlines()
    assert any(line.startswith("old: 1 job(s): 1 finished") for line in lines), lines
    assert any(line.startswith("new: 1 job(s): 1 finished") for line in lines), lines
    changes = [line for line in lines if "  Finished" in line]
    assert any(f"  old:{full}  " in line for line in changes), changes
    assert any(f"  new:{new}  " in line for line in changes), changes
    # A bare GUID (upper case, as people paste it), qualified.
    proc = amstui(config, "wait", "--all-accounts", f"old:{guid.upper()}", "--timeout", "20s")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    # Exit codes as the account's own wait: a failed job with --exit-status.
    failed = v2_ids(v2, JobState.ERROR)[0]
    alone = amstui(config, "wait", "--account", "old", failed, "--exit-status", "--timeout", "9s")
    both = amstui(
        config, "wait", "--all-accounts", failed[12:20], "--exit-status", "--timeout", "9s"
    )
    assert alone.returncode == both.returncode != 0, (alone.stderr, both.stderr)


def test_wait_over_a_set_refuses_ambiguous_prefixes_and_non_ids(
    servers: tuple[RunningServer, RunningServer], tmp_path: Path
) -> None:
    v2, v3 = servers
    config = write_config(tmp_path, v2.url, v3.url)
    guids = [j.id.removeprefix("nb:jid:UUID:") for j in v2.emulator.sim.job_list()]
    shared = next(c for c in "0123456789abcdef" if sum(g.startswith(c) for g in guids) > 1)
    proc = amstui(config, "wait", "--all-accounts", shared, "--timeout", "5s")
    assert proc.returncode == 2
    assert proc.stderr.startswith("amstui: old: job id prefix") and "ambiguous" in proc.stderr
    proc = amstui(config, "wait", "--all-accounts", f"old:{shared}", "--timeout", "5s")
    assert proc.returncode == 2 and "ambiguous" in proc.stderr
    # No job with this prefix: exit 6, as the account's own wait.
    unused = next(c for c in "0123456789abcdef" if not any(g.startswith(c + c) for g in guids))
    proc = amstui(config, "wait", "--all-accounts", f"old:{unused * 2}", "--timeout", "5s")
    assert proc.returncode == 6 and "no such job" in proc.stderr
    # Not an id of any account's shape: a usage error, one line, the text inert.
    proc = amstui(config, "wait", "--all-accounts", "zz\x1b[31m", "--timeout", "5s")
    assert proc.returncode == 2 and "not a job id" in proc.stderr
    assert "\x1b" not in proc.stderr and proc.stderr.count("\n") == 1
    # A qualified id of the wrong shape for its account: a usage error naming the account.
    proc = amstui(config, "wait", "--all-accounts", "new:abc", "--timeout", "5s")
    assert proc.returncode == 2 and proc.stderr.startswith("amstui: new: ")
