"""Azure AD bearer tokens for httpx: credential kinds, scopes by cloud, and `BearerTokenAuth`.

The sync azure-identity credentials run in a thread (`asyncio.to_thread`), one token request at
a time (single flight), because the async credentials need aiohttp and device code has no async
variant (azure-identity.md §4). Tokens live only in memory, inside `BearerTokenAuth`; their
reprs never show them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from amstui.ams.credential_kinds import CREDENTIAL_KINDS
from amstui.ams.errors import AuthenticationError
from amstui.ams.token_info import TokenInfo

#: AMS v2 AAD resources by cloud (azure-identity.md §6); the scope is resource + "/.default".
CLOUD_RESOURCES = {
    "public": "https://rest.media.azure.net",
    "usgov": "https://rest.media.usgovcloudapi.net",
    "china": "https://rest.media.chinacloudapi.cn",
}
CLOUD_AUTHORITIES = {
    "public": "login.microsoftonline.com",
    "usgov": "login.microsoftonline.us",
    "china": "login.chinacloudapi.cn",
}
#: AMS v3 goes through Azure Resource Manager: its endpoint per cloud (ams-v3-arm.md §4).
ARM_RESOURCES = {
    "public": "https://management.azure.com",
    "usgov": "https://management.usgovcloudapi.net",
    "china": "https://management.chinacloudapi.cn",
}
#: The Azure CLI's public client id, which device-code sign-in uses unless told otherwise.
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def scope_for(cloud: str, api: str = "v2") -> str:
    """The AAD scope: the AMS v2 resource, or ARM's for v3 accounts (`api` v3 or mkio)."""
    resources = CLOUD_RESOURCES if api == "v2" else ARM_RESOURCES
    try:
        return resources[cloud] + "/.default"
    except KeyError:
        raise ValueError(
            f"unknown cloud {cloud!r} (expected one of: {', '.join(CLOUD_RESOURCES)})"
        ) from None


class TokenSource(Protocol):
    """The token boundary: azure-identity credentials satisfy it, and so do test fakes."""

    def get_token_info(self, *scopes: str, options: Any = None) -> Any: ...


class NoCredential:
    """For the emulator and loopback endpoints: a placeholder bearer, no secret at all.

    Each call returns a new placeholder, so a service that expired the previous one (the
    emulator's token-expiry fault) accepts the next.
    """

    def get_token_info(self, *scopes: str, options: Any = None) -> TokenInfo:
        return TokenInfo(f"amstui-none-{uuid.uuid4().hex[:12]}", int(time.time()) + 3600)

    def close(self) -> None:
        pass


