"""Several accounts at once: which ones the flags and config name, and their connections.

`--account A --account B`, `--all-accounts` or `[defaults] accounts = [...]` (and, in the demo,
`--demo --accounts N`) name a set; one account goes the usual way (`session.resolve_connection`).
Each account of a set gets its own connection: its own client, credential and token, so that
no account's token is ever sent to another's host.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import config_failure

if TYPE_CHECKING:
    from amstui.ams.client import RetryPolicy
    from amstui.bootstrap.connect import Connection
    from amstui.config import Account, Resolved


@dataclass(slots=True)
class SetMember:
    connection: Connection
    account: Account | None
    resolved: Resolved | None


def wants_several(args: argparse.Namespace) -> bool:
    """Whether the flags (or, without --account and --endpoint, the config) name a set."""
    if getattr(args, "demo", False):
        return (getattr(args, "demo_accounts", None) or 1) > 1
    if getattr(args, "endpoint", None):
        return False
    names = getattr(args, "account_set", None) or []
    if getattr(args, "all_accounts", False) or len(set(names)) >= 2:
        return True
    if names:
        return False
    return bool(_names(args))


def _names(args: argparse.Namespace) -> list[str]:
    from amstui import config

    try:
        settings = config.load_settings()
        if not getattr(args, "account_set", None) and config.env_overrides().account:
            return []  # AMSTUI_ACCOUNT names one account
        return config.select_accounts(
            settings,
            getattr(args, "account_set", None) or (),
            all_accounts=bool(getattr(args, "all_accounts", False)),
        )
    except config.ConfigError as exc:
        raise config_failure(exc) from None


def connect_set(args: argparse.Namespace, retry: RetryPolicy | None = None) -> list[SetMember]:
    """One connection per account of the set (CliError for a bad set or account)."""
    from amstui import config
    from amstui.bootstrap.connect import MONITOR_RETRY, connect_account

    policy = retry or MONITOR_RETRY
    if getattr(args, "demo", False):
        from amstui.bootstrap.demo_accounts import MAX_DEMO_ACCOUNTS, connect_demo_accounts

        count = getattr(args, "demo_accounts", None) or 1
        if not 2 <= count <= MAX_DEMO_ACCOUNTS:
            raise CliError(f"--accounts takes 2 to {MAX_DEMO_ACCOUNTS}", exit_codes.USAGE)
        jobs = min(max(getattr(args, "demo_jobs", 400), 1), 100_000)
        connections = connect_demo_accounts(count, getattr(args, "seed", 7), jobs=jobs)
        return [SetMember(c, None, None) for c in connections]
    names = _names(args)
    members: list[SetMember] = []
    try:
        settings = config.load_settings()
        # AMSTUI_ENDPOINT and AMSTUI_ACCOUNT name one account: not every account of a set.
        env = replace(config.env_overrides(), endpoint=None, account=None)
        for name in names:
            flags = config.Overrides(
                account=name,
                credential=getattr(args, "credential", None),
                interval=getattr(args, "interval", None),
                readonly=getattr(args, "readonly", None),
            )
            resolved = config.resolve(settings, config.merge_overrides(env, flags))
            assert resolved.account is not None
            connection = connect_account(resolved.account, retry=policy)
            members.append(SetMember(connection, resolved.account, resolved))
    except config.ConfigError as exc:
        raise config_failure(exc) from None
    except ValueError as exc:
        raise CliError(str(exc), exit_codes.USAGE) from None
    return members
