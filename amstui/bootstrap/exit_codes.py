"""Every exit code of the `amstui` command, in one place (documented in the README)."""

from __future__ import annotations

OK = 0
#: A command failed (an AMS error that is not one of the kinds below); with
#: `wait --exit-status`: a job ended in Error.
FAILED = 1
#: Bad arguments, bad configuration, an invalid or ambiguous job id, an endpoint that does
#: not answer like an AMS REST root.
USAGE = 2
#: `wait --exit-status`: a job was canceled.
CANCELED = 3
#: `wait --timeout` ran out.
TIMEOUT = 4
#: Authentication failed (no token, or the service refused it).
AUTH = 5
#: No such job (never existed, or purged while waiting).
NOT_FOUND = 6
#: Ctrl-C (128 + SIGINT).
INTERRUPTED = 130