class BearerTokenAuth(httpx.Auth):
    """Attaches `Authorization: Bearer` from a `TokenSource`, async only.

    - cached until `expires_on - skew`; refreshed ahead of time once `refresh_on` has passed or
      fewer than `margin` seconds remain, at most once per `retry_delay` (a failed early
      refresh keeps the still-valid token);
    - single flight: an asyncio.Lock around the threaded credential call;
    - on 401, one new token and one retry, only if the token changed.
    """

    def __init__(
        self,
        source: TokenSource,
        scope: str,
        *,
        margin: float = 300.0,
        skew: float = 30.0,
        retry_delay: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._scope = scope
        self._margin = margin
        self._skew = skew
        self._retry_delay = retry_delay
        self._clock = clock
        self._token: TokenInfo | None = None
        self._last_attempt = float("-inf")
        self._lock: asyncio.Lock | None = None
        self._issued: list[str] = []

    def __repr__(self) -> str:
        return f"BearerTokenAuth(scope={self._scope!r})"

    def known_tokens(self) -> tuple[str, ...]:
        """The tokens handed out lately, so that text echoing them can be scrubbed."""
        return tuple(self._issued)

    @property
    def source(self) -> TokenSource:
        """Where the tokens come from (e.g. a `StaticToken`, whose expiry `info` shows)."""
        return self._source

    def _state(self) -> str:
        if self._token is None:
            return "required"
        now = self._clock()
        if now >= self._token.expires_on - self._skew:
            return "required"
        due = self._token.refresh_on or (self._token.expires_on - self._margin)
        if now >= due and now - self._last_attempt >= self._retry_delay:
            return "recommended"
        return "valid"

    async def _fetch(self) -> TokenInfo:
        self._last_attempt = self._clock()
        try:
            raw = await asyncio.to_thread(self._source.get_token_info, self._scope)
        except Exception as exc:  # azure-identity raises many kinds; none may carry a token
            raise AuthenticationError(credential_failure_message(exc)) from None
        token = getattr(raw, "token", None)
        expires_on = getattr(raw, "expires_on", None)
        if not isinstance(token, str) or not token or not isinstance(expires_on, int | float):
            raise AuthenticationError("the credential returned no usable token")
        refresh_on = getattr(raw, "refresh_on", None)
        self._issued = [*self._issued[-3:], token]
        return TokenInfo(
            token, int(expires_on), int(refresh_on) if isinstance(refresh_on, int) else None
        )

    async def token(self, rejected: str | None = None) -> str:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            state = self._state()
            rejected_now = (
                rejected is not None and self._token is not None and self._token.token == rejected
            )
            if state == "required" or rejected_now:
                self._token = await self._fetch()
            elif state == "recommended":
                with contextlib.suppress(AuthenticationError):
                    self._token = await self._fetch()
            assert self._token is not None
            return self._token.token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            fresh = await self.token(rejected=token)
            if fresh != token:
                request.headers["Authorization"] = f"Bearer {fresh}"
                yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("BearerTokenAuth is async only")
        yield request  # pragma: no cover


def credential_failure_message(exc: BaseException) -> str:
    """One readable line about a credential failure, without secrets or tracebacks."""
    from amstui.ams.exchange import redact_text

    if type(exc).__name__ == "AuthenticationRequiredError":
        return "could not get a token: not signed in; run `amstui login` first"
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    first = str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
    return "could not get a token: " + redact_text(first)[:300]


@dataclass(frozen=True, slots=True)
class CredentialSpec:
    kind: str = "default"
    cloud: str = "public"
    tenant_id: str | None = None
    client_id: str | None = None
    #: device code only: persist the MSAL token cache (refresh tokens) on disk.
    persist_token_cache: bool = False
    #: device code only: where the AuthenticationRecord (not secret) is stored.
    record_path: Path | None = None
    #: token / rms-api-key only: the file holding the token or key (mode 600).
    secret_file: Path | None = None


DeviceCodePrompt = Callable[[str, str, datetime], None]


def make_credential(spec: CredentialSpec, prompt: DeviceCodePrompt | None = None) -> TokenSource:
    """Build the azure-identity credential for `spec.kind` (imports azure-identity lazily)."""
    if spec.kind == "none":
        return NoCredential()
    if spec.kind == "token":
        from amstui.ams.service_credentials import StaticToken

        return StaticToken(spec.secret_file)
    if spec.kind == "rms-api-key":
        raise ValueError("rms-api-key is an httpx.Auth of its own: use RmsApiKeyAuth")
    if spec.kind not in CREDENTIAL_KINDS:
        raise ValueError(
            "unknown credential kind "
            + repr(spec.kind)
            + " (expected one of: "
            + ", ".join(CREDENTIAL_KINDS)
            + ")"
        )
    authority = CLOUD_AUTHORITIES.get(spec.cloud)
    if authority is None:
        raise ValueError(f"unknown cloud {spec.cloud!r}")
    import azure.identity as ai

    if spec.kind == "default":
        return ai.DefaultAzureCredential(
            authority=authority,
            exclude_interactive_browser_credential=True,
            exclude_visual_studio_code_credential=True,
            exclude_shared_token_cache_credential=True,
        )
    if spec.kind == "cli":
        return ai.AzureCliCredential(tenant_id=spec.tenant_id or "")
    if spec.kind == "environment":
        return ai.EnvironmentCredential(authority=authority)
    if spec.kind == "managed-identity":
        if spec.client_id:
            return ai.ManagedIdentityCredential(client_id=spec.client_id)
        return ai.ManagedIdentityCredential()
    return _device_code(spec, authority, prompt, ai)


def _device_code(
    spec: CredentialSpec, authority: str, prompt: DeviceCodePrompt | None, ai: Any
) -> TokenSource:
    kwargs: dict[str, Any] = {
        "client_id": spec.client_id or AZURE_CLI_CLIENT_ID,
        "authority": authority,
        "tenant_id": spec.tenant_id or "organizations",
    }
    if prompt is not None:
        kwargs["prompt_callback"] = prompt
    else:
        # Without a way to show a code (the TUI, `wait`), never start a sign-in in the
        # background: a missing sign-in surfaces as an error that says to run `amstui login`.
        kwargs["disable_automatic_authentication"] = True
    if spec.persist_token_cache:
        # A name of our own: the default is the cache DefaultAzureCredential also reads.
        kwargs["cache_persistence_options"] = ai.TokenCachePersistenceOptions(
            name="amstui.msal.cache", allow_unencrypted_storage=True
        )
    if spec.record_path is not None and spec.record_path.is_file():
        with contextlib.suppress(Exception):
            kwargs["authentication_record"] = ai.AuthenticationRecord.deserialize(
                spec.record_path.read_text(encoding="utf-8")
            )
    credential: TokenSource = ai.DeviceCodeCredential(**kwargs)
    return credential


def token_expiry(auth: httpx.Auth | None) -> datetime | None:
    """The expiry of a `token` credential's JWT (for `info`); None for other kinds, or when
    the token is not a JWT or cannot be read."""
    from amstui.ams.service_credentials import SecretUnavailable, StaticToken

    if not isinstance(auth, BearerTokenAuth) or not isinstance(auth.source, StaticToken):
        return None
    try:
        return auth.source.expires_at
    except SecretUnavailable:
        return None
