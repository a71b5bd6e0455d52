"""From settings to a backend: the configured account's client, or the demo emulator.

Shared by the monitor and the headless commands, so both connect the same way.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from amstui.ams.auth import (
    BearerTokenAuth,
    CredentialSpec,
    DeviceCodePrompt,
    NoCredential,
    TokenSource,
    make_credential,
    scope_for,
)
from amstui.ams.client import AmsV2Client, RetryPolicy
from amstui.ams.model import Job
from amstui.ams.service_credentials import (
    TOKEN_ENV,
    RmsApiKeyAuth,
    StaticToken,
    rms_token_endpoint,
)
from amstui.ams.v3_client import AmsV3Client
from amstui.config import Account
from amstui.monitor.timing import ServiceClock

if TYPE_CHECKING:  # the emulator is imported by the demo only (a real account needs none)
    from amstui.emulator.app import Emulator, EmulatorConfig

#: The monitor backs off itself; the client only smooths over short blips.
MONITOR_RETRY = RetryPolicy(
    max_attempts=3, base_delay=0.25, max_delay=2.0, total_budget=10.0, max_retry_after=2.0
)
DEMO_ROOT = "http://127.0.0.1/api/"


def demo_config(
    seed: int = 7, start: datetime | None = None, speed: float = 6.0, jobs: int = 400
) -> EmulatorConfig:
    """The lively demo account: a few hundred jobs, a dozen processing, new ones arriving."""
    from amstui.emulator.app import EmulatorConfig
    from amstui.emulator.simulation import SimConfig

    return EmulatorConfig(
        sim=SimConfig(
            seed=seed,
            jobs=jobs,
            active=22,
            concurrency=12,
            error_rate=0.12,
            arrival_rate=4.0,
            task_seconds=150.0,
        ),
        start=start,
        speed=speed,
    )


@dataclass
class Connection:
    client: AmsV2Client | AmsV3Client
    account: str
    endpoint: str
    emulator: Emulator | None = None
    #: The service's clock as estimated from its responses (accounts; the demo reads the
    #: emulator's clock directly).
    clock: ServiceClock | None = None
    #: `v2`, `v3` (ARM) or `mkio`.
    api: str = "v2"

    def now(self) -> datetime:
        """The service's time: the emulator's virtual clock in demo mode, otherwise the
        estimate from the service's `Date` headers and the newest timestamps seen."""
        if self.emulator is not None:
            return self.emulator.now()
        if self.clock is not None:
            return self.clock.now()
        return datetime.now(UTC)

    def observe(self, jobs: Iterable[Job]) -> None:
        """Jobs just read from the service: their timestamps bound its clock from below."""
        if self.clock is not None:
            self.clock.observe_jobs(jobs)


def connect_demo(
    seed: int = 7,
    *,
    start: datetime | None = None,
    speed: float = 6.0,
    jobs: int = 400,
    retry: RetryPolicy = MONITOR_RETRY,
    api: str = "v2",
    **client_kw: object,
) -> Connection:
    if api != "v2":
        return _connect_v3_demo(seed, start, speed, jobs, retry, api, client_kw)
    from amstui.emulator.app import Emulator

    emulator = Emulator(demo_config(seed, start, speed, jobs))
    client = AmsV2Client(
        DEMO_ROOT,
        auth=BearerTokenAuth(make_credential(CredentialSpec(kind="none")), scope_for("public")),
        transport=emulator.transport(),
        retry=retry,
        wallclock=emulator.now,
        **client_kw,  # type: ignore[arg-type]
    )
    return Connection(client, "demo", "built-in emulator", emulator)


