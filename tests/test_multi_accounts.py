"""Several accounts: row keys, the combined store, account selection in the config and flags,
and token isolation between two served emulators (real loopback sockets)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amstui.ams.model import Job, JobState
from amstui.bootstrap.account_set import connect_set, wants_several
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.launch_set import build_set_app
from amstui.cli import build_parser
from amstui.config import ConfigError, parse_settings, select_accounts
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.server import RunningServer, serve_in_thread
from amstui.emulator.simulation import SimConfig
from amstui.monitor.accounts import MultiStore, display_key, row_key, split_key
from amstui.monitor.job_view import JobView
from amstui.monitor.store import JobStore
from tests.conftest import START

ENDPOINT_V2 = "https://one.restv2.westeurope.media.azure.net/api/"


def job(job_id: str, name: str, state: JobState = JobState.PROCESSING) -> Job:
    return Job(id=job_id, name=name, state=state, created=START)


# ---------------------------------------------------------------------- store and view


def test_equal_ids_in_two_accounts_are_two_rows() -> None:
    a, b = JobStore(lambda: START), JobStore(lambda: START)
    combined = MultiStore(lambda: START, [("a", a), ("b", b)])
    view = JobView(combined, sort_key="name", reverse=False)
    a.upsert(job("same", "from a"))
    a.flush()
    b.upsert(job("same", "from b"))
    b.flush()
    assert len(combined) == 2 and len(view) == 2
    assert [combined.entries[view.job_id_at(r) or ""].job.name for r in range(2)] == [
        "from a",
        "from b",
    ]
    b.upsert(job("same", "from b", JobState.FINISHED))
    b.flush()
    assert combined.entries[row_key("a", "same")].job.state == JobState.PROCESSING
    assert combined.entries[row_key("b", "same")].job.state == JobState.FINISHED
    assert combined.active_count == 1
    view.set_filter(None, "account:b", lambda key: split_key(key)[0] == "b")
    assert [view.job_id_at(r) for r in range(len(view))] == [row_key("b", "same")]


def test_row_keys_read_as_account_colon_id() -> None:
    key = row_key("prod", "nb:jid:UUID:1")
    assert split_key(key) == ("prod", "nb:jid:UUID:1")
    assert display_key(key) == "prod:nb:jid:UUID:1"
    assert split_key("nb:jid:UUID:1") == ("", "nb:jid:UUID:1")


# ---------------------------------------------------------------------- choosing accounts

CONFIG = f"""
[defaults]
accounts = ["prod", "dr"]

[accounts.prod]
endpoint = "{ENDPOINT_V2}"

[accounts.dr]
endpoint = "https://two.restv2.northeurope.media.azure.net/api/"

