"""SIGTERM and SIGHUP end the monitor through its normal exit: the terminal is restored (no raw
mode, mouse reporting off, main screen back) and the exit code is 143 / 129."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and needle not in out:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_signal_restores_the_terminal_and_exits_with_its_code(sig: int, code: int) -> None:
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "amstui", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        started = _read_until(master, b"jobs", 30)
        assert b"\x1b[?1049h" in started, started[-500:]  # on the alternate screen
        assert not termios.tcgetattr(master)[3] & termios.ECHO  # raw while running
        proc.send_signal(sig)
        rest = b""
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            rest += _read_until(master, b"\x00never", 0.2)
        rest += _read_until(master, b"\x00never", 0.5)
        assert proc.wait(timeout=5) == code
        assert b"\x1b[?1049l" in rest  # main screen back
        assert b"\x1b[?1000l" in rest  # mouse reporting off
        lflag = termios.tcgetattr(master)[3]
        assert lflag & termios.ECHO and lflag & termios.ICANON  # cooked mode again
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
