"""`amstui info [--check]`: version, paths, accounts, the credential that would be used (a
`token` credential's JWT expiry, warned about 7 days ahead); with --check, get a token and call
the endpoint, reporting each step (never the token): v3 and MK.IO accounts list their
transforms and the reads the service says are left."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from typing import TYPE_CHECKING

from amstui import __version__
from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import config_failure, exit_code_for
from amstui.monitor.inert_text import inert

if TYPE_CHECKING:
    from amstui.ams.exchange import Exchange
    from amstui.ams.v3_client import AmsV3Client
    from amstui.bootstrap.connect import Connection


def credential_hint(kind: str) -> str:
    if kind == "token":
        return "token: a pre-issued bearer from AMSTUI_TOKEN or the account's token_file"
    if kind == "rms-api-key":
        return (
            "rms-api-key: the key from AMSTUI_RMS_API_KEY or the account's key_file, "
            "exchanged at the RMS host's /auth/token"
        )
    if kind == "none":
        return "none: a placeholder bearer (emulator and loopback only)"
    if kind == "cli":
        found = shutil.which("az")
        return f"cli: Azure CLI tokens ({'az found at ' + found if found else 'az not on PATH'})"
    if kind == "environment":
        have = [
            v
            for v in (
                "AZURE_TENANT_ID",
                "AZURE_CLIENT_ID",
                "AZURE_CLIENT_SECRET",
                "AZURE_CLIENT_CERTIFICATE_PATH",
            )
            if os.environ.get(v)
        ]
        return f"environment: service principal from variables ({', '.join(have) or 'none set'})"
    if kind == "managed-identity":
        return "managed-identity: the machine's managed identity"
    if kind == "device-code":
        return "device-code: sign in with `amstui login` (URL and code, works over SSH)"
    chosen = os.environ.get("AZURE_TOKEN_CREDENTIALS")
    return (
        "default: DefaultAzureCredential (environment, workload identity, managed identity, "
        f"Azure CLI, …){'; AZURE_TOKEN_CREDENTIALS=' + chosen if chosen else ''}"
    )


def run(args: argparse.Namespace) -> int:
    import platformdirs

    from amstui import config
    from amstui.bootstrap import logfile
    from amstui.bootstrap.connect import record_path

    print(f"amstui {__version__} (Python {sys.version.split()[0]})")
    path = config.config_path()
    print(f"config file:  {path}{'' if path.exists() else '  (not present)'}")
    print(f"log file:     {logfile.log_path()}")
    print(f"state dir:    {platformdirs.user_state_path('amstui')}  (sign-in records)")
    print(f"cache dir:    {platformdirs.user_cache_path('amstui')}")
    try:
        settings = config.load_settings()
    except config.ConfigError as exc:
        raise config_failure(exc) from None
    if settings.accounts:
        print("accounts:")
        for name, account in settings.accounts.items():
            mark = " (default)" if name == settings.defaults.account else ""
            signed = "  signed in" if record_path(name).exists() else ""
            print(
                f"  {name}{mark}: {account.endpoint}  api={account.api}  "
                f"credential={account.credential}  cloud={account.cloud}{signed}"
            )
    else:
        print("accounts:     none configured")
    from amstui.bootstrap.account_set import wants_several

    if settings.accounts and wants_several(args):  # a set: commands/info_set.py
        from amstui.commands.info_set import print_set

        return print_set(args, credential_hint)
    if getattr(args, "demo", False) or getattr(args, "endpoint", None) or settings.accounts:
        from amstui.bootstrap.session import resolve_connection

        connection, resolved = resolve_connection(args)
        kind = resolved.account.credential if resolved and resolved.account else "none"
        print(f"would use:    {connection.account} at {connection.endpoint} (api {connection.api})")
        print(f"credential:   {credential_hint(kind)}")
        if kind == "token":
            print_token_expiry(getattr(connection.client, "auth", None))
        if args.check:
            return asyncio.run(_check(connection, kind))
        asyncio.run(connection.client.aclose())
    elif args.check:
        raise CliError("nothing to check: no account configured", exit_codes.USAGE)
    return exit_codes.OK


def print_token_expiry(auth: object) -> None:
    """The JWT expiry of a `token` credential, and a warning within 7 days of it."""
    import httpx

    from amstui.ams.auth import token_expiry
    from amstui.ams.service_credentials import expiry_warning

    expires = token_expiry(auth) if isinstance(auth, httpx.Auth) else None
    if expires is None:
        print("token:        expiry unknown (not a JWT, or not readable yet)")
        return
    print(f"token:        expires {expires.strftime('%Y-%m-%d %H:%M UTC')}")
    warning = expiry_warning(expires)
    if warning:
        print(f"warning:      {warning}", file=sys.stderr)


async def _check(connection: Connection, kind: str) -> int:
    from amstui.ams.errors import AmsError, NotFoundError, ProtocolError
    from amstui.ams.v3_client import AmsV3Client

    client = connection.client
    if isinstance(client, AmsV3Client):
        return await _check_v3(client, connection, kind)
    auth = client._auth
    async with client:
        if auth is not None and hasattr(auth, "token"):
            t0 = time.perf_counter()
            try:
                await auth.token()
            except AmsError as exc:
                print(f"✖ token ({kind}): {inert(str(exc))}")
                return exit_code_for(exc)
            print(f"✔ token ({kind}) in {1000 * (time.perf_counter() - t0):.0f} ms")
        try:
            fetched = await client.list_jobs_raw(top=1)
        except (NotFoundError, ProtocolError) as exc:
            print(
                f"✖ call {inert(client.endpoint)}: does not look like an AMS REST root: "
                f"{inert(str(exc))}"
            )
            return exit_codes.USAGE
        except AmsError as exc:
            print(f"✖ call {inert(client.endpoint)}: {inert(str(exc))}")
            return exit_code_for(exc) or exit_codes.FAILED
        _print_call(fetched.exchange)
        if client.endpoint != connection.endpoint and connection.emulator is None:
            print(f"  note: the account answered from {client.endpoint} (301)")
    return exit_codes.OK


async def _token_step(auth: object, kind: str) -> int | None:
    """Get a token first (reported, never shown); an exit code if that fails."""
    from amstui.ams.errors import AmsError

    token = getattr(auth, "token", None)
    if token is None:
        return None
    t0 = time.perf_counter()
    try:
        await token()
    except AmsError as exc:
        print(f"✖ token ({kind}): {inert(str(exc))}")
        return exit_code_for(exc)
    print(f"✔ token ({kind}) in {1000 * (time.perf_counter() - t0):.0f} ms")
    return None


async def _check_v3(client: AmsV3Client, connection: Connection, kind: str) -> int:
    """v3/MK.IO: list the transforms (the call every listing starts from) and say how many
    reads the service reports left."""
    from amstui.ams.errors import AmsError, NotFoundError, ProtocolError
    from amstui.bootstrap.session import not_ams

    async with client:
        failed = await _token_step(client.auth, kind)
        if failed is not None:
            return failed
        try:
            fetched = await client.list_transforms()
        except (NotFoundError, ProtocolError) as exc:
            problem = not_ams(client.endpoint, exc, connection.api)
            print(f"✖ call {inert(client.endpoint)}: {inert(str(problem))}")
            return exit_codes.USAGE
        except AmsError as exc:
            print(f"✖ call {inert(client.endpoint)}: {inert(str(exc))}")
            return exit_code_for(exc) or exit_codes.FAILED
        _print_call(fetched.exchange)
        names = fetched.value
        print(f"transforms:   {len(names)}: {inert(', '.join(names)) or '(none)'}")
        if client.transforms:
            print(f"watching:     {inert(', '.join(client.transforms))}")
        reads = client.reads_remaining
        print(f"reads left:   {reads if reads is not None else 'not reported'}")
    return exit_codes.OK


def _print_call(ex: Exchange | None) -> None:
    """The check's line for a call that answered: request, status, latency, request id."""
    assert ex is not None
    print(
        f"✔ call {inert(ex.request_line)} -> {ex.status} in {ex.latency_s * 1000:.0f} ms "
        f"(request-id {inert(ex.request_id or '-')})"
    )
