"""`amstui wait`: the pure exit-code policy, and the loop driven by an injected clock against
the in-process emulator (no real waiting)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from amstui.ams.auth import BearerTokenAuth, CredentialSpec, make_credential, scope_for
from amstui.ams.client import AmsV2Client, RetryPolicy
from amstui.ams.model import JobState
from amstui.bootstrap import exit_codes
from amstui.bootstrap.connect import DEMO_ROOT, Connection
from amstui.commands.wait import View, wait_for
from amstui.commands.wait_policy import Seen, decide, ended_code
from amstui.emulator.app import Emulator
from tests.conftest import make_emulator

F, E, C = JobState.FINISHED, JobState.ERROR, JobState.CANCELED
P = JobState.PROCESSING


def run_decide(jobs: dict[str, Seen | None], **kw: object) -> int | None:
    args: dict[str, object] = {
        "listed_once": True,
        "auth_failed": False,
        "waited_s": 0.0,
        "timeout_s": None,
        "exit_status": False,
    }
    args.update(kw)
    return decide(jobs, **args)  # type: ignore[arg-type]


class TestPolicy:
    @pytest.mark.parametrize(
        ("states", "code"),
        [
            ([F, F], exit_codes.OK),
            ([F, E], exit_codes.FAILED),
            ([F, C], exit_codes.CANCELED),
            ([C, E], exit_codes.FAILED),  # failed wins over canceled, in either order
            ([E, C], exit_codes.FAILED),
        ],
    )
    def test_exit_status_order(self, states: list[JobState], code: int) -> None:
        assert ended_code([Seen(s) for s in states], exit_status=True) == code

    def test_without_exit_status_any_end_is_0(self) -> None:
        assert ended_code([Seen(E), Seen(C)], exit_status=False) == exit_codes.OK

    @pytest.mark.parametrize("exit_status", [False, True])
    def test_a_purged_job_is_6_even_when_the_others_finished(self, exit_status: bool) -> None:
        jobs = [Seen(F), Seen(P, gone=True)]
        assert ended_code(jobs, exit_status=exit_status) == exit_codes.NOT_FOUND

    def test_keep_waiting_while_a_job_runs(self) -> None:
        assert run_decide({"a": Seen(F), "b": Seen(P)}) is None

    def test_timeout(self) -> None:
        jobs: dict[str, Seen | None] = {"a": Seen(P)}
        assert run_decide(jobs, waited_s=9.9, timeout_s=10.0) is None
        assert run_decide(jobs, waited_s=10.0, timeout_s=10.0) == exit_codes.TIMEOUT

    def test_ended_jobs_beat_a_timeout_reached_in_the_same_cycle(self) -> None:
        assert run_decide({"a": Seen(F)}, waited_s=99, timeout_s=10) == exit_codes.OK

    def test_unseen_after_a_listing_is_6_but_not_before(self) -> None:
        assert run_decide({"a": Seen(P), "b": None}) == exit_codes.NOT_FOUND
        assert run_decide({"a": Seen(F), "b": None}, listed_once=False) is None

    def test_auth_first(self) -> None:
        assert run_decide({"a": Seen(F)}, auth_failed=True) == exit_codes.AUTH


class FakeTime:
    """monotonic() and sleep() for the loop: sleeping moves the emulator's clock too."""

    def __init__(self, emulator: Emulator, speed: float = 1.0) -> None:
        self.t = 0.0
        self.emulator = emulator
        self.speed = speed
        self.sleeps: list[float] = []
        self.on_sleep: list[object] = []

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        self.emulator.advance(seconds * self.speed)
        for hook in self.on_sleep:
            hook()  # type: ignore[operator]


def connection_to(emulator: Emulator) -> Connection:
    client = AmsV2Client(
        DEMO_ROOT,
        auth=BearerTokenAuth(make_credential(CredentialSpec(kind="none")), scope_for("public")),
        transport=emulator.transport(),
        retry=RetryPolicy(max_attempts=1),
        wallclock=emulator.now,
    )
    return Connection(client, "test", "in-process", emulator)


def active_job(emulator: Emulator, failing: bool = False) -> str:
    now = emulator.now()
    for job in emulator.sim.jobs.values():
        if emulator.sim.view(job, now).state.is_final or job.cancel_at is not None:
            continue
        if any(t.fail_at is not None for t in job.tasks) == failing:
            return job.id
    raise AssertionError("no such job in the emulator")


