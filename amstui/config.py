"""Settings: a TOML file, `AMSTUI_*` environment variables and command-line flags.

Files read, in order (the first that exists wins; there is no merging of files):
1. the file named by `AMSTUI_CONFIG`, if set (it must exist);
2. `platformdirs.user_config_path("amstui") / "config.toml"` (e.g. ~/.config/amstui/config.toml).

Precedence for each value: flags, then `AMSTUI_*` variables, then the file, then defaults.

    [defaults]
    account = "prod"          # the account used when none is named
    accounts = ["prod", "rms"]  # or watch several at once (flags: --account A --account B)
    interval = 5.0            # seconds between refresh cycles
    theme = "textual-dark"
    readonly = false
    max_in_flight = 8         # concurrent requests
    requests_per_second = 0   # request budget; 0 = unlimited

    [keys]                    # remap key bindings by their id (README: Keys)
    "app.cancel" = "ctrl+k"

    [accounts.prod]
    endpoint = "https://myaccount.restv2.westeurope.media.azure.net/api/"
    api = "v2"
    cloud = "public"          # public | usgov | china
    tenant = "contoso.onmicrosoft.com"
    credential = "default"    # default | cli | environment | managed-identity | device-code | none
    client_id = ""            # managed identity / device code app id
    x_ms_version = "2.19"
    accept = "minimal"        # minimal | verbose

    [accounts.rms]            # AMS v3 (ARM shape): Azure or a Ravnur RMS host
    api = "v3"                # v2 | v3 | mkio
    endpoint = "https://rms.example.com/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Media/mediaServices/ACCT"
    api_version = "2022-07-01"
    transforms = ["encode"]   # watch only these (default: all)
    credential = "rms-api-key"  # ... | token | rms-api-key
    key_file = "~/.config/amstui/rms.key"   # or AMSTUI_RMS_API_KEY; mode 600
    # token_file = "..."      # credential "token": or AMSTUI_TOKEN; mode 600

A problem gives `ConfigError`, which names the file, the key and the problem.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from amstui.ams import endpoint_rules
from amstui.ams.credential_kinds import CREDENTIAL_KINDS
from amstui.ams.model import API_VERSIONS

APP_NAME = "amstui"
CLOUDS = ("public", "usgov", "china")
APIS = ("v2", "v3", "mkio")
V3_API_VERSION = "2022-07-01"
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
#: The path of a v3 account's ARM resource URL, and of an MK.IO project.
_ARM_PATH = re.compile(
    r"(^|/)subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Media/"
    r"mediaServices/[^/]+/$",
    re.IGNORECASE,
)
_MKIO_PATH = re.compile(r"(^|/)api/ams/[^/]+/$", re.IGNORECASE)
_API_SHAPES = {
    "v2": "an AMS v2 REST root such as https://ACCOUNT.restv2.REGION.media.azure.net/api/",
    "v3": "an account resource URL .../subscriptions/SUB/resourceGroups/RG/providers/"
    "Microsoft.Media/mediaServices/ACCOUNT",
    "mkio": "an MK.IO project URL such as https://api.mk.io/api/ams/PROJECT",
}
ACCEPTS = ("minimal", "verbose")
#: A config file larger than this is refused unread (a real one is a few hundred bytes).
MAX_CONFIG_BYTES = 256 * 1024
KEY_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})


class ConfigError(Exception):
    """A bad setting: where it came from, which key, what is wrong."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    endpoint: str
    api: str = "v2"
    cloud: str = "public"
    tenant: str | None = None
    credential: str = "default"
    client_id: str | None = None
    x_ms_version: str = "2.19"
    accept: str = "minimal"
    # ---- AMS v3 (api "v3" or "mkio")
    api_version: str = V3_API_VERSION
    transforms: tuple[str, ...] = ()
    #: credential "token": the file with the bearer (else AMSTUI_TOKEN).
    token_file: str | None = None
    #: credential "rms-api-key": the file with the key (else AMSTUI_RMS_API_KEY).
    key_file: str | None = None


