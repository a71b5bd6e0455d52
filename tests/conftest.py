"""Shared fixtures: an isolated environment, fake credentials at the token boundary, and the
emulator in-process or served on a loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from amstui.ams.auth import TokenInfo
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig

if TYPE_CHECKING:
    from amstui.ui.detail_screen import DetailScreen

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = Path(__file__).resolve().parent / "payloads"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's Azure login, config or log directory."""
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_TOKEN_CREDENTIALS",
        "AZURE_AUTHORITY_HOST",
        "IDENTITY_ENDPOINT",
        "MSI_ENDPOINT",
        "NO_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("AMSTUI_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AMSTUI_LOG_FILE", str(tmp_path / "amstui.log"))


class FakeCredential:
    """A credential at the token boundary: hands out tokens from a list, counts calls."""

    def __init__(self, *tokens: str, lifetime: int = 3600, delay: float = 0.0) -> None:
        self.tokens = list(tokens) or ["fake-token-1"]
        self.lifetime = lifetime
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def get_token_info(self, *scopes: str, options: object = None) -> TokenInfo:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            index = min(self.calls, len(self.tokens) - 1)
            self.calls += 1
        return TokenInfo(self.tokens[index], int(time.time()) + self.lifetime)


def make_emulator(start: datetime = START, **sim: object) -> Emulator:
    config = EmulatorConfig(
        sim=SimConfig(**{"seed": 11, "jobs": 60, "active": 12, "concurrency": 4, **sim}),  # type: ignore[arg-type]
        start=start,
        speed=0.0,
    )
    return Emulator(config)


@pytest.fixture
def emulator() -> Emulator:
    return make_emulator()


@pytest.fixture
def served(emulator: Emulator) -> Iterator[RunningServer]:
    server = serve_in_thread(emulator)
    try:
        yield server
    finally:
        server.stop()


async def open_detail(app: Any, pilot: Any, job_id: str) -> DetailScreen:
    """`enter` on `job_id`'s row, and the detail screen once its job's record is in."""
    from amstui.ui.detail_screen import DetailScreen

    assert app.table.jump_to(job_id)
    await pilot.press("enter")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    return screen
