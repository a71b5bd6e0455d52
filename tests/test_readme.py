"""The README stays true: its key table covers every binding, its Quick start has two commands."""

from __future__ import annotations

import re

from amstui.ui.keys import APP_BINDINGS, KEY_LABELS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert len(commands) == 2
    assert "amstui --demo" in commands[0]
    assert "pytest" in commands[1] and ".[test]" in commands[1]


def test_key_table_covers_every_binding() -> None:
    table = README.split("### Keys", 1)[1].split("\n#", 1)[0]
    for binding in APP_BINDINGS:
        key = KEY_LABELS.get(binding.key, binding.key)
        assert f"`{key}`" in table or (key.isdigit() and "`0` … `6`" in table), key


def test_screenshots_exist_and_are_shown() -> None:
    for name in ("table", "detail", "help", "cancel"):
        assert (ROOT / "screenshots" / f"{name}.svg").is_file()
        assert f"screenshots/{name}.svg" in README


def test_every_binding_id_is_documented() -> None:
    from amstui.ui.detail_screen import DetailScreen
    from amstui.ui.jobs_table import JobsTable

    ids = [b.id for b in [*APP_BINDINGS, *JobsTable.BINDINGS, *DetailScreen.BINDINGS]]  # type: ignore[union-attr]
    for binding_id in ids:
        if binding_id and binding_id != "detail.top" and binding_id != "detail.quit":
            assert f"`{binding_id}`" in README, binding_id


def test_exit_code_table_matches_the_exit_codes_module() -> None:
    from amstui.bootstrap import exit_codes

    section = README.split("## Headless commands", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+) \|$", section, re.M))
    codes = {
        value
        for name, value in vars(exit_codes).items()
        if name.isupper() and isinstance(value, int)
    }
    assert {int(code) for code in rows} == codes
    assert "not AMS" in rows[str(exit_codes.USAGE)]
    assert "purged" in rows[str(exit_codes.NOT_FOUND)]
