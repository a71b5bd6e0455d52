"""`amstui info` for several accounts (`--account A --account B`, `--all-accounts`, or the
config's `[defaults] accounts`): the set, each account's credential, and with `--check` each
account's token and one call, reported per account (never a token)."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable

from amstui.ams.backend import JobQuery
from amstui.ams.errors import AmsError
from amstui.bootstrap import exit_codes
from amstui.bootstrap.account_set import SetMember, connect_set
from amstui.bootstrap.session import exit_code_for
from amstui.monitor.inert_text import inert


def set_credential_hint(kind: str, credential_hint: Callable[[str], str]) -> str:
    """`info.credential_hint`, with the service credentials of v3 accounts too."""
    if kind == "token":
        return "token: a bearer from the account's token_file (else AMSTUI_TOKEN)"
    if kind == "rms-api-key":
        return "rms-api-key: an RMS API key from key_file (else AMSTUI_RMS_API_KEY)"
    return credential_hint(kind)


def print_set(args: argparse.Namespace, credential_hint: Callable[[str], str]) -> int:
    members = connect_set(args)
    print(f"watching:     {len(members)} accounts together")
    for member in members:
        kind = member.account.credential if member.account else "none"
        api = member.account.api if member.account else "demo"
        print(
            f"  {inert(member.connection.account)} ({api}) at {inert(member.connection.endpoint)}"
        )
        print(f"    credential: {set_credential_hint(kind, credential_hint)}")
    if not args.check:
        asyncio.run(_close(members))
        return exit_codes.OK
    codes = asyncio.run(_check_all(members))
    return next((code for code in codes if code != exit_codes.OK), exit_codes.OK)


async def _close(members: list[SetMember]) -> None:
    await asyncio.gather(*(m.connection.client.aclose() for m in members))


async def _check_all(members: list[SetMember]) -> list[int]:
    codes = []
    for member in members:  # in order: the report reads top to bottom
        codes.append(await _check_one(member))
    return codes


async def _check_one(member: SetMember) -> int:
    client = member.connection.client
    name = inert(member.connection.account)
    async with client:
        t0 = time.perf_counter()
        try:
            fetched = await client.list_jobs(JobQuery(limit=1))
        except AmsError as exc:
            print(f"✖ {name}: {inert(str(exc))}")
            return exit_code_for(exc) or exit_codes.FAILED
        took = 1000 * (time.perf_counter() - t0)
        print(f"✔ {name}: token and call ok ({fetched.requests} request(s), {took:.0f} ms)")
    return exit_codes.OK
