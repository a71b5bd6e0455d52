"""Credentials for the AMS-compatible services that are not Azure AD: MK.IO and Ravnur RMS.

- `token`: a pre-issued bearer (an MK.IO personal access token, or any token made elsewhere)
  from `AMSTUI_TOKEN` or a `token_file`. When it is a JWT its expiry is read from `exp` (not
  verified: the service does that) so that `info` can show it and warn 7 days ahead.
- `rms-api-key`: Ravnur's API key from `AMSTUI_RMS_API_KEY` or a `key_file`, exchanged with
  `POST {host}/auth/token` and `{"subscriptionId", "apiKey"}` for a bearer (the answer is the
  token as plain text); fetched again once when the service answers 401.

A secret file must not be readable by group or others (like ssh keys). Tokens and keys live
only in memory; reprs, errors and exchange records never show them (`known_tokens` lets the
client scrub them from text a server echoes back).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import stat
import time
from collections.abc import AsyncGenerator, Generator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from amstui.ams.errors import AuthenticationError
from amstui.ams.token_info import TokenInfo

TOKEN_ENV = "AMSTUI_TOKEN"
RMS_KEY_ENV = "AMSTUI_RMS_API_KEY"
#: `info` warns when a token expires within this long.
EXPIRY_WARNING = timedelta(days=7)
#: A token without a readable expiry is treated as valid for this long (re-read after).
UNKNOWN_LIFETIME = 3600
MAX_SECRET_BYTES = 64 * 1024
_SUBSCRIPTION = re.compile(r"/subscriptions/([^/]+)/", re.IGNORECASE)


class SecretUnavailable(Exception):
    """A token or key could not be read; the message never contains the secret."""


def read_secret_file(path: Path, what: str) -> str:
    """The secret in `path` (stripped), refusing a file that group or others may read."""
    try:
        info = path.stat()
    except OSError as exc:
        raise SecretUnavailable(f"{what} {path}: {exc.strerror or 'cannot read'}") from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretUnavailable(
            f"{what} {path} is readable by group or others (mode "
            f"{stat.S_IMODE(info.st_mode):o}); run: chmod 600 {path}"
        )
    if info.st_size > MAX_SECRET_BYTES:
        raise SecretUnavailable(f"{what} {path} is too large to be a token or key")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretUnavailable(f"{what} {path}: cannot read ({type(exc).__name__})") from None
    if not text or any(c.isspace() for c in text):
        raise SecretUnavailable(f"{what} {path} does not hold one token (empty or several words)")
    return text


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT (unverified), or None when the token is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
        exp = claims.get("exp") if isinstance(claims, dict) else None
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return None
        return datetime.fromtimestamp(exp, UTC)
    except (ValueError, UnicodeError, OverflowError, OSError):
        return None


def expiry_warning(expires_at: datetime | None, now: datetime | None = None) -> str | None:
    """One line when the token has expired or expires within 7 days; None otherwise."""
    if expires_at is None:
        return None
    now = now or datetime.now(UTC)
    when = expires_at.strftime("%Y-%m-%d %H:%M UTC")
    if expires_at <= now:
        return f"the token expired on {when}: make a new one"
    left = expires_at - now
    if left <= EXPIRY_WARNING:
        days = left.days
        span = f"{days} day{'s' if days != 1 else ''}" if days else "less than a day"
        return f"the token expires in {span} ({when}): make a new one soon"
    return None


class StaticToken:
    """The `token` kind: a `TokenSource` for `BearerTokenAuth` that hands out a fixed token.

    A token file is read again whenever the token is needed afresh (after a 401, or at its
    expiry), so replacing the file rotates the token without a restart.
    """

    def __init__(
        self, token_file: Path | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self._env = os.environ if env is None else env
        self._file = token_file
        self._token: str | None = None

    def __repr__(self) -> str:
        where = f"token_file={str(self._file)!r}" if self._file else f"env={TOKEN_ENV}"
        return f"StaticToken({where})"

    def read(self) -> str:
        from_env = self._env.get(TOKEN_ENV, "").strip()
        if from_env:
            token = from_env
        elif self._file is not None:
            token = read_secret_file(self._file, "token_file")
        else:
            raise SecretUnavailable(
                f"credential 'token' needs the token in {TOKEN_ENV} or a token_file"
            )
        self._token = token
        return token

    @property
    def expires_at(self) -> datetime | None:
        """The JWT expiry of the token (read on first use); None when unknown."""
        token = self._token or self.read()
        return jwt_expiry(token)

    def get_token_info(self, *scopes: str, options: Any = None) -> TokenInfo:
        token = self.read()
        expiry = jwt_expiry(token)
        expires_on = int(expiry.timestamp()) if expiry else int(time.time()) + UNKNOWN_LIFETIME
        return TokenInfo(token, expires_on)

    def close(self) -> None:
        pass


def rms_token_endpoint(account_url: str) -> tuple[str, str]:
    """(`{host}/auth/token`, subscription id) from an RMS account's ARM resource URL."""
    parts = urlsplit(account_url)
    match = _SUBSCRIPTION.search(parts.path if parts.path.endswith("/") else parts.path + "/")
    if not match:
        raise ValueError("an rms-api-key account URL must contain /subscriptions/{id}/")
    prefix = parts.path[: match.start()]
    url = urlunsplit((parts.scheme, parts.netloc, prefix.rstrip("/") + "/auth/token", "", ""))
    return url, match.group(1)


