"""The monitor raises Textual's frame-rate cap to 240 unless the user set their own: a key's
screen update no longer waits up to two 60 fps periods behind the update before it."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import amstui.ui.app; from textual import constants; print(constants.MAX_FPS)"


def _max_fps(env_fps: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    if env_fps is not None:
        env["TEXTUAL_FPS"] = env_fps
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_the_monitor_runs_textual_at_240_fps() -> None:
    assert _max_fps(None) == 240


def test_a_users_own_frame_rate_is_kept() -> None:
    assert _max_fps("30") == 30
