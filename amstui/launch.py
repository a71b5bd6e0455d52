"""Launching the monitor from parsed arguments (filled in by the TUI issue)."""

from __future__ import annotations

import argparse

from amstui.cli import CliError


def run_monitor(args: argparse.Namespace) -> int:
    raise CliError("the monitor is not built yet; try `amstui emulator`", 2)
