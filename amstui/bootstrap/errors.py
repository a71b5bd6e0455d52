"""The command line's one error type: a message for stderr and the exit code to end with."""

from __future__ import annotations

from amstui.bootstrap import exit_codes


class CliError(Exception):
    """Ends the command with `amstui: MESSAGE` on stderr and `code` (see `exit_codes`)."""

    def __init__(self, message: str, code: int = exit_codes.FAILED) -> None:
        super().__init__(message)
        self.code = code
