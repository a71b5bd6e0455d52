"""Several accounts in one view (issue 14): Pilot tests on three in-process accounts (v2,
ARM and MK.IO shapes), each on its own emulator with a frozen clock."""

from __future__ import annotations

from amstui.ams.client import RetryPolicy
from amstui.ams.model import JobState
from amstui.monitor.accounts import split_key
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.demo_rig import MultiRig, frozen_multi_rig
from amstui.ui.detail_screen import DetailScreen
from amstui.ui.help_screen import HelpScreen

SIZE = (140, 40)
NAMES = ["prod", "rms-eu", "mkio"]
ONE_TRY = RetryPolicy(max_attempts=1, total_budget=5.0)


def header_plain(rig: MultiRig) -> str:
    return str(rig.app.query_one("#header").render())


def rows(rig: MultiRig) -> list[str]:
    table = rig.app.table
    return [table.job_id_at(r) or "" for r in range(table.row_count)]


def processing_row(rig: MultiRig, account: str) -> int:
    for row, key in enumerate(rows(rig)):
        entry = rig.app.store.get(key)
        if split_key(key)[0] == account and entry and entry.job.state == JobState.PROCESSING:
            return row
    raise AssertionError(f"no processing job in {account}")


def asked_to_cancel(rig: MultiRig, account: str) -> set[str]:
    jobs = rig.emulator(account).sim.job_list()
    return {f"{j.transform}/{j.arm_name}" if j.transform else j.id for j in jobs if j.cancel_at}


async def test_rows_from_all_three_accounts_with_an_account_column() -> None:
    rig = frozen_multi_rig(3)
    async with rig.app.run_test(size=SIZE) as pilot:
        await rig.cycle(pilot)
        app = rig.app
        per_account = {name: app.store.count_of(name) for name in NAMES}
        assert all(count > 100 for count in per_account.values()), per_account
        assert len(app.store) == sum(per_account.values())
        assert app.table.column_keys[0] == "account"
        seen = {split_key(key)[0] for key in rows(rig)}
        assert seen == set(NAMES)
        key = app.table.cursor_job_id or ""
        # The cell is the account's own name (readable without colour).
        assert app.table.cell_text(key, "account") == split_key(key)[0]
        header = header_plain(rig)
        for name in NAMES:
            assert f"{name} ● live" in header
        # The status line writes the selected row as ACCOUNT:ID.
        status = str(app.query_one("#status").render())
        assert f"{split_key(key)[0]}:{split_key(key)[1]}" in status


async def test_a_503_storm_on_one_account_marks_only_its_rows_stale() -> None:
    rig = frozen_multi_rig(3, retry=ONE_TRY)
    async with rig.app.run_test(size=SIZE) as pilot:
        await rig.cycle(pilot)
        app = rig.app
        before = {
            name: {i: e.job.progress for i, e in app.feeds[n].store.entries.items()}
            for n, name in enumerate(NAMES)
        }
        rig.emulator("rms-eu").faults.apply_spec("503=10000")
        await rig.cycle(pilot, advance=30)
        storm, others = app.feeds[1], [app.feeds[0], app.feeds[2]]
        assert storm.engine.status.state == "degraded"
        stale = [e for e in storm.store.entries.values() if e.stale_since is not None]
        assert stale and len(stale) == storm.store.active_count
        for feed in others:
            assert feed.engine.status.state == "live"
            assert not any(e.stale_since for e in feed.store.entries.values())
            moved = [
                i
                for i, e in feed.store.entries.items()
                if e.job.progress != before[feed.name].get(i)
            ]
            assert moved, f"{feed.name} stopped updating"
        header = header_plain(rig)
        assert "rms-eu ▲ degraded" in header
        assert "prod ● live" in header and "mkio ● live" in header
        # A stale row of the stormy account says so; the others' rows do not.
        stale_key = next(k for k in rows(rig) if (e := app.store.get(k)) and e.stale_since)
        assert split_key(stale_key)[0] == "rms-eu"


async def test_cancel_goes_to_the_selected_rows_own_account() -> None:
    rig = frozen_multi_rig(3)
    async with rig.app.run_test(size=SIZE) as pilot:
        await rig.cycle(pilot)
        app = rig.app
        app.table.move_cursor(processing_row(rig, "mkio"))
        key = app.table.cursor_job_id or ""
        account, job_id = split_key(key)
        assert account == "mkio"
        before = {name: asked_to_cancel(rig, name) for name in NAMES}
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmCancel)
        assert dialog.account == "mkio"
        shown = str(dialog.query_one("#confirm-job").render())
        assert "Account: mkio" in shown
        await pilot.press("y")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked_to_cancel(rig, "mkio") - before["mkio"] == {job_id}
        # Nothing was canceled anywhere else.
        for name in ("prod", "rms-eu"):
            assert asked_to_cancel(rig, name) == before[name]
        entry = app.store.get(key)
        assert entry is not None and entry.job.state in (JobState.CANCELING, JobState.CANCELED)


