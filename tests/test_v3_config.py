"""v3 accounts in the config: api, api_version, transforms, token_file / key_file, the endpoint
shape per api (one-line errors naming the file and key, exit 2), AMSTUI_API."""

from __future__ import annotations

from pathlib import Path

import pytest

from amstui import config
from amstui.config import ConfigError, Overrides

ARM = "https://management.azure.com/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct"
MKIO = "https://api.mk.io/api/ams/myproject"
V2 = "https://acct.restv2.westeurope.media.azure.net/api/"

GOOD = f"""
[accounts.azure]
api = "v3"
endpoint = "{ARM}"
transforms = ["Enc", "Thumbs"]

[accounts.rms]
api = "v3"
endpoint = "https://rms.example.com/subscriptions/s2/resourceGroups/rg/providers/Microsoft.Media/mediaservices/a2/"
api_version = "2021-06-01"
credential = "rms-api-key"
key_file = "/keys/rms.key"

[accounts.mk]
api = "mkio"
endpoint = "{MKIO}"
credential = "token"
token_file = "/keys/mk.token"
"""


def test_v3_accounts_parse() -> None:
    settings = config.parse_settings(GOOD, "c.toml")
    azure, rms, mk = (settings.accounts[n] for n in ("azure", "rms", "mk"))
    assert (
        azure.api == "v3" and azure.endpoint == ARM + "/" and azure.transforms == ("Enc", "Thumbs")
    )
    assert azure.api_version == "2022-07-01" and azure.credential == "default"
    assert (
        rms.api_version == "2021-06-01"
        and rms.credential == "rms-api-key"
        and rms.key_file == "/keys/rms.key"
    )
    assert mk.api == "mkio" and mk.token_file == "/keys/mk.token" and mk.transforms == ()


@pytest.mark.parametrize(
    ("api", "endpoint", "looks_like"),
    [
        ("v3", MKIO, "mkio"),
        ("v3", V2, None),
        ("mkio", ARM, "v3"),
        ("v2", ARM, "v3"),
        ("v2", MKIO, "mkio"),
        ("mkio", "https://api.mk.io/api/ams/", None),
        ("v3", ARM + "/transforms/T", None),
    ],
)
def test_wrong_shape_for_its_api_names_file_and_key(
    api: str, endpoint: str, looks_like: str | None
) -> None:
    text = f'[accounts.x]\napi = "{api}"\nendpoint = "{endpoint}"\n'
    with pytest.raises(ConfigError) as info:
        config.parse_settings(text, "/etc/amstui.toml")
    message = str(info.value)
    assert message.startswith("/etc/amstui.toml: accounts.x.endpoint: ") and "\n" not in message
    if looks_like:
        assert f'looks like api = "{looks_like}"' in message


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('api = "v4"', "api"),
        ('api_version = "latest"', "api_version"),
        ('transforms = "Enc"', "transforms"),
        ('transforms = ["a/b"]', "transforms"),
        ("token_file = 3", "token_file"),
    ],
)
def test_bad_v3_values(line: str, key: str) -> None:
    text = f'[accounts.x]\napi = "v3"\nendpoint = "{ARM}"\n{line}\n'
    if line.startswith("api ="):
        text = f'[accounts.x]\nendpoint = "{ARM}"\n{line}\n'
    with pytest.raises(ConfigError) as info:
        config.parse_settings(text, "c.toml")
    assert info.value.key == f"accounts.x.{key}"


def test_rms_key_needs_an_arm_account() -> None:
    text = f'[accounts.x]\napi = "mkio"\nendpoint = "{MKIO}"\ncredential = "rms-api-key"\n'
    with pytest.raises(ConfigError, match="rms-api-key needs"):
        config.parse_settings(text, "c.toml")


def test_api_from_the_environment_rechecks_the_endpoint() -> None:
    settings = config.parse_settings(f'[accounts.x]\nendpoint = "{V2}"\n', "c.toml")
    with pytest.raises(ConfigError, match="api = 'v3'"):
        config.resolve(settings, config.env_overrides({"AMSTUI_API": "v3"}))
    adhoc = config.resolve(config.Settings(path=None), Overrides(endpoint=MKIO, api="mkio"))
    assert adhoc.account is not None and adhoc.account.api == "mkio"
    with pytest.raises(ConfigError, match="looks like"):
        config.resolve(config.Settings(path=None), Overrides(endpoint=MKIO))


def test_bad_config_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from amstui import cli

    path = tmp_path / "config.toml"
    path.write_text(f'[accounts.x]\napi = "mkio"\nendpoint = "{ARM}"\n')
    monkeypatch.setenv("AMSTUI_CONFIG", str(path))
    assert cli.main(["jobs"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "accounts.x.endpoint" in err