class RmsApiKeyAuth(httpx.Auth):
    """The `rms-api-key` kind: exchanges the key for a bearer through the same HTTP client
    (so tests and the emulator see the token request too), caches it, and on a 401 fetches
    a new one once and retries."""

    def __init__(
        self,
        token_url: str,
        subscription_id: str,
        *,
        key_file: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._token_url = token_url
        self._subscription = subscription_id
        self._key_file = key_file
        self._env = os.environ if env is None else env
        self._key: str | None = None
        self._token: str | None = None
        self._issued: list[str] = []
        self._lock: asyncio.Lock | None = None
        #: How many tokens were fetched (for `info` and tests).
        self.fetches = 0

    def __repr__(self) -> str:
        return f"RmsApiKeyAuth({self._token_url!r})"

    def known_tokens(self) -> tuple[str, ...]:
        """Tokens handed out lately and the key itself, for scrubbing echoed text."""
        return tuple(t for t in (*self._issued, self._key) if t)

    def _read_key(self) -> str:
        if self._key is None:
            from_env = self._env.get(RMS_KEY_ENV, "").strip()
            if from_env:
                self._key = from_env
            elif self._key_file is not None:
                self._key = read_secret_file(self._key_file, "key_file")
            else:
                raise SecretUnavailable(
                    f"credential 'rms-api-key' needs the key in {RMS_KEY_ENV} or a key_file"
                )
        return self._key

    def _token_request(self) -> httpx.Request:
        try:
            key = self._read_key()
        except SecretUnavailable as exc:
            raise AuthenticationError(f"could not get a token: {exc}") from None
        return httpx.Request(
            "POST",
            self._token_url,
            json={"subscriptionId": self._subscription, "apiKey": key},
            headers={"Accept": "text/plain, application/json"},
        )

    async def _take_token(self, response: httpx.Response) -> str:
        await response.aread()
        where = urlsplit(self._token_url).netloc
        if response.status_code != 200:
            # The body is not shown: a token endpoint may echo the key.
            raise AuthenticationError(
                f"could not get a token: {where}/auth/token answered HTTP {response.status_code}"
                " (check the API key and the subscription id in the account URL)",
                status=response.status_code,
            )
        token = _token_text(response.content)
        if token is None:
            raise AuthenticationError(
                f"could not get a token: {where}/auth/token answered no usable token"
            )
        self.fetches += 1
        self._issued = [*self._issued[-3:], token]
        self._token = token
        return token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            token = self._token
            if token is None:
                token = await self._take_token((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        async with self._lock:
            fresh = self._token
            if fresh == token:  # nobody has replaced the rejected token yet
                fresh = await self._take_token((yield self._token_request()))
        if fresh and fresh != token:
            request.headers["Authorization"] = f"Bearer {fresh}"
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("RmsApiKeyAuth is async only")
        yield request  # pragma: no cover


def _token_text(raw: bytes) -> str | None:
    """The token from a plain-text answer (or a JSON string or `{"token": ...}`)."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    if text.startswith(("{", '"')):
        try:
            value: object = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, dict):
            value = value.get("token") or value.get("access_token")
        text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_SECRET_BYTES or any(c.isspace() for c in text):
        return None
    return text
