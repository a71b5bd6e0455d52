"""`amstui wait` over several accounts: job ids qualified as `ACCOUNT:ID`.

An id whose text before the first colon names an account of the set belongs to that account
(`prod:nb:jid:UUID:…`, `prod:717cad81`, `rms:encode/job-1`). Ids take every form the account's
own `wait` takes (`commands/job_ids.py`: v2 a full id, a GUID or a unique GUID prefix; v3
`TRANSFORM/JOB` or an ARM id). An unqualified id is looked up in every account whose shape it
fits (one request each): found in one, it is that account's; found in several, it is a usage
error naming them (exit 2); found in none, "no such job" (exit 6); an ambiguous prefix within
an account is a usage error naming the account and the candidates (exit 2). Each account is
then waited on with its own connection and engine (`wait.wait_for`), side by side, every line
it writes after its account's name; the exit code is the first account's that is not 0, in the
order the accounts were named.
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
from amstui.commands import job_ids
from amstui.monitor.inert_text import inert

if TYPE_CHECKING:
    from amstui.bootstrap.connect import Connection


def split_qualified(typed: str, names: Sequence[str]) -> tuple[str | None, str]:
    """(account, id) for `ACCOUNT:ID` when ACCOUNT is one of `names`; (None, typed) else."""
    account, sep, rest = typed.partition(":")
    if sep and account in names and rest:
        return account, rest
    return None, typed


async def _find(member: SetMember, typed: str) -> str | None:
    """The full id `typed` names in one account (the forms its own `wait` takes: v2 a full id,
    a GUID or a unique prefix; v3 `TRANSFORM/JOB` or an ARM id); None when it has no such job
    or the text is not an id of its shape. CliError (naming the account) for an ambiguous
    prefix or a failing account."""
    connection = member.connection
    try:
        wanted = job_ids.parse(typed, connection.api)
    except CliError:
        return None  # not this account's id shape
    try:
        if wanted.full_id is None:
            return (await job_ids.resolve(connection.client, [wanted]))[0]
        return (await connection.client.get_job(wanted.full_id)).value.id
    except (NotFoundError, InvalidJobIdError):
        return None
    except CliError as exc:
        if exc.code == exit_codes.NOT_FOUND:
            return None
        raise CliError(f"{inert(connection.account)}: {exc}", exc.code) from None
    except AmsError as exc:
        raise CliError(
            f"{inert(connection.account)}: {inert(str(exc))}", exit_code_for(exc)
        ) from None


def _shaped(members: Sequence[SetMember], typed: str) -> bool:
    """Whether `typed` is an id of at least one account's shape."""
    for member in members:
        try:
            job_ids.parse(typed, member.connection.api)
        except CliError:
            continue
        return True
    return False


async def assign(members: Sequence[SetMember], typed: Sequence[str]) -> dict[str, list[str]]:
    """Account name -> the full job ids to wait for there (CliError for a bad, unknown or
    ambiguous id). Ids take every form the account's own `wait` takes, prefixes included."""
    names = [m.connection.account for m in members]
    by_name = {m.connection.account: m for m in members}
    wanted: dict[str, list[str]] = {name: [] for name in names}
    for text in typed:
        account, raw = split_qualified(text.strip(), names)
        if account is not None:
            member = by_name[account]
            try:
                job_ids.parse(raw, member.connection.api)
            except CliError as exc:
                raise CliError(f"{inert(account)}: {exc}", exc.code) from None
            job_id = await _find(member, raw)
            if job_id is None:
                raise CliError(
                    f"no such job in {inert(account)}: {inert(raw)}", exit_codes.NOT_FOUND
                )
            found = [(account, job_id)]
        else:
            if not _shaped(members, raw):
                raise CliError(
                    f"not a job id of any account in the set: {inert(repr(raw[:60]))} (v2: "
                    "nb:jid:UUID:<guid>, a GUID or a unique prefix; v3: TRANSFORM/JOB; "
                    "ACCOUNT:ID names the account)",
                    exit_codes.USAGE,
                )
            ids = await asyncio.gather(*(_find(m, raw) for m in members))
            found = [(n, i) for n, i in zip(names, ids, strict=True) if i is not None]
            if not found:
                raise CliError(
                    f"no such job in {', '.join(names)}: {inert(text)}", exit_codes.NOT_FOUND
                )
            if len(found) > 1:
                owners = [n for n, _ in found]
                raise CliError(
                    f"job id {inert(text)!r} is in {' and '.join(owners)}; qualify it as "
                    + " or ".join(f"{o}:{inert(raw)}" for o in owners),
                    exit_codes.USAGE,
                )
        ((account, job_id),) = found
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