@dataclass(frozen=True, slots=True)
class Defaults:
    account: str | None = None
    #: The accounts watched together when none is named (two or more).
    accounts: tuple[str, ...] = ()
    interval: float = 5.0
    theme: str = "textual-dark"
    readonly: bool = False
    max_in_flight: int = 8
    requests_per_second: float = 0.0


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path | None
    defaults: Defaults = field(default_factory=Defaults)
    accounts: Mapping[str, Account] = field(default_factory=dict)
    #: Key bindings remapped by id, e.g. {"app.cancel": "ctrl+k"} (see README: Keys).
    keys: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Overrides:
    """What flags (or variables) say; None means "not given"."""

    account: str | None = None
    endpoint: str | None = None
    credential: str | None = None
    cloud: str | None = None
    tenant: str | None = None
    client_id: str | None = None
    x_ms_version: str | None = None
    accept: str | None = None
    api: str | None = None
    interval: float | None = None
    readonly: bool | None = None
    theme: str | None = None


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    explicit = env.get("AMSTUI_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def check_endpoint(source: str, key: str, value: object) -> str:
    """The endpoint normalised (the rules live in `amstui.ams.endpoint_rules`)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(source, key, "must be a non-empty URL string")
    try:
        return endpoint_rules.check_endpoint(value)
    except endpoint_rules.EndpointError as exc:
        raise ConfigError(source, key, str(exc)) from None


def check_key_spec(source: str, key: str, value: object) -> str:
    """A Textual key list such as "ctrl+k" or "r,f5": names only, no control characters."""
    hint = 'must be a key name, e.g. "ctrl+k" (several: "r,f5")'
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(source, key, hint)
    for part in value.split(","):
        name = part.strip()
        *modifiers, last = name.split("+")
        if not name or not last or any(m.lower() not in KEY_MODIFIERS for m in modifiers):
            raise ConfigError(source, key, f"{hint} (got {value!r})")
        if not last.isprintable() or any(c.isspace() for c in last):
            raise ConfigError(
                source, key, f"{hint}; control characters are not keys (got {value!r})"
            )
    return value


def check_ui(
    resolved: Resolved,
    *,
    themes: Collection[str],
    scopes: Sequence[Mapping[str, str]],
    is_key_name: Callable[[str], bool],
) -> None:
    """The theme and the [keys] remaps against what the UI offers (its caller knows Textual).

    `scopes` are groups of binding id -> default keys that are active together (the main
    screen, the detail pane, ...); a remapped key that another binding of its scope also uses
    is a clash (e.g. "app.quit" = "j" would leave no key that quits).
    """
    if resolved.theme not in themes:
        source, key = resolved.theme_source
        raise ConfigError(
            source, key, f"no theme {resolved.theme!r} (known: {', '.join(sorted(themes))})"
        )
    source = str(resolved.settings.path or "config")
    # Ids in parentheses stand for fixed keys (bindings without an id): not remappable.
    known = {b for scope in scopes for b in scope if not b.startswith("(")}
    for binding_id, value in resolved.keys.items():
        where = f"keys.{binding_id}"
        if binding_id not in known:
            raise ConfigError(
                source, where, f"no such binding id (known: {', '.join(sorted(known))})"
            )
        for name in _key_list(value):
            if not is_key_name(name.split("+")[-1]):
                raise ConfigError(source, where, f"not a key name: {name!r}")
    for scope in scopes:
        effective = {b: _key_list(resolved.keys.get(b, default)) for b, default in scope.items()}
        for binding_id in resolved.keys:
            if binding_id not in scope:
                continue
            for name in effective[binding_id]:
                other = next(
                    (b for b, names in effective.items() if b != binding_id and name in names),
                    None,
                )
                if other is not None:
                    raise ConfigError(
                        source,
                        f"keys.{binding_id}",
                        f"{name!r} is already bound to {other}: remap that one too, or pick "
                        "another key",
                    )


def _key_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def check_api_endpoint(source: str, key: str, api: str, url: str) -> str:
    """`url` (already normalised) if its shape fits `api`; a one-line ConfigError otherwise."""
    path = urlsplit(url).path
    shape = "v3" if _ARM_PATH.search(path) else "mkio" if _MKIO_PATH.search(path) else "v2"
    if shape != api:
        hint = f' (it looks like api = "{shape}")' if shape != "v2" or api == "v2" else ""
        raise ConfigError(
            source, key, f"is not {_API_SHAPES[api]} for api = {api!r}{hint}: {url!r}"
        )
    return url


def _transforms(source: str, key: str, value: object) -> tuple[str, ...]:
    bad = re.compile(r"[/\\?#%<>&:*+'\x00-\x1f\x7f]")
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v.strip() and not bad.search(v) and len(v) <= 260 for v in value
    ):
        raise ConfigError(source, key, "must be a list of transform names")
    return tuple(dict.fromkeys(value))


def _api_version(source: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not _API_VERSION.match(value):
        raise ConfigError(source, key, f"must be a date such as 2022-07-01 (got {value!r})")
    return value


def _choice(source: str, key: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(source, key, f"must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _opt_str(source: str, key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(source, key, f"must be a string (got {type(value).__name__})")
    return value


def _interval(source: str, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(source, key, f"must be a number of seconds (got {value!r})")
    number = float(value)
    if not math.isfinite(number) or number < 0.5 or number > 3600:
        raise ConfigError(source, key, f"must be between 0.5 and 3600 seconds (got {value!r})")
    return number


def _bool(source: str, key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in (
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
    ):
        return value.lower() in ("1", "true", "yes", "on")
    raise ConfigError(source, key, f"must be true or false (got {value!r})")


def _account(source: str, name: str, table: object) -> Account:
    prefix = f"accounts.{name}"
    if not isinstance(table, dict):
        raise ConfigError(source, prefix, "must be a table")
    known = {f.name for f in fields(Account)} - {"name"}
    for key in table:
        if key not in known:
            raise ConfigError(
                source, f"{prefix}.{key}", f"unknown key (known: {', '.join(sorted(known))})"
            )
    if "endpoint" not in table:
        raise ConfigError(source, f"{prefix}.endpoint", "is required")
    api = _choice(source, f"{prefix}.api", table.get("api", "v2"), APIS)
    endpoint = check_endpoint(source, f"{prefix}.endpoint", table["endpoint"])
    credential = _choice(
        source, f"{prefix}.credential", table.get("credential", "default"), CREDENTIAL_KINDS
    )
    if credential == "rms-api-key" and api != "v3":
        raise ConfigError(source, f"{prefix}.credential", 'rms-api-key needs api = "v3"')
    return Account(
        name=name,
        endpoint=check_api_endpoint(source, f"{prefix}.endpoint", api, endpoint),
        api=api,
        cloud=_choice(source, f"{prefix}.cloud", table.get("cloud", "public"), CLOUDS),
        tenant=_opt_str(source, f"{prefix}.tenant", table.get("tenant")),
        credential=credential,
        client_id=_opt_str(source, f"{prefix}.client_id", table.get("client_id")),
        x_ms_version=_choice(
            source, f"{prefix}.x_ms_version", str(table.get("x_ms_version", "2.19")), API_VERSIONS
        ),
        accept=_choice(source, f"{prefix}.accept", table.get("accept", "minimal"), ACCEPTS),
        api_version=_api_version(
            source, f"{prefix}.api_version", table.get("api_version", V3_API_VERSION)
        ),
        transforms=_transforms(source, f"{prefix}.transforms", table.get("transforms", [])),
        token_file=_opt_str(source, f"{prefix}.token_file", table.get("token_file")),
        key_file=_opt_str(source, f"{prefix}.key_file", table.get("key_file")),
    )


#: Account names of a set are written `account:NAME` in the filter and job ids `NAME:ID`: no
#: colon, no whitespace (the filter splits on it), no controls.
_BAD_NAME = re.compile(r"[:\s\x00-\x1f\x7f-\x9f]")


def _account_names(source: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(source, key, f"must be a list of account names (got {value!r})")
    names = tuple(dict.fromkeys(value))
    if len(names) != len(value):
        raise ConfigError(source, key, "names an account twice")
    return names


def select_accounts(
    settings: Settings, wanted: Sequence[str] = (), *, all_accounts: bool = False
) -> list[str]:
    """The accounts watched together, or [] for one account (the usual path, `resolve`).

    `--all-accounts` takes every configured account; `--account` given twice or more takes
    those; with no `--account`, `[defaults] accounts` does. Names with a colon, whitespace or a
    control character cannot be in a set (job ids are written `NAME:ID`, filters `account:NAME`).
    """
    source = str(settings.path or "config")
    if all_accounts:
        names = list(settings.accounts)
        if not names:
            raise ConfigError(source, "accounts", "--all-accounts: no account is configured")
    elif len(set(wanted)) >= 2:
        names = list(dict.fromkeys(wanted))
    elif not wanted and len(settings.defaults.accounts) >= 2:
        names = list(settings.defaults.accounts)
    else:
        return []
    known = ", ".join(sorted(settings.accounts)) or "none configured"
    for name in names:
        if name not in settings.accounts:
            raise ConfigError(source, f"accounts.{name}", f"no such account ({known})")
        if _BAD_NAME.search(name):
            raise ConfigError(
                source,
                f"accounts.{name}",
                "a name with ':', spaces or control characters cannot be "
                "watched with others (job ids are written NAME:ID, filters account:NAME)",
            )
    return names if len(names) >= 2 else []


def _defaults(source: str, table: object) -> Defaults:
    if not isinstance(table, dict):
        raise ConfigError(source, "defaults", "must be a table")
    known = {f.name for f in fields(Defaults)}
    for key in table:
        if key not in known:
            raise ConfigError(
                source, f"defaults.{key}", f"unknown key (known: {', '.join(sorted(known))})"
            )
    d = Defaults()
    if "account" in table:
        d = replace(d, account=_opt_str(source, "defaults.account", table["account"]))
    if "accounts" in table:
        d = replace(d, accounts=_account_names(source, "defaults.accounts", table["accounts"]))
    if "interval" in table:
        d = replace(d, interval=_interval(source, "defaults.interval", table["interval"]))
    if "theme" in table:
        theme = _opt_str(source, "defaults.theme", table["theme"])
        d = replace(d, theme=theme or d.theme)
    if "readonly" in table:
        d = replace(d, readonly=_bool(source, "defaults.readonly", table["readonly"]))
    if "max_in_flight" in table:
        value = table["max_in_flight"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
            raise ConfigError(
                source, "defaults.max_in_flight", f"must be an integer 1-64 (got {value!r})"
            )
        d = replace(d, max_in_flight=value)
    if "requests_per_second" in table:
        value = table["requests_per_second"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1000:
            raise ConfigError(
                source, "defaults.requests_per_second", f"must be a number 0-1000 (got {value!r})"
            )
        d = replace(d, requests_per_second=float(value))
    return d


def parse_settings(text: str, source: str) -> Settings:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "(file)", f"not valid TOML: {exc}") from None
    for key in data:
        if key not in ("defaults", "accounts", "keys"):
            raise ConfigError(
                source, key, "unknown section (expected [defaults], [keys] or [accounts.NAME])"
            )
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise ConfigError(source, "keys", 'must be a table of binding id = "key"')
    for binding_id, value in keys.items():
        check_key_spec(source, f"keys.{binding_id}", value)
    defaults = _defaults(source, data.get("defaults", {}))
    accounts_table = data.get("accounts", {})
    if not isinstance(accounts_table, dict):
        raise ConfigError(source, "accounts", "must be a table of [accounts.NAME] tables")
    accounts = {name: _account(source, name, table) for name, table in accounts_table.items()}
    for name in defaults.accounts:
        if name not in accounts:
            raise ConfigError(source, "defaults.accounts", f"names no [accounts.{name}]")
    if defaults.account and defaults.account not in accounts:
        raise ConfigError(source, "defaults.account", f"names no [accounts.{defaults.account}]")
    return Settings(path=Path(source), defaults=defaults, accounts=accounts, keys=keys)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    path = config_path(env)
    if not path.exists():
        if env.get("AMSTUI_CONFIG"):
            raise ConfigError(str(path), "(file)", "AMSTUI_CONFIG names a file that does not exist")
        return Settings(path=None)
    return parse_settings(read_config_file(path), str(path))


def read_config_file(path: Path) -> str:
    """The file's text, if it is a regular file of a sane size (never blocks on a FIFO)."""
    source = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ConfigError(source, "(file)", f"cannot read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ConfigError(source, "(file)", "is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(
                source, "(file)", f"is too large ({info.st_size} bytes; at most {MAX_CONFIG_BYTES})"
            )
        try:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError(source, "(file)", f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(source, "(file)", f"is too large (at most {MAX_CONFIG_BYTES} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "(file)", f"cannot read: not UTF-8 text ({exc.reason})") from None


def env_overrides(env: Mapping[str, str] | None = None) -> Overrides:
    env = os.environ if env is None else env
    source = "environment"

    def get(name: str) -> str | None:
        value = env.get(f"AMSTUI_{name}")
        return value if value else None

    interval = get("INTERVAL")
    readonly = get("READONLY")
    parsed_interval: float | None = None
    if interval is not None:
        try:
            parsed_interval = _interval(source, "AMSTUI_INTERVAL", float(interval))
        except ValueError:
            raise ConfigError(source, "AMSTUI_INTERVAL", f"not a number: {interval!r}") from None
    return Overrides(
        account=get("ACCOUNT"),
        endpoint=get("ENDPOINT"),
        credential=get("CREDENTIAL"),
        cloud=get("CLOUD"),
        tenant=get("TENANT"),
        client_id=get("CLIENT_ID"),
        x_ms_version=get("X_MS_VERSION"),
        accept=get("ACCEPT"),
        api=get("API"),
        interval=parsed_interval,
        readonly=_bool(source, "AMSTUI_READONLY", readonly) if readonly is not None else None,
        theme=get("THEME"),
    )


def merge_overrides(low: Overrides, high: Overrides) -> Overrides:
    """`high` wins wherever it says something."""
    values = {f.name: getattr(high, f.name) for f in fields(Overrides)}
    return Overrides(**{k: (v if v is not None else getattr(low, k)) for k, v in values.items()})


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a command runs with: one account (or none) and the effective defaults."""

    account: Account | None
    interval: float
    readonly: bool
    theme: str
    max_in_flight: int
    requests_per_second: float
    settings: Settings
    keys: Mapping[str, str] = field(default_factory=dict)
    #: Where the theme came from: (source, key), for error messages.
    theme_source: tuple[str, str] = ("defaults", "defaults.theme")


def resolve(settings: Settings, wanted: Overrides) -> Resolved:
    """Apply flags-and-variables `wanted` over `settings` and pick the account."""
    source = "command line or environment"
    account: Account | None = None
    name = wanted.account or settings.defaults.account
    if wanted.account and wanted.account not in settings.accounts:
        known = ", ".join(sorted(settings.accounts)) or "none configured"
        raise ConfigError(
            str(settings.path or "config"),
            f"accounts.{wanted.account}",
            f"no such account ({known})",
        )
    if name:
        account = settings.accounts[name]
    elif len(settings.accounts) == 1 and not wanted.endpoint:
        account = next(iter(settings.accounts.values()))
    elif len(settings.accounts) > 1 and not wanted.endpoint:
        names = ", ".join(sorted(settings.accounts))
        raise ConfigError(
            str(settings.path or "config"),
            "defaults.account",
            f"{len(settings.accounts)} accounts are configured ({names}) and none is the "
            "default: pick one with --account NAME (or AMSTUI_ACCOUNT=NAME), or set "
            'account = "NAME" under [defaults]',
        )
    if wanted.endpoint:
        endpoint = check_endpoint(source, "endpoint", wanted.endpoint)
        account = replace(account, endpoint=endpoint) if account else Account("adhoc", endpoint)
    if account is not None:
        changes: dict[str, Any] = {}
        if wanted.credential is not None:
            changes["credential"] = _choice(
                source, "credential", wanted.credential, CREDENTIAL_KINDS
            )
        if wanted.cloud is not None:
            changes["cloud"] = _choice(source, "cloud", wanted.cloud, CLOUDS)
        if wanted.tenant is not None:
            changes["tenant"] = wanted.tenant
        if wanted.client_id is not None:
            changes["client_id"] = wanted.client_id
        if wanted.x_ms_version is not None:
            changes["x_ms_version"] = _choice(
                source, "x-ms-version", wanted.x_ms_version, API_VERSIONS
            )
        if wanted.accept is not None:
            changes["accept"] = _choice(source, "accept", wanted.accept, ACCEPTS)
        if wanted.api is not None:
            changes["api"] = _choice(source, "api", wanted.api, APIS)
        account = replace(account, **changes)
        if wanted.api is not None or wanted.endpoint:
            check_api_endpoint(source, "endpoint", account.api, account.endpoint)
    d = settings.defaults
    return Resolved(
        account=account,
        interval=wanted.interval if wanted.interval is not None else d.interval,
        readonly=wanted.readonly if wanted.readonly is not None else d.readonly,
        theme=wanted.theme or d.theme,
        theme_source=(
            (source, "theme (AMSTUI_THEME)")
            if wanted.theme
            else (str(settings.path or "defaults"), "defaults.theme")
        ),
        max_in_flight=d.max_in_flight,
        requests_per_second=d.requests_per_second,
        settings=settings,
        keys=settings.keys,
    )
