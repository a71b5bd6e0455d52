"""SVG snapshots of the four main views at 80x24 and 120x40, from the frozen demo.

Re-record deliberately (`pytest --snapshot-update`) and look at the SVGs before committing."""

from __future__ import annotations

from typing import Any

import pytest

from amstui.ui.demo_rig import frozen_rig, run_before

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


def _check(snap_compare: Any, view: str, size: str) -> None:
    rig = frozen_rig()
    assert snap_compare(rig.app, terminal_size=SIZES[size], run_before=run_before(rig, view))


@pytest.mark.parametrize("size", list(SIZES))
class TestTable:
    def test_jobs_table(self, snap_compare: Any, size: str) -> None:
        _check(snap_compare, "table", size)


@pytest.mark.parametrize("size", list(SIZES))
class TestDetail:
    def test_detail_pane_with_raw_json(self, snap_compare: Any, size: str) -> None:
        _check(snap_compare, "detail", size)


@pytest.mark.parametrize("size", list(SIZES))
class TestHelp:
    def test_help_screen(self, snap_compare: Any, size: str) -> None:
        _check(snap_compare, "help", size)


@pytest.mark.parametrize("size", list(SIZES))
class TestCancel:
    def test_cancel_dialog(self, snap_compare: Any, size: str) -> None:
        _check(snap_compare, "cancel", size)
