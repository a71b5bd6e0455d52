"""Exchange records: what one HTTP request and response looked like, for the detail pane.

An exchange holds the request line, the status, the headers worth showing, the raw body as
received (bounded) and the timing. It never holds a token: the Authorization header is not
kept, and query values that carry secrets (SAS `sig`, `token`, ...) are redacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

#: Response headers the detail pane shows.
SHOWN_HEADERS = (
    "request-id",
    "x-ms-request-id",
    "x-ms-client-request-id",
    "content-type",
    "retry-after",
    "location",
    # The service's clock: the monitor estimates service time from it.
    "date",
    # AMS v3 (ARM): the ids a support ticket needs, and the subscription's read budget.
    "x-ms-correlation-request-id",
    "x-ms-ratelimit-remaining-subscription-reads",
)
#: Query parameters whose values are secrets (azure-core's list, plus AMS/SAS names).
SECRET_PARAMS = frozenset(
    {
        "sig",
        "signature",
        "token",
        "access_token",
        "refresh_token",
        "code",
        "client_secret",
        "client_assertion",
        "password",
        "se",
        "skoid",
        "sktid",
    }
)
#: Bodies are kept up to this size; the rest is cut and flagged.
MAX_BODY_CHARS = 1024 * 1024
REDACTED = "REDACTED"

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
_JWT = re.compile(r"(?i)eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+")


def redact_url(url: str) -> str:
    """The URL with the values of secret query parameters replaced by REDACTED."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not parseable (e.g. an unclosed "[" host): keep no query at all
        head, sep, _ = url.partition("?")
        return head + (f"?{REDACTED}" if sep else "")
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.lower() in SECRET_PARAMS for k, _ in pairs):
        return url
    rebuilt = "&".join(
        f"{k}={REDACTED if k.lower() in SECRET_PARAMS else quote(v, safe=quote_safe())}"
        for k, v in pairs
    )
    return urlunsplit(parts._replace(query=rebuilt))


def quote_safe() -> str:
    """Characters left unescaped in OData query values (matches the REST sample's URLs)."""
    return "'(),$"


def redact_text(text: str) -> str:
    """Text with bearer tokens and JWT-looking strings replaced by REDACTED."""
    # Case-insensitive regexes are slow on large bodies: a plain search decides if one is needed.
    lowered = text.lower()
    if "bearer" in lowered:
        text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return redact_jwts(text, lowered)


def redact_jwts(text: str, lowered: str | None = None) -> str:
    """Text with JWT-looking strings (in any letter case: a DNS name lowercases them) redacted.

    `lowered` is `text.lower()` if the caller has it already.
    """
    if "eyj" not in (text.lower() if lowered is None else lowered):
        return text
    return _JWT.sub(REDACTED, text)


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    url: str
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: str
    body_truncated: bool
    latency_s: float
    started_at: datetime
    attempt: int = 1
    error: str | None = None
    request_id: str | None = field(default=None)

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.url}"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None


def bounded_body(text: str) -> tuple[str, bool]:
    if len(text) > MAX_BODY_CHARS:
        return text[:MAX_BODY_CHARS], True
    return text, False
