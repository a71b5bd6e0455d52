"""The app's log file: where amstui, azure-identity and httpx log, never the terminal.

The file is `platformdirs.user_log_path("amstui") / "amstui.log"` (or `AMSTUI_LOG_FILE`).
Every record passes a redaction filter (bearer tokens, JWTs, secret query values) before it is
written; the `azure`, `httpx` and `httpcore` loggers stop propagating, so azure-identity's
warnings cannot reach stderr through Python's last-resort handler while a TUI owns the screen.
"""

from __future__ import annotations

import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from amstui.ams.exchange import redact_text, redact_url

APP_LOGGERS = ("amstui", "azure", "httpx", "httpcore", "msal")
_URL = re.compile(r"https?://[^\s\"'<>]+")


def log_path() -> Path:
    explicit = os.environ.get("AMSTUI_LOG_FILE")
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return platformdirs.user_log_path("amstui") / "amstui.log"


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets removed (it never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        message = _URL.sub(lambda m: redact_url(m.group(0)), redact_text(message))
        record.msg = message
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_text(text)
            record.exc_info = None
        return True


def configure(path: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Send the app's loggers to the log file; returns the path, or None if it cannot be opened.

    Without a usable file the loggers are silenced rather than sent to the terminal.
    """
    target = path or log_path()
    handler: logging.Handler
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(target, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
        result: Path | None = target
    except OSError:
        handler = logging.NullHandler()
        result = None
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if getattr(old, "_amstui", False):
                logger.removeHandler(old)
        setattr(handler, "_amstui", True)  # noqa: B010  (mark our handler for reconfiguration)
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(level if name == "amstui" else max(level, logging.WARNING))
    return result
