"""`amstui wait` over several accounts: job ids qualified as `ACCOUNT:ID`.

An id whose text before the first colon names an account of the set belongs to that account
(`prod:nb:jid:UUID:…`, `rms:encode/job-1`). An unqualified id is looked up in every account
(one GET each): found in one, it is that account's; found in several, it is a usage error
naming them (exit 2); found in none, "no such job" (exit 6). Each account is then waited on
with its own connection and engine (`wait.wait_for`), side by side; the exit code is the first
account's that is not 0, in the order the accounts were named.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from amstui.ams.errors import AmsError, InvalidJobIdError, NotFoundError
from amstui.bootstrap import exit_codes
from amstui.bootstrap.account_set import SetMember, connect_set
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import exit_code_for
from amstui.monitor.inert_text import inert

if TYPE_CHECKING:
    from amstui.bootstrap.connect import Connection


def split_qualified(typed: str, names: Sequence[str]) -> tuple[str | None, str]:
    """(account, id) for `ACCOUNT:ID` when ACCOUNT is one of `names`; (None, typed) else."""
    account, sep, rest = typed.partition(":")
    if sep and account in names and rest:
        return account, rest
    return None, typed


async def _owners(members: Sequence[SetMember], job_id: str) -> list[str]:
    async def has(member: SetMember) -> bool:
        try:
            await member.connection.client.get_job(job_id)
        except (NotFoundError, InvalidJobIdError):  # not here, or not this account's id shape
            return False
        except AmsError as exc:
            raise CliError(
                f"{member.connection.account}: {inert(str(exc))}", exit_code_for(exc)
            ) from None
        return True

    found = await asyncio.gather(*(has(m) for m in members))
    return [m.connection.account for m, yes in zip(members, found, strict=True) if yes]


async def assign(members: Sequence[SetMember], typed: Sequence[str]) -> dict[str, list[str]]:
    """Account name -> the job ids to wait for there (CliError for a bad or ambiguous id)."""
    names = [m.connection.account for m in members]
    wanted: dict[str, list[str]] = {name: [] for name in names}
    for text in typed:
        account, job_id = split_qualified(text.strip(), names)
        if account is None:
            owners = await _owners(members, job_id)
            if not owners:
                raise CliError(
                    f"no such job in {', '.join(names)}: {inert(text)}", exit_codes.NOT_FOUND
                )
            if len(owners) > 1:
                raise CliError(
                    f"job id {inert(text)!r} is in {' and '.join(owners)}; qualify it as "
                    + " or ".join(f"{o}:{inert(job_id)}" for o in owners),
                    exit_codes.USAGE,
                )
            account = owners[0]
        if job_id not in wanted[account]:
            wanted[account].append(job_id)
    return wanted


async def run_set(
    args: argparse.Namespace,
    timeout: float | None,
    interval: float,
    wait_one: Callable[[Connection, list[str]], Coroutine[Any, Any, int]],
) -> int:
    """`wait_one(connection, ids)` waits in one account (`wait.wait_for` with a line view;
    passed in, as `wait` imports this module)."""
    members = connect_set(args)
    try:
        wanted = await assign(members, args.job_ids)
        waits = [
            wait_one(m.connection, wanted[m.connection.account])
            for m in members
            if wanted[m.connection.account]
        ]
        codes = await asyncio.gather(*waits)
    finally:
        await asyncio.gather(*(m.connection.client.aclose() for m in members))
    for code in codes:
        if code != exit_codes.OK:
            return code
    if not codes:
        print("amstui: no job to wait for", file=sys.stderr)
        return exit_codes.USAGE
    return exit_codes.OK
