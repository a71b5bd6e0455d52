"""`amstui login [--account A | --endpoint URL --credential KIND]`: device-code sign-in for
SSH sessions.

Prints the URL and the code, waits for the sign-in, then stores the AuthenticationRecord (not
a secret) under platformdirs' state directory. The token cache (refresh tokens) is kept on disk
only with --persist-token-cache; without it, later runs need the cache that azure-identity keeps
in memory, so a restart means signing in again.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from amstui.bootstrap import exit_codes
from amstui.bootstrap.errors import CliError
from amstui.bootstrap.session import resolve_settings


def show_code(verification_uri: str, user_code: str, expires_on: datetime) -> None:
    print(f"To sign in, open {verification_uri} in any browser and enter the code {user_code}")
    print(f"(the code expires at {expires_on:%H:%M:%S} UTC)", flush=True)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from amstui.ams.auth import make_credential, scope_for
    from amstui.bootstrap import logfile
    from amstui.bootstrap.connect import credential_spec, record_path

    logfile.configure()
    account = resolve_settings(args).account
    if account is None:
        raise CliError(
            "no account to sign in to: configure one (see README), or pass --account NAME "
            "or --endpoint URL --credential device-code",
            exit_codes.USAGE,
        )
    if account.credential not in ("device-code", "default"):
        raise CliError(
            f"account {account.name!r} uses credential {account.credential!r}; "
            '`amstui login` is for device-code accounts (set credential = "device-code")',
            exit_codes.USAGE,
        )
    spec = replace(
        credential_spec(account, args.persist_token_cache), kind="device-code", record_path=None
    )
    credential = make_credential(spec, prompt=show_code)
    try:
        record = credential.authenticate(scopes=[scope_for(account.cloud)])  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        print("\nsign-in abandoned", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except Exception as exc:  # azure-identity raises several kinds; report one line
        from amstui.ams.auth import credential_failure_message

        raise CliError(
            credential_failure_message(exc).replace("could not get a token", "sign-in failed"),
            exit_codes.AUTH,
        ) from None
    path = record_path(account.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.serialize(), encoding="utf-8")
    path.chmod(0o600)
    marker = path.with_suffix(".cache-opt-in")
    if args.persist_token_cache:
        marker.write_text("token cache persisted on request\n", encoding="utf-8")
    elif marker.exists():
        marker.unlink()
    print(f"signed in as {record.username} (tenant {record.tenant_id}); record saved to {path}")
    return exit_codes.OK
