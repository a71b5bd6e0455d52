"""When `amstui wait` stops and with which exit code: a pure function of what it knows.

Exit codes (see `bootstrap.exit_codes`): 0 every job ended (with --exit-status: every job
finished); 1 a job failed (a v3 job that finished with a failed output counts) and 3 a job
was canceled (--exit-status only; failed wins over canceled); 4 the timeout ran out;
5 authentication failed; 6 a job does not exist, or was purged while waiting (even with every
other job finished).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from amstui.ams.model import JobState
from amstui.bootstrap import exit_codes


@dataclass(frozen=True, slots=True)
class Seen:
    """What is known of one waited-for job: its last state, or that it vanished."""

    state: JobState
    gone: bool = False
    #: v3: Finished, but an output failed (`onError: ContinueJob`): a failure all the same.
    failed_output: bool = False

    @property
    def ended(self) -> bool:
        return self.gone or self.state.is_final


def ended_code(jobs: Sequence[Seen], *, exit_status: bool) -> int:
    """The exit code once every job has ended."""
    if any(j.gone for j in jobs):
        return exit_codes.NOT_FOUND
    if not exit_status:
        return exit_codes.OK
    if any(j.state == JobState.ERROR or j.failed_output for j in jobs):
        return exit_codes.FAILED
    if any(j.state == JobState.CANCELED for j in jobs):
        return exit_codes.CANCELED
    return exit_codes.OK


def decide(
    jobs: Mapping[str, Seen | None],
    *,
    listed_once: bool,
    auth_failed: bool,
    waited_s: float,
    timeout_s: float | None,
    exit_status: bool,
) -> int | None:
    """The exit code to stop with now, or None to keep waiting.

    `jobs` maps every waited-for id to what is known (None: not seen); `listed_once` says a
    listing of the ids succeeded, so that an id still unseen does not exist."""
    if auth_failed:
        return exit_codes.AUTH
    if listed_once:
        if any(seen is None for seen in jobs.values()):
            return exit_codes.NOT_FOUND
        known = [seen for seen in jobs.values() if seen is not None]
        if all(seen.ended for seen in known):
            return ended_code(known, exit_status=exit_status)
    if timeout_s is not None and waited_s >= timeout_s:
        return exit_codes.TIMEOUT
    return None