async def run_loop(
    emulator: Emulator, ids: list[str], timeout: float | None, fake: FakeTime, **kw: bool
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    view = View(tty=False, quiet=False, out=out, err=err)
    connection = connection_to(emulator)
    async with connection.client:
        code = await wait_for(
            connection,
            ids,
            interval=5.0,
            timeout=timeout,
            exit_status=kw.get("exit_status", False),
            view=view,
            monotonic=fake.monotonic,
            sleep=fake.sleep,
        )
    return code, out.getvalue(), err.getvalue()


class TestLoop:
    async def test_a_job_purged_while_waiting_exits_6(self) -> None:
        emu = make_emulator(jobs=20, active=10, concurrency=10, task_seconds=600)
        keep, purged = active_job(emu), None
        purged = next(
            j
            for j in emu.sim.jobs
            if j != keep and not emu.sim.find(j, emu.now()).state.is_final  # type: ignore[union-attr]
        )
        fake = FakeTime(emu, speed=60)
        # Purged after the first look, before any job of the account can finish.
        fake.on_sleep.append(lambda: emu.sim.remove(purged) if fake.t >= 5 else None)
        code, out, err = await run_loop(emu, [keep, purged], None, fake)
        assert code == exit_codes.NOT_FOUND
        assert f"amstui: no such job: {purged} (purged while waiting)" in err
        assert "1 gone" in out.splitlines()[-1]

    async def test_finished_exits_0_and_time_comes_from_the_injected_clock(self) -> None:
        emu = make_emulator(jobs=20, active=10, concurrency=10, task_seconds=60)
        job_id = active_job(emu)
        fake = FakeTime(emu, speed=30)
        code, out, _ = await run_loop(emu, [job_id], None, fake, exit_status=True)
        assert code == exit_codes.OK and fake.sleeps and set(fake.sleeps) == {5.0}
        assert out.splitlines()[-1].startswith("1 job(s): 1 finished (waited ")
        assert f"(waited {int(fake.t // 60)}m" in out or f"(waited {int(fake.t)}s)" in out

    async def test_timeout_prints_each_job_once_and_a_per_job_summary(self) -> None:
        emu = make_emulator(jobs=20, active=10, concurrency=10, task_seconds=100_000)
        ids = [active_job(emu), active_job(emu, failing=True)]
        fake = FakeTime(emu, speed=0)  # nothing moves: every cycle sees the same
        code, out, err = await run_loop(emu, ids, 30.0, fake)
        assert code == exit_codes.TIMEOUT and "amstui: timed out after 30s" in err
        lines = out.splitlines()
        progress_lines = [line for line in lines if line[:4].isdigit()]
        assert len(progress_lines) == 2  # one per job, not one per cycle
        summary = [line for line in lines if line.startswith("  ")]
        assert len(summary) == 2 and all(any(s[-9:-1] in i for i in ids) for s in summary)
        assert lines[-1].startswith("2 job(s): ") and "timed out after 30s" in lines[-1]
        assert sum(fake.sleeps) == pytest.approx(30.0)


def test_view_line_does_not_obey_control_characters() -> None:
    from amstui.ams.model import Job
    from amstui.monitor.store import JobEntry

    name = "evil \x1b]52;c;aGVsbG8=\x07 \x1b]0;title\x07 \x1b[2J \x9b31m"
    entry = JobEntry(job=Job(id="nb:jid:UUID:x", name=name, state=P, created=None))
    line = View.line(entry, datetime.now())
    assert "\x1b" not in line and "\x07" not in line and "\x9b" not in line
    assert "\\x1b]52;c;aGVsbG8=\\x07" in line


def test_terminal_frame_is_redrawn_only_when_it_changed() -> None:
    out = io.StringIO()
    view = View(tty=True, quiet=False, out=out, err=io.StringIO())
    view.frame(["▶ Processing  50%  job a"], "Waiting")
    view.frame(["▶ Processing  50%  job a"], "Waiting")
    assert out.getvalue().count("job a") == 1 and "\x1b[" not in out.getvalue()
    view.frame(["▶ Processing  60%  job a"], "Waiting")
    assert out.getvalue().count("job a") == 2 and out.getvalue().count("\x1b[2F\x1b[J") == 1
