"""`amstui emulator`: every option shows its default in --help, and bad combinations are a
one-line usage error (exit 2), not a traceback."""

from __future__ import annotations

import re

import pytest

from amstui.cli import main


def test_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["emulator", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    options = re.findall(r"^  (--[a-z-]+)", text, re.MULTILINE)
    assert {"--api", "--page-size", "--arm-throttle", "--rms-api-key", "--subscription"} <= set(
        options
    )
    entries = re.split(r"\n  (?=--)", text.split("options:", 1)[1])
    for entry in entries:
        if entry.strip().startswith("--"):
            assert "(default:" in " ".join(entry.split()), entry


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--api", "mkio", "--rms-api-key", "k"], "--rms-api-key applies to --api v3 only"),
        (["--api", "v3", "--legacy-redirect"], "--legacy-redirect applies to --api v2 only"),
        (["--api", "v3", "--page-size", "0"], "--page-size must be between 1 and 1000"),
        (["--cancel-seconds", "-1"], "--cancel-seconds must be between 0 and 3600"),
    ],
)
def test_bad_combinations_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--jobs", "5", *argv]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"amstui: {message}"
