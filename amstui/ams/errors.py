"""Typed errors of the AMS layer. The CLI maps each to one line and an exit code.

Every error carries what a support ticket needs (status, server message, request-id) and
nothing secret: messages are built from the server's error body and redacted URLs only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from amstui.ams.exchange import Exchange


class AmsError(Exception):
    """Base of every error the AMS layer raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        exchange: Exchange | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.exchange = exchange

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status}")
            parts[-1] += f", request-id {self.request_id})" if self.request_id else ")"
        return " ".join(parts)


class ProtocolError(AmsError):
    """The response could not be understood (malformed JSON, unexpected shape)."""


class InvalidJobIdError(AmsError, ValueError):
    """A job id that is not `nb:jid:UUID:<guid>`; never sent to the server."""


class TransportError(AmsError):
    """The service could not be reached: connection refused or reset, timeout, DNS."""


class ServiceError(AmsError):
    """An HTTP error answered by the service (4xx/5xx) with its OData error message."""


class BadRequestError(ServiceError):
    """400: an invalid query, property or version."""


class JobAlreadyFinishedError(BadRequestError):
    """400 from CancelJob: the job is already final or canceling."""


class AuthenticationError(ServiceError):
    """401/403 from the service, or no token could be obtained from the credential."""


class NotFoundError(ServiceError):
    """404: the entity does not exist (or was purged after 90 days)."""


class ThrottledError(ServiceError):
    """429/503 still answered after the retry budget was spent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ServiceError):
    """5xx other than throttling, after retries."""


class RedirectError(ServiceError):
    """A 301 without a usable Location, or a redirect loop."""
