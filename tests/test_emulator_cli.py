"""`amstui emulator`: every option shows its default in --help, and bad combinations are a
one-line usage error (exit 2), not a traceback."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from amstui.cli import main


def test_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["emulator", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    options = re.findall(r"^  (--[a-z-]+)", text, re.MULTILINE)
    assert {"--api", "--page-size", "--arm-throttle", "--rms-api-key", "--subscription"} <= set(
        options
    )
    entries = re.split(r"\n  (?=--)", text.split("options:", 1)[1])
    for entry in entries:
        if entry.strip().startswith("--"):
            assert "(default:" in " ".join(entry.split()), entry


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--api", "mkio", "--rms-api-key", "k"], "--rms-api-key applies to --api v3 only"),
        (["--api", "v3", "--legacy-redirect"], "--legacy-redirect applies to --api v2 only"),
        (["--api", "v3", "--page-size", "0"], "--page-size must be between 1 and 1000"),
        (["--cancel-seconds", "-1"], "--cancel-seconds must be between 0 and 3600"),
    ],
)
def test_bad_combinations_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--jobs", "5", *argv]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"amstui: {message}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("api", "headers", "query"),
    [
        ("v2", {"Authorization": "Bearer t", "x-ms-version": "2.19"}, "Jobs?$top=1"),
        ("v3", {"Authorization": "Bearer t"}, "transforms?api-version=2022-07-01"),
        ("mkio", {"x-mkio-token": "t"}, "jobs?$top=1"),
    ],
)
def test_the_served_root_is_printed_and_answers(
    api: str, headers: dict[str, str], query: str
) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "amstui", "emulator", "--api", api, "--port", str(port)),
            *("--jobs", "50", "--arrival-rate", "0"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        root = next(line.split()[-1] for line in lines if line.startswith("account root:"))
        assert root.startswith(f"http://127.0.0.1:{port}/")
        tries = [line for line in lines if line.startswith("try:")]
        assert tries and f"--endpoint {root}" in tries[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(root + query, headers=headers, timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        assert r.status_code == 200 and r.json()["value"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
