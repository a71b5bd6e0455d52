"""Settings: TOML file, AMSTUI_* variables, flags, and clear errors naming file, key, problem."""

from __future__ import annotations

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