async def test_filter_by_account_and_the_cycle_key() -> None:
    rig = frozen_multi_rig(3)
    async with rig.app.run_test(size=SIZE) as pilot:
        await rig.cycle(pilot)
        app = rig.app
        total = app.table.row_count
        app.apply_filter("account:rms")
        await pilot.pause()
        assert {split_key(k)[0] for k in rows(rig)} == {"rms-eu"}
        app.apply_filter("!account:prod state:processing")
        await pilot.pause()
        shown = rows(rig)
        assert shown and {split_key(k)[0] for k in shown} <= {"rms-eu", "mkio"}
        assert all(app.store.get(k).job.state == JobState.PROCESSING for k in shown)  # type: ignore[union-attr]
        app.apply_filter("account:nosuch")
        await pilot.pause()
        assert app.table.row_count == total  # a filter that cannot be used hides nothing
        assert "no such account" in app.status_message
        app.apply_filter("")
        # `a` cycles: all -> prod -> rms-eu -> mkio -> all.
        for expected in ("prod", "rms-eu", "mkio"):
            await pilot.press("a")
            await pilot.pause()
            assert {split_key(k)[0] for k in rows(rig)} == {expected}
            assert app.view.filter_text == f"account:{expected}"
        await pilot.press("a")
        await pilot.pause()
        assert app.table.row_count == total and app.view.filter_text == ""


async def test_cursor_stays_on_its_row_across_accounts_and_detail_uses_the_rows_account() -> None:
    rig = frozen_multi_rig(3)
    async with rig.app.run_test(size=SIZE) as pilot:
        await rig.cycle(pilot)
        app = rig.app
        app.table.move_cursor(processing_row(rig, "rms-eu"))
        key = app.table.cursor_job_id
        await rig.cycle(pilot, advance=20)
        await pilot.press("s")  # another sort: the cursor keeps its job
        await pilot.pause()
        assert app.table.cursor_job_id == key
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.store.exchanges(key or "")  # fetched from rms-eu's own emulator
        requests = [e.request_line for e in app.store.exchanges(key or "")]
        assert all("mediaServices/rmseu" in line for line in requests), requests


async def test_help_names_the_cycle_key_and_each_accounts_request_rate() -> None:
    rig = frozen_multi_rig(3)
    async with rig.app.run_test(size=SIZE) as pilot:
        await rig.cycle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        screen = rig.app.screen
        assert isinstance(screen, HelpScreen)
        described = dict(screen.rows)
        assert described["a"].startswith("Show the next account")
        for name in NAMES:
            assert "req/min" in described[name]
        assert described["rms-eu"].startswith("v3")


async def test_the_cycle_key_is_remappable_by_its_binding_id() -> None:
    rig = frozen_multi_rig(2)
    app = rig.app
    app.set_keymap({"app.account": "ctrl+a"})
    async with app.run_test(size=SIZE) as pilot:
        await rig.cycle(pilot)
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert app.view.filter_text == "account:prod"


async def test_end_of_job_notices_name_the_account() -> None:
    from textual.notifications import Notify

    rig = frozen_multi_rig(3)
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(str(message.notification.message))

    async with rig.app.run_test(size=SIZE, message_hook=hook) as pilot:
        await rig.cycle(pilot)
        notes.clear()
        for _ in range(40):
            await rig.cycle(pilot, advance=30)
            if notes:
                break
        assert notes, "no job ended"
        # A single ending reads "ACCOUNT: name"; a summary lists "ACCOUNT: name, ...".
        assert any(note.split("\n")[-1].split(": ", 1)[0] in NAMES for note in notes), notes


async def test_v2_and_v3_accounts_share_one_table_each_row_with_its_own_fields() -> None:
    """Mixed shapes: a Transform column (blank on v2 rows) and Tasks showing a v3 row's
    outputs, at 120 columns with the name keeping its room; Pri and Id from 140."""
    rig = frozen_multi_rig(3)
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await rig.cycle(pilot)
        await rig.cycle(pilot, advance=15)
        app, table = rig.app, rig.app.table
        assert table.column_keys == (
            *("account", "state", "progress", "duration", "eta", "name"),
            *("transform", "tasks", "created"),
        )
        seen: set[str] = set()
        for key in rows(rig):
            account, _ = split_key(key)
            job = app.store.entries[key].job
            transform, tasks = table.cell_text(key, "transform"), table.cell_text(key, "tasks")
            if account == "prod":
                assert transform == "" and "✖" not in tasks
            else:
                assert job.transform and transform.startswith(job.transform[:10])
                outputs = job.outputs or ()
                done = sum(1 for o in outputs if o.state == JobState.FINISHED)
                assert tasks.startswith(f"{done}/{len(outputs)}")
                assert ("✖" in tasks) == bool(job.failed_outputs)
                seen.add("failed" if job.failed_outputs else account)
        assert {"rms-eu", "mkio", "failed"} <= seen
        # What is drawn: a v3 row's transform beside its name, a v2 row's blank there.
        lines = [line.text for line in table.render_lines(table.region.reset_offset)]
        v3_key = next(k for k in rows(rig)[:30] if split_key(k)[0] == "rms-eu")
        v3_job = app.store.entries[v3_key].job
        drawn = lines[1 + table.view.row_of(v3_key)]  # type: ignore[operator]
        assert v3_job.transform and v3_job.transform[:10] in drawn
        assert "rms-eu" in drawn and v3_job.name[:10] in drawn
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert {"priority", "id", "transform", "tasks"} <= set(table.column_keys)


def test_the_table_columns_follow_the_shapes_of_the_accounts() -> None:
    from amstui.ui.jobs_table import MIXED
    from amstui.ui.multi_app import table_api

    assert table_api(["v2", "v2"]) == "v2"
    assert table_api(["v3", "mkio"]) == "v3"
    assert table_api(["v2", "mkio"]) == MIXED
    assert table_api(["v2", "v3", "mkio"]) == MIXED
