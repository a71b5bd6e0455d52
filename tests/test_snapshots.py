"""SVG snapshots of the four main views at 80x24 and 120x40, from the frozen demo.

Re-record deliberately (`pytest --snapshot-update`) and look at the SVGs before committing."""

from __future__ import annotations

from typing import Any

import pytest

from amstui.ui.demo_rig import VIEW_APIS, frozen_rig, run_before

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


def _check(snap_compare: Any, view: str, size: str) -> None:
    rig = frozen_rig(api=VIEW_APIS.get(view, "v2"))
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


class TestV3:
    """The demo account in the AMS v3 (ARM) shape, 120x40."""

    def test_v3_jobs_table(self, snap_compare: Any) -> None:
        _check(snap_compare, "v3-table", "120x40")

    def test_v3_detail_pane(self, snap_compare: Any) -> None:
        _check(snap_compare, "v3-detail", "120x40")

    def test_v3_failed_output_detail(self, snap_compare: Any) -> None:
        _check(snap_compare, "v3-failed-output", "120x40")
