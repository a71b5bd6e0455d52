"""Service and user text is data everywhere in the monitor: markup-like strings and control
characters reach the table, the detail pane, the cancel dialog, toasts, the status line and the
palette verbatim (control characters as visible escapes), never as markup or raw escapes."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.notifications import Notify

from amstui.ams.model import JobState
from amstui.monitor.inert_text import inert
from amstui.ui.confirm_cancel import ConfirmCancel
from amstui.ui.demo_rig import frozen_rig
from amstui.ui.detail_screen import DetailScreen

HOSTILE = st.text(
    alphabet=st.sampled_from([*"[]/=@#bi red link:\\ ", "\x1b", "\x07", "\u202e", "\x9b"]),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")


def plain(widget: Any) -> str:
    console = Console(width=300, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def _through_the_ui(name: str) -> None:
    rig = frozen_rig(jobs=30)
    app = rig.app
    notes: list[Notify] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(message)

    async with app.run_test(size=(160, 40), message_hook=hook) as pilot:
        created = rig.emulator.sim.create_job(rig.emulator.now(), name=name)
        await rig.cycle(pilot)
        job_id = created.id
        assert app.store.entries[job_id].job.name == name
        shown = inert(name)
        # Table: the row's cell, and what is on screen.
        assert app.table.jump_to(job_id)
        await pilot.pause()
        assert app.table.cell_text(job_id, "name").rstrip("…") in shown
        # Cancel dialog: the name exactly as the service has it.
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCancel)
        assert shown in plain(app.screen.query_one("#confirm-job"))
        await pilot.press("n")
        await pilot.pause()
        # Detail pane title.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert shown[:40] in app.screen.section_text("title")
        await pilot.press("escape")
        await pilot.pause()
        # Toast when it ends.
        app.store.upsert(replace(app.store.entries[job_id].job, state=JobState.FINISHED))
        app.store.flush()
        await pilot.pause()
        assert any(shown[:60] in str(n.notification.message) for n in notes)
        assert all(not n.notification.markup for n in notes if shown[:60] in n.notification.message)
        # Status line: the filter text as typed.
        app.apply_filter(name)
        await pilot.pause()
        status = plain(app.query_one("#status"))
        assert "\x1b" not in status and "\x07" not in status
        assert inert(name.strip()).split()[0] in status or "filter not applied" in status
        # Palette.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Jump")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(HOSTILE)
@example("[prod] encode [/] Ep.1")
@example("Ep [/] 2")
@example("\x1b]52;c;aGk=\x07\x1b]0;title\x07\x1b[2J[red]x")
def test_hostile_text_is_shown_verbatim_and_inert(name: str) -> None:
    asyncio.run(_through_the_ui(name))


# ---------------------------------------------------------------------- several accounts

HOSTILE_ACCOUNTS = (
    "[red]prod[/]",
    "dr\x1b[31m\x07[/]",
    "eu\u202e[link=x]z",
)


async def _hostile_accounts() -> None:
    from amstui.bootstrap.demo_accounts import connect_demo_accounts
    from amstui.ui.app import AppOptions
    from amstui.ui.demo_rig import FROZEN_START, SteppingTimer
    from amstui.ui.help_screen import HelpScreen
    from amstui.ui.multi_app import AccountSource, MultiAccountApp

    connections = connect_demo_accounts(
        3, start=FROZEN_START, speed=0.0, jobs=30, timer=SteppingTimer()
    )
    sources = [
        AccountSource(name, c.endpoint, c.client, c.now, api=api)
        for name, c, api in zip(HOSTILE_ACCOUNTS, connections, ("v2", "v3", "mkio"), strict=True)
    ]
    app = MultiAccountApp(sources, AppOptions("x", "y", autostart=False), monotonic=lambda: 1.0)
    shown = [inert(name) for name in HOSTILE_ACCOUNTS]
    async with app.run_test(size=(160, 40)) as pilot:
        await app.run_cycle()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        # Header chips: each name verbatim, control characters as escapes.
        header = plain(app.query_one("#header"))
        for name in shown:
            assert name in header
        assert "\x1b" not in header and "\x07" not in header and "\u202e" not in header
        # The Account column, and what is drawn.
        lines = "\n".join(line.text for line in app.table.render_lines(app.table.region))
        assert "\x1b" not in lines and "\u202e" not in lines
        for name, account in zip(shown, HOSTILE_ACCOUNTS, strict=True):
            key = next(k for k in app.store.entries if k.startswith(account + "\x1f"))
            assert app.table.cell_text(key, "account") == name
        # The cycle key and the filter: each account in turn, by its own name.
        for account in HOSTILE_ACCOUNTS:
            await pilot.press("a")
            await pilot.pause()
            assert app.shown_account == account
            rows = [app.table.job_id_at(r) or "" for r in range(app.table.row_count)]
            assert rows and all(k.startswith(account + "\x1f") for k in rows)
            status = plain(app.query_one("#status"))
            assert "filter not applied" not in status
            assert "\x1b" not in status and "\x07" not in status and "\u202e" not in status
            # Cancel dialog names the row's account verbatim.
            app.table.move_cursor(0)
            entry = app.store.entries[rows[0]]
            if not entry.job.is_final:
                await pilot.press("c")
                await pilot.pause()
                assert isinstance(app.screen, ConfirmCancel)
                dialog = plain(app.screen.query_one("#confirm-job"))
                assert f"Account: {inert(account)}" in dialog
                await pilot.press("n")
                await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert app.shown_account is None and app.table.row_count == len(app.store)
        # An account: term typed in the filter bar.
        app.apply_filter("account:" + HOSTILE_ACCOUNTS[1][:4])
        await pilot.pause()
        assert app.shown_account is None or app.shown_account == HOSTILE_ACCOUNTS[1]
        rows = [app.table.job_id_at(r) or "" for r in range(app.table.row_count)]
        assert rows and all(k.startswith(HOSTILE_ACCOUNTS[1] + "\x1f") for k in rows)
        # Help: each account's row.
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.is_running


def test_hostile_account_names_are_shown_verbatim_and_inert() -> None:
    asyncio.run(_hostile_accounts())


def test_a_name_the_filter_cannot_write_is_refused_for_a_set() -> None:
    """`account:NAME` is one word of the filter and `NAME:ID` an id: no spaces, no colon."""
    import pytest

    from amstui.ui.app import AppOptions
    from amstui.ui.multi_app import AccountSource, MultiAccountApp

    rig = frozen_rig(jobs=5)
    client, now = rig.connection.client, rig.connection.now
    for bad in ("[bold red]prod", "a:b", "x\x1fy", " pad", ""):
        sources = [AccountSource(bad, "e", client, now), AccountSource("ok", "e", client, now)]
        with pytest.raises(ValueError, match="not an account name"):
            MultiAccountApp(sources, AppOptions("x", "y", autostart=False))
