"""Settings: TOML file, AMSTUI_* variables, flags, and clear errors naming file, key, problem."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amstui import config
from amstui.ams import endpoint_rules
from amstui.config import ConfigError, Overrides

GOOD = """
[defaults]
account = "prod"
interval = 3
readonly = true

[accounts.prod]
endpoint = "https://prodacct.restv2.westeurope.media.azure.net/api/"
tenant = "contoso.onmicrosoft.com"
credential = "cli"

[accounts.local]
endpoint = "http://127.0.0.1:8700/api"
credential = "none"
accept = "verbose"
x_ms_version = "2.11"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_location_is_platformdirs(tmp_path: Path) -> None:
    path = config.config_path({})
    assert path.name == "config.toml" and path.parent.name == "amstui"
    assert str(path).startswith(str(tmp_path / "config"))  # XDG_CONFIG_HOME from the fixture


def test_file_is_read_and_resolved(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    settings = config.load_settings({"AMSTUI_CONFIG": str(path)})
    resolved = config.resolve(settings, Overrides())
    assert resolved.account is not None and resolved.account.name == "prod"
    assert resolved.account.credential == "cli" and resolved.interval == 3.0 and resolved.readonly
    local = settings.accounts["local"]
    assert local.endpoint == "http://127.0.0.1:8700/api/" and local.accept == "verbose"


def test_flags_beat_variables_beat_the_file(tmp_path: Path) -> None:
    settings = config.parse_settings(GOOD, "f.toml")
    env = config.env_overrides(
        {"AMSTUI_ACCOUNT": "local", "AMSTUI_INTERVAL": "7", "AMSTUI_READONLY": "false"}
    )
    flags = Overrides(interval=2.0)
    resolved = config.resolve(settings, config.merge_overrides(env, flags))
    assert resolved.account is not None and resolved.account.name == "local"
    assert resolved.interval == 2.0 and resolved.readonly is False


def test_endpoint_flag_makes_an_adhoc_account() -> None:
    settings = config.Settings(path=None)
    resolved = config.resolve(
        settings, Overrides(endpoint="http://localhost:8700/api/", credential="none")
    )
    assert resolved.account is not None
    assert resolved.account.name == "adhoc" and resolved.account.credential == "none"


def test_no_account_at_all() -> None:
    assert config.resolve(config.Settings(path=None), Overrides()).account is None


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (
            "[accounts.a]\nendpoint = 'http://media.example.com/api/'",
            "accounts.a.endpoint",
            "loopback",
        ),
        ("[accounts.a]\nendpoint = 'ftp://x/api/'", "accounts.a.endpoint", "http(s) URL"),
        ("[accounts.a]\ncredential = 'none'", "accounts.a.endpoint", "required"),
        (
            "[accounts.a]\nendpoint = 'https://x/api/'\ncredential = 'magic'",
            "accounts.a.credential",
            "one of",
        ),
        ("[accounts.a]\nendpoint = 'https://x/api/'\ncloud = 'mars'", "accounts.a.cloud", "one of"),
        (
            "[accounts.a]\nendpoint = 'https://x/api/'\nx_ms_version = '3.0'",
            "accounts.a.x_ms_version",
            "one of",
        ),
        (
            "[accounts.a]\nendpoint = 'https://x/api/'\ncolour = 'red'",
            "accounts.a.colour",
            "unknown key",
        ),
        ("[defaults]\ninterval = 0", "defaults.interval", "between"),
        ("[defaults]\ninterval = 'fast'", "defaults.interval", "number"),
        ("[defaults]\naccount = 'nope'", "defaults.account", "names no"),
        ("[defaults]\nmax_in_flight = 500", "defaults.max_in_flight", "1-64"),
        ("[defaults]\nreadonly = 'maybe'", "defaults.readonly", "true or false"),
        ("[nonsense]\nx = 1", "nonsense", "unknown section"),
        ("accounts = 3", "accounts", "table"),
        ("this is = not toml [", "(file)", "not valid TOML"),
    ],
)
def test_bad_files_name_file_key_and_problem(text: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse_settings(text, "/etc/amstui.toml")
    assert info.value.key == key and problem in info.value.problem
    assert str(info.value).startswith("/etc/amstui.toml: ")


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        config.load_settings({"AMSTUI_CONFIG": str(tmp_path / "nope.toml")})


def test_missing_default_file_is_fine() -> None:
    assert config.load_settings({}).accounts == {}


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe bad")
    with pytest.raises(ConfigError, match="cannot read"):
        config.load_settings({"AMSTUI_CONFIG": str(path)})


def test_bad_variables() -> None:
    with pytest.raises(ConfigError, match="AMSTUI_INTERVAL"):
        config.env_overrides({"AMSTUI_INTERVAL": "soon"})
    with pytest.raises(ConfigError, match="AMSTUI_READONLY"):
        config.env_overrides({"AMSTUI_READONLY": "perhaps"})


def test_bad_flag_values() -> None:
    with pytest.raises(ConfigError, match="loopback"):
        config.resolve(config.Settings(path=None), Overrides(endpoint="http://10.0.0.5/api/"))
    settings = config.parse_settings(GOOD, "f.toml")
    with pytest.raises(ConfigError, match="no such account"):
        config.resolve(settings, Overrides(account="staging"))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.1.evil.com", False),
        ("10.0.0.1", False),
        ("localhost.evil.com", False),
        ("evil.localhost", False),
        ("a.b.localhost", False),
        ("127.0.0.1.", False),
        ("0x7f.0.0.1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert endpoint_rules.is_loopback_host(host) is loopback


def test_keys_table() -> None:
    settings = config.parse_settings('[keys]\n"app.cancel" = "ctrl+k"\n', "f.toml")
    assert settings.keys == {"app.cancel": "ctrl+k"}
    assert config.resolve(settings, Overrides()).keys == {"app.cancel": "ctrl+k"}
    with pytest.raises(ConfigError, match=r"keys\.app\.cancel"):
        config.parse_settings('[keys]\n"app.cancel" = 3\n', "f.toml")


# --------------------------------------------------------------------------- issue 9, 12-17


def run_amstui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amstui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


LOCAL = '[accounts.local]\nendpoint = "http://127.0.0.1:9/api/"\ncredential = "none"\n'


def ui_check(text: str, env: dict[str, str] | None = None) -> None:
    from amstui.ui.config_check import check_ui_settings

    settings = config.parse_settings(text, "/etc/amstui.toml")
    check_ui_settings(config.resolve(settings, config.env_overrides(env or {})))


def test_an_unknown_theme_is_a_config_error_naming_the_key() -> None:
    ui_check(LOCAL + '[defaults]\ntheme = "nord"\n')
    with pytest.raises(ConfigError) as info:
        ui_check(LOCAL + '[defaults]\ntheme = "no-such-theme"\n')
    assert info.value.key == "defaults.theme" and "no-such-theme" in info.value.problem
    assert str(info.value).startswith("/etc/amstui.toml: ")
    with pytest.raises(ConfigError, match="AMSTUI_THEME"):
        ui_check(LOCAL, {"AMSTUI_THEME": "mauve"})


def test_the_monitor_refuses_an_unknown_theme_with_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, LOCAL + '[defaults]\ntheme = "no-such-theme"\n')
    proc = run_amstui(env={"AMSTUI_CONFIG": str(path)})
    assert proc.returncode == 2
    line = one_line(proc)
    assert "config error" in line and "defaults.theme" in line and str(path) in line


def test_config_does_not_load_textual() -> None:
    # `amstui --version` and the headless commands stay fast: config never imports Textual.
    code = "import sys, amstui.config; print(any(m.startswith('textual') for m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr


def test_dev_zero_is_refused_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError, match="not a regular file"):
        config.load_settings({"AMSTUI_CONFIG": "/dev/zero"})
    assert time.monotonic() - started < 1.0


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ConfigError, match="not a regular file"):
        config.load_settings({"AMSTUI_CONFIG": str(fifo)})
    assert time.monotonic() - started < 1.0


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read|not a regular file"):
        config.load_settings({"AMSTUI_CONFIG": str(tmp_path)})


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with path.open("wb") as handle:
        handle.write(b"# comment\n" * (3 * 1024 * 1024))  # 30 MB
    started = time.monotonic()
    with pytest.raises(ConfigError, match="too large"):
        config.load_settings({"AMSTUI_CONFIG": str(path)})
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_commands_exit_2_fast_on_a_hostile_config_path(target: str, tmp_path: Path) -> None:
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    started = time.monotonic()
    proc = run_amstui("jobs", env={"AMSTUI_CONFIG": target})
    assert proc.returncode == 2 and "not a regular file" in one_line(proc)
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999/api/",
        "http://127.0.0.1:0/api/",
        "http://127.0.0.1:-1/api/",
        "http://127.0.0.1:http/api/",
        "https://acct.restv2.westus.media.azure.net:65536/api/",
    ],
)
def test_bad_ports_are_endpoint_errors(url: str) -> None:
    with pytest.raises(ConfigError, match="port"):
        config.resolve(config.Settings(path=None), Overrides(endpoint=url))
    with pytest.raises(ConfigError, match="port") as info:
        config.parse_settings(f'[accounts.a]\nendpoint = "{url}"\n', "f.toml")
    assert info.value.key == "accounts.a.endpoint"


