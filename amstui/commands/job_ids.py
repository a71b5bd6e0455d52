"""Job ids as people type them.

- AMS v2: the full `nb:jid:UUID:<guid>`, a bare GUID, or a unique prefix of the GUID (the 8
  characters the monitor and `jobs` show). A prefix is looked up with one
  `startswith(Id, ...)` query; no match is "no such job" (exit 6), more than one lists the
  candidates (exit 2), anything else that is not hex is a usage error.
- AMS v3 and MK.IO: `TRANSFORM/JOB` (what `jobs` shows) or the job's full ARM resource id
  (`/subscriptions/.../transforms/T/jobs/J`); nothing is looked up, a malformed one is a usage
  error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.monitor.inert_text import inert
from amstui.monitor.labels import job_guid

if TYPE_CHECKING:
    from amstui.ams.client import AmsV2Client
    from amstui.ams.v3_client import AmsV3Client

ID_PREFIX = "nb:jid:UUID:"
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_PARTIAL = re.compile(r"[0-9a-f][0-9a-f-]{0,35}", re.I)
#: Candidates listed for an ambiguous prefix.
MAX_CANDIDATES = 10


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the user typed, and either the full id it names or the GUID prefix to look up."""

    typed: str
    full_id: str | None = None
    prefix: str | None = None


def parse(typed: str, api: str = "v2") -> Wanted:
    """Classify one typed id (no request). CliError (exit 2) for anything not id-shaped."""
    if api != "v2":
        return parse_v3(typed)
    text = typed.strip()
    # A full id is used as typed; AMS writes GUIDs in lower case, people copy them either way.
    full = text.lower().startswith(ID_PREFIX.lower())
    guid = text[len(ID_PREFIX) :] if full else text.lower()
    if _GUID.fullmatch(guid):
        return Wanted(typed, full_id=ID_PREFIX + guid)
    if _PARTIAL.fullmatch(guid):
        return Wanted(typed, prefix=guid)
    shown = text if len(text) <= 60 else text[:57] + "..."
    raise CliError(
        f"not an AMS job id: {inert(repr(shown))} "
        "(expected nb:jid:UUID:<guid>, a GUID, or a unique prefix of one)",
        exit_codes.USAGE,
    )


def parse_v3(typed: str) -> Wanted:
    """`TRANSFORM/JOB` or an ARM resource id, as the v3 client's id `TRANSFORM/JOB`."""
    from amstui.ams import arm
    from amstui.ams.errors import InvalidJobIdError

    try:
        transform, name = arm.split_job_id(typed)
    except InvalidJobIdError as exc:
        raise CliError(
            f"{inert(str(exc))} (expected TRANSFORM/JOB, as `amstui jobs` shows it, or the "
            "job's ARM resource id)",
            exit_codes.USAGE,
        ) from None
    return Wanted(typed, full_id=arm.job_id(transform, name))


def parse_all(typed: Sequence[str], api: str = "v2") -> list[Wanted]:
    return [parse(t, api) for t in typed]


async def resolve(client: AmsV2Client | AmsV3Client, wanted: Sequence[Wanted]) -> list[str]:
    """Full ids for `wanted`, in order and without duplicates; prefixes cost one query each.

    CliError: exit 6 for a prefix nothing matches, exit 2 (with the candidates) for one that
    matches several jobs."""
    from amstui.ams import odata

    ids: list[str] = []
    for item in wanted:
        if item.full_id is not None:
            ids.append(item.full_id)
            continue
        assert item.prefix is not None
        from amstui.ams.client import AmsV2Client

        if not isinstance(client, AmsV2Client):  # v3 ids are always full (parse_v3)
            raise CliError(f"not a v3 job id: {inert(item.typed)}", exit_codes.USAGE)
        fetched = await client.list_jobs_raw(
            filter=odata.startswith("Id", ID_PREFIX + item.prefix), top=MAX_CANDIDATES + 1
        )
        matches = fetched.value
        if not matches:
            raise CliError(f"no such job: {inert(item.typed)}", exit_codes.NOT_FOUND)
        if len(matches) > 1:
            shown = "\n".join(
                f"  {inert(job_guid(j.id))}  {j.state.label:<10}  {inert(j.name)}"
                for j in matches[:MAX_CANDIDATES]
            )
            more = " (first 10)" if len(matches) > MAX_CANDIDATES else ""
            raise CliError(
                f"job id prefix {inert(item.typed)!r} is ambiguous; it matches{more}:\n{shown}",
                exit_codes.USAGE,
            )
        ids.append(matches[0].id)
    return list(dict.fromkeys(ids))
