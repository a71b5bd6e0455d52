"""Several demo accounts (`amstui --demo --accounts N`): in-process emulators of mixed shapes.

Account 1 is the v2 demo; then an ARM-shaped (v3) account, an MK.IO-shaped one, and v2 and
v3 again in turn. Each has its own emulator (its own seed, jobs and clock) and its own client.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from amstui.ams.auth import BearerTokenAuth, CredentialSpec, make_credential, scope_for
from amstui.ams.client import RetryPolicy
from amstui.ams.service_credentials import TOKEN_ENV, StaticToken
from amstui.ams.v3_client import AmsV3Client
from amstui.bootstrap.connect import MONITOR_RETRY, Connection, connect_demo, demo_config
from amstui.emulator.app import Emulator

#: An unsigned JWT for the MK.IO-shaped demo account (header {"alg":"none"}, sub "demo").
DEMO_JWT = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJkZW1vIiwiZXhwIjo0MTAyNDQ0ODAwfQ.ZGVtbw"
#: Names and shapes of the demo accounts, in order.
DEMO_ACCOUNTS = (
    ("prod", "v2"),
    ("rms-eu", "v3"),
    ("mkio", "mkio"),
    ("dr", "v2"),
    ("rms-us", "v3"),
    ("staging", "v2"),
)
MAX_DEMO_ACCOUNTS = len(DEMO_ACCOUNTS)


def connect_demo_v3(
    name: str,
    api: str,
    seed: int,
    *,
    start: datetime | None = None,
    speed: float = 6.0,
    jobs: int = 400,
    retry: RetryPolicy = MONITOR_RETRY,
    **client_kw: Any,
) -> Connection:
    """A v3-shaped (ARM or MK.IO) demo account on an in-process emulator."""
    config = replace(demo_config(seed, start, speed, jobs), api=api, account=name.replace("-", ""))
    emulator = Emulator(config)
    assert emulator.v3 is not None
    # MK.IO takes a JWT-shaped token; the demo's is unsigned and names nobody.
    source = (
        StaticToken(env={TOKEN_ENV: DEMO_JWT})
        if api == "mkio"
        else make_credential(CredentialSpec(kind="none"))
    )
    client = AmsV3Client(
        f"http://127.0.0.1{emulator.v3.root_path}",
        flavour="mkio" if api == "mkio" else "arm",
        auth=BearerTokenAuth(source, scope_for("public")),
        transport=emulator.transport(),
        retry=retry,
        wallclock=emulator.now,
        **client_kw,
    )
    return Connection(client, name, f"built-in emulator ({api})", emulator)


def connect_demo_accounts(
    count: int,
    seed: int = 7,
    *,
    start: datetime | None = None,
    speed: float = 6.0,
    jobs: int = 400,
    **client_kw: Any,
) -> list[Connection]:
    """`count` demo accounts (2 to MAX_DEMO_ACCOUNTS), mixing v2 and v3 shapes."""
    if not 2 <= count <= MAX_DEMO_ACCOUNTS:
        raise ValueError(f"--accounts takes 2 to {MAX_DEMO_ACCOUNTS}")
    connections: list[Connection] = []
    for index, (name, api) in enumerate(DEMO_ACCOUNTS[:count]):
        account_seed = seed + 101 * index
        if api == "v2":
            connection = connect_demo(
                account_seed, start=start, speed=speed, jobs=jobs, **client_kw
            )
            connection.account = name
            connection.endpoint = "built-in emulator (v2)"
        else:
            connection = connect_demo_v3(
                name, api, account_seed, start=start, speed=speed, jobs=jobs, **client_kw
            )
        connections.append(connection)
    return connections