[accounts.test]
endpoint = "https://three.restv2.northeurope.media.azure.net/api/"
"""


def test_defaults_accounts_flags_and_all_accounts() -> None:
    settings = parse_settings(CONFIG, "/c/config.toml")
    assert select_accounts(settings) == ["prod", "dr"]
    assert select_accounts(settings, ["test"]) == []  # one account: the usual path
    assert select_accounts(settings, ["test", "prod"]) == ["test", "prod"]
    assert select_accounts(settings, ["prod", "prod"]) == []
    assert select_accounts(settings, all_accounts=True) == ["prod", "dr", "test"]
    with pytest.raises(ConfigError) as caught:
        select_accounts(settings, ["prod", "nope"])
    assert caught.value.key == "accounts.nope" and "no such account" in caught.value.problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('["prod", "gone"]', "names no [accounts.gone]"),
        ('"prod"', "must be a list of account names"),
        ('["prod", "prod"]', "names an account twice"),
        ("[1, 2]", "must be a list of account names"),
    ],
)
def test_bad_defaults_accounts_name_the_file_and_key(value: str, problem: str) -> None:
    text = CONFIG.replace('accounts = ["prod", "dr"]', f"accounts = {value}")
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, "/c/config.toml")
    assert caught.value.source == "/c/config.toml"
    assert caught.value.key == "defaults.accounts"
    assert problem in caught.value.problem


@pytest.mark.parametrize("name", ["we:ird", "two words", "tab\\tbed", "[red]ok[/]"])
def test_a_colon_or_a_space_in_a_name_keeps_it_out_of_a_set(name: str) -> None:
    text = CONFIG.replace("[accounts.test]", f'[accounts."{name}"]')
    settings = parse_settings(text, "c.toml")
    real = next(iter(n for n in settings.accounts if n not in ("prod", "dr")))
    if name == "[red]ok[/]":  # markup is only text: shown inert, never refused
        assert select_accounts(settings, ["prod", real]) == ["prod", real]
        return
    with pytest.raises(ConfigError, match="cannot be watched with others"):
        select_accounts(settings, ["prod", real])


def test_flags_repeat_account_and_keep_the_last_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("AMSTUI_CONFIG", str(config))
    monkeypatch.delenv("AMSTUI_ACCOUNT", raising=False)
    parser = build_parser()
    args = parser.parse_args(["--account", "prod", "--account", "test"])
    assert args.account == "test" and args.account_set == ["prod", "test"]
    assert wants_several(args)
    assert not wants_several(parser.parse_args(["--account", "prod"]))
    assert wants_several(parser.parse_args([]))  # [defaults] accounts
    assert wants_several(parser.parse_args(["--all-accounts"]))
    assert not wants_several(parser.parse_args(["--demo"]))
    assert wants_several(parser.parse_args(["--demo", "--accounts", "3"]))
    with pytest.raises(CliError, match="no such account"):
        connect_set(parser.parse_args(["--account", "prod", "--account", "nope"]))
    with pytest.raises(CliError, match="--accounts takes 2 to 6"):
        connect_set(parser.parse_args(["--demo", "--accounts", "9"]))


# ---------------------------------------------------------------------- token isolation


def jwt(sub: str) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'sub': sub, 'exp': 4102444800})}.c2ln"


class RecordingEmulator(Emulator):
    """Records the Authorization header of every request, accepted or not."""

    def __init__(self, config: EmulatorConfig) -> None:
        super().__init__(config)
        self.authorizations: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            self.authorizations.append(headers.get(b"authorization", b"").decode())
        await super().__call__(scope, receive, send)


TOKEN_A, TOKEN_B = jwt("account-a"), jwt("account-b")


@pytest.fixture
def two_servers() -> Iterator[tuple[RunningServer, RunningServer]]:
    sim = SimConfig(seed=3, jobs=40, active=10, concurrency=4)
    one = serve_in_thread(
        RecordingEmulator(EmulatorConfig(sim=sim, start=START, speed=0.0, token=TOKEN_A))
    )
    two = serve_in_thread(
        RecordingEmulator(
            EmulatorConfig(sim=sim, start=START, speed=0.0, token=TOKEN_B, api="v3", page_size=20)
        )
    )
    try:
        yield one, two
    finally:
        one.stop()
        two.stop()


def secret(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


async def test_a_token_never_reaches_the_other_accounts_host(
    two_servers: tuple[RunningServer, RunningServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, two = two_servers
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[defaults]
accounts = ["alpha", "beta"]

[accounts.alpha]
endpoint = "{one.url}"
credential = "token"
token_file = "{secret(tmp_path / "a.token", TOKEN_A)}"

[accounts.beta]
api = "v3"
endpoint = "{two.url}"
credential = "token"
token_file = "{secret(tmp_path / "b.token", TOKEN_B)}"
"""
    )
    monkeypatch.setenv("AMSTUI_CONFIG", str(config))
    for name in ("AMSTUI_TOKEN", "AMSTUI_ACCOUNT", "AMSTUI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    args = build_parser().parse_args(["--all-accounts"])
    members = connect_set(args)
    app = build_set_app(args, members, autostart=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.run_cycle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [f.engine.status.state for f in app.feeds] == ["live", "live"]
        # Detail and cancel on a row of each account: more authorized requests.
        for name in ("alpha", "beta"):
            key = next(
                k
                for k, e in app.store.entries.items()
                if split_key(k)[0] == name and e.job.state == JobState.PROCESSING
            )
            app.jump_to(key)
            await pilot.press("enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.press("escape")
            await app.engine.cancel(key)
        await app.run_cycle()
        await app.workers.wait_for_complete()
    emulator_a, emulator_b = one.emulator, two.emulator
    assert isinstance(emulator_a, RecordingEmulator) and isinstance(emulator_b, RecordingEmulator)
    assert len(emulator_a.authorizations) > 3 and len(emulator_b.authorizations) > 3
    assert set(emulator_a.authorizations) == {f"Bearer {TOKEN_A}"}
    assert set(emulator_b.authorizations) == {f"Bearer {TOKEN_B}"}
