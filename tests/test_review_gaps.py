"""Behaviours that a deliberate bug used to leave every test green (issue 10, code health).
Each test names the bug it catches; the ETA, `--exit-status` order and purged-job cases live
in test_timing.py and test_wait_policy.py."""

from __future__ import annotations

import argparse

import pytest

from amstui.ams.auth import BearerTokenAuth, CredentialSpec, make_credential, scope_for
from amstui.ams.client import AmsV2Client, RetryPolicy
from amstui.ams.model import Job, JobState
from amstui.bootstrap.connect import DEMO_ROOT
from amstui.bootstrap.session import resolve_connection
from amstui.emulator.simulation import _aggregate
from amstui.monitor.engine import RefreshEngine
from amstui.monitor.store import JobStore
from amstui.ui.job_filter import parse_filter
from tests.conftest import make_emulator

F, S, Q, P = JobState.FINISHED, JobState.SCHEDULED, JobState.QUEUED, JobState.PROCESSING


def test_a_job_between_two_tasks_is_processing_not_scheduled() -> None:
    """Bug caught: the job state taken from the next task (Scheduled) once one finished."""
    assert _aggregate((F, S), False) == P
    assert _aggregate((F, Q, Q), False) == P
    assert _aggregate((S, S), False) == S  # before any task ran it is still Scheduled


def test_bang_term_negates() -> None:
    """Bug caught: `!term` parsed as the term itself (negation ignored)."""
    wanted = Job(id="nb:jid:UUID:1", name="trailer encode", state=P, created=None)
    other = Job(id="nb:jid:UUID:2", name="feature encode", state=JobState.ERROR, created=None)
    plain, negated = parse_filter("trailer"), parse_filter("!trailer")
    assert plain is not None and negated is not None
    assert [plain(wanted), plain(other)] == [True, False]
    assert [negated(wanted), negated(other)] == [False, True]
    by_state = parse_filter("!state:error")
    assert by_state is not None and by_state(wanted) and not by_state(other)


async def test_a_failed_per_job_refresh_marks_that_row_stale() -> None:
    """Bug caught: a per-job refresh that fails leaves the row looking fresh."""
    emu = make_emulator(jobs=30, active=12, concurrency=12, task_seconds=600)
    client = AmsV2Client(
        DEMO_ROOT,
        auth=BearerTokenAuth(make_credential(CredentialSpec(kind="none")), scope_for("public")),
        transport=emu.transport(),
        retry=RetryPolicy(max_attempts=1),
        wallclock=emu.now,
    )
    store = JobStore(emu.now)
    engine = RefreshEngine(client, store, now=emu.now)
    async with client:
        await engine.cycle()
        processing = [i for i, e in store.entries.items() if e.job.state == P]
        assert len(processing) >= 2
        assert all(store.entries[i].stale_since is None for i in store.entries)
        emu.faults.add("500", 1, route="Jobs(id)/Tasks")
        emu.advance(5)
        report = await engine.cycle()
    stale = [i for i in processing if store.entries[i].stale_since is not None]
    assert report.errors and len(stale) == 1  # the one whose tasks request failed
    assert all(store.entries[i].stale_since is None for i in processing if i not in stale)


def namespace(**kw: object) -> argparse.Namespace:
    base: dict[str, object] = {"account": None, "endpoint": None, "credential": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_command_line_flags_beat_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug caught: AMSTUI_* variables applied over the flags instead of under them."""
    monkeypatch.setenv("AMSTUI_ENDPOINT", "http://127.0.0.1:19001/api/")
    monkeypatch.setenv("AMSTUI_CREDENTIAL", "cli")
    monkeypatch.setenv("AMSTUI_INTERVAL", "30")
    args = namespace(endpoint="http://127.0.0.1:19002/api/", credential="none", interval=2.0)
    connection, resolved = resolve_connection(args)
    assert connection.endpoint == "http://127.0.0.1:19002/api/"
    assert resolved is not None and resolved.account is not None
    assert resolved.account.credential == "none" and resolved.interval == 2.0
    # Without flags the variables apply.
    connection, resolved = resolve_connection(namespace())
    assert connection.endpoint == "http://127.0.0.1:19001/api/"
    assert resolved is not None and resolved.interval == 30.0