def _connect_v3_demo(
    seed: int,
    start: datetime | None,
    speed: float,
    jobs: int,
    retry: RetryPolicy,
    api: str,
    client_kw: dict[str, object],
) -> Connection:
    """The demo account in v3 (ARM) or MK.IO shape: the same simulated account, its jobs
    spread over the emulator's transforms, listed and paged as the service would."""
    if api not in ("v3", "mkio"):
        raise ValueError(f"--api must be v2, v3 or mkio (got {api!r})")
    from amstui.emulator.app import Emulator

    config = replace(demo_config(seed, start, speed, jobs), api=api)
    emulator = Emulator(config)
    assert emulator.v3 is not None
    source: TokenSource = NoCredential()
    if api == "mkio":
        # MK.IO refuses bearers that are not JWTs: the demo makes one that claims nothing.
        source = StaticToken(env={TOKEN_ENV: _demo_jwt()})
    client = AmsV3Client(
        f"http://127.0.0.1{emulator.v3.root_path}",
        flavour="mkio" if api == "mkio" else "arm",
        auth=BearerTokenAuth(source, scope_for("public", api)),
        transport=emulator.transport(),
        retry=retry,
        wallclock=emulator.now,
        **client_kw,  # type: ignore[arg-type]
    )
    label = "built-in emulator (AMS v3, ARM)" if api == "v3" else "built-in emulator (MK.IO)"
    return Connection(client, "demo", label, emulator, api=api)


def _demo_jwt() -> str:
    def part(data: dict[str, object]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'amstui-demo'})}.ZGVtbw"


def record_path(account_name: str) -> Path:
    """Where `amstui login` keeps an account's AuthenticationRecord (not a secret)."""
    import platformdirs

    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in account_name)
    return platformdirs.user_state_path("amstui") / f"auth-{safe}.json"


def token_cache_opted_in(account_name: str) -> bool:
    """`amstui login --persist-token-cache` leaves a marker; only then is the cache used."""
    return record_path(account_name).with_suffix(".cache-opt-in").exists()


def credential_spec(account: Account, persist_token_cache: bool = False) -> CredentialSpec:
    return CredentialSpec(
        kind=account.credential,
        cloud=account.cloud,
        tenant_id=account.tenant,
        client_id=account.client_id,
        persist_token_cache=persist_token_cache or token_cache_opted_in(account.name),
        record_path=record_path(account.name),
        secret_file=_secret_file(account),
    )


def _secret_file(account: Account) -> Path | None:
    name = account.key_file if account.credential == "rms-api-key" else account.token_file
    return Path(name).expanduser() if name else None


def v3_client(
    account: Account, *, retry: RetryPolicy, prompt: DeviceCodePrompt | None = None
) -> AmsV3Client:
    """The client of a v3 (ARM) or mkio account, with the credential its kind names."""
    spec = credential_spec(account)
    auth: BearerTokenAuth | RmsApiKeyAuth
    if account.credential == "rms-api-key":
        url, subscription = rms_token_endpoint(account.endpoint)
        auth = RmsApiKeyAuth(url, subscription, key_file=spec.secret_file)
    else:
        credential = make_credential(spec, prompt)
        auth = BearerTokenAuth(credential, scope_for(account.cloud, account.api))
    return AmsV3Client(
        account.endpoint,
        flavour="mkio" if account.api == "mkio" else "arm",
        auth=auth,
        api_version=account.api_version,
        transforms=account.transforms,
        retry=retry,
    )


def connect_account(
    account: Account, *, retry: RetryPolicy = MONITOR_RETRY, prompt: DeviceCodePrompt | None = None
) -> Connection:
    if account.api != "v2":
        return Connection(
            v3_client(account, retry=retry, prompt=prompt),
            account.name,
            account.endpoint,
            api=account.api,
        )
    spec = credential_spec(account)
    credential = make_credential(spec, prompt)
    client = AmsV2Client(
        account.endpoint,
        auth=BearerTokenAuth(credential, scope_for(account.cloud)),
        api_version=account.x_ms_version,
        accept=account.accept,
        retry=retry,
    )
    clock = ServiceClock()
    client.on_response = lambda exchange: clock.observe_date(exchange.header("date"))
    return Connection(client, account.name, account.endpoint, clock=clock)
