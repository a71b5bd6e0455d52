"""A token and its lifetime: what every credential hands to the auth layer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token and its lifetime (epoch seconds). The token never appears in the repr."""

    token: str
    expires_on: int
    refresh_on: int | None = None

    def __repr__(self) -> str:
        return f"TokenInfo(token=<redacted>, expires_on={self.expires_on})"