def test_a_bad_port_on_the_command_line_exits_2() -> None:
    proc = run_amstui("jobs", "--endpoint", "http://127.0.0.1:99999/api/", "--credential", "none")
    assert proc.returncode == 2 and "port" in one_line(proc)


def test_two_accounts_and_no_default_names_them_and_how_to_pick() -> None:
    text = LOCAL + '[accounts.prod]\nendpoint = "https://p.restv2.westus.media.azure.net/api/"\n'
    settings = config.parse_settings(text, "/etc/amstui.toml")
    with pytest.raises(ConfigError) as info:
        config.resolve(settings, Overrides())
    problem = info.value.problem
    assert "local, prod" in problem and "--account" in problem and "[defaults]" in problem
    picked = config.resolve(settings, Overrides(account="prod"))
    assert picked.account is not None and picked.account.name == "prod"
    adhoc = config.resolve(settings, Overrides(endpoint="http://localhost:1/api/"))
    assert adhoc.account is not None and adhoc.account.name == "adhoc"


@pytest.mark.parametrize(
    "value",
    ["ctrl+", "\\u0000", "+", "ctrl+\\u001b", "a, ,b", "shift+ctrl+", "hyperdrive+k", " ", "a b"],
)
def test_invalid_key_names_are_config_errors(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse_settings(f'[keys]\n"app.quit" = "{value}"\n', "/etc/amstui.toml")
    assert info.value.key == "keys.app.quit"


@pytest.mark.parametrize(
    ("keys", "key", "problem"),
    [
        ('"app.nonsense" = "x"', "keys.app.nonsense", "no such binding id"),
        ('"app.quit" = "j"', "keys.app.quit", "already bound to table.down"),
        ('"app.cancel" = "q"', "keys.app.cancel", "already bound to app.quit"),
        ('"app.cancel" = "enter"', "keys.app.cancel", "already bound"),
        ('"app.quit" = "notakey"', "keys.app.quit", "not a key name"),
        ('"(select_cursor)" = "x"', "keys.(select_cursor)", "no such binding id"),
    ],
)
def test_unknown_ids_and_clashes_are_config_errors(keys: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        ui_check(LOCAL + "[keys]\n" + keys + "\n")
    assert info.value.key == key and problem in info.value.problem
    assert str(info.value).startswith("/etc/amstui.toml: ")


def test_valid_remaps_pass_the_ui_check() -> None:
    ui_check(LOCAL + '[keys]\n"app.cancel" = "ctrl+k"\n"app.quit" = "q,x"\n"app.help" = "f1"\n')
    # Swapping two keys is fine when both are remapped.
    ui_check(LOCAL + '[keys]\n"app.sort" = "p"\n"app.pause" = "s"\n')


def test_the_monitor_refuses_a_clashing_key_with_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, LOCAL + '[keys]\n"app.quit" = "j"\n')
    proc = run_amstui(env={"AMSTUI_CONFIG": str(path)})
    assert proc.returncode == 2 and "keys.app.quit" in one_line(proc)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://localhost:8700/api/", True),
        ("http://127.0.0.2:8700/api/", True),
        ("http://[::1]:8700/api/", True),
        ("http://x.localhost:8700/api/", False),
        ("http://evil.localhost/api/", False),
        ("http://localhost.:8700/api/", False),
        ("http://127.0.0.1.nip.io/api/", False),
        ("http://user:pw@127.0.0.1:8700/api/", False),
        ("https://user@acct.restv2.westus.media.azure.net/api/", False),
    ],
)
def test_plain_http_only_for_literal_loopback_and_localhost(url: str, allowed: bool) -> None:
    if allowed:
        assert config.resolve(config.Settings(path=None), Overrides(endpoint=url)).account
    else:
        with pytest.raises(ConfigError):
            config.resolve(config.Settings(path=None), Overrides(endpoint=url))
