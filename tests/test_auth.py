"""BearerTokenAuth and credential kinds, with fakes only at the token boundary."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from amstui.ams.auth import (
    BearerTokenAuth,
    CredentialSpec,
    NoCredential,
    TokenInfo,
    make_credential,
    scope_for,
)
from amstui.ams.errors import AuthenticationError
from tests.conftest import FakeCredential


def echo_transport(seen: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        return httpx.Response(200, json={})

    return httpx.MockTransport(handler)


async def test_single_flight_for_concurrent_requests() -> None:
    cred = FakeCredential("tok", delay=0.05)
    auth = BearerTokenAuth(cred, scope_for("public"))
    seen: list[str] = []
    async with httpx.AsyncClient(auth=auth, transport=echo_transport(seen)) as client:
        await asyncio.gather(*(client.get("https://x/api/Jobs") for _ in range(10)))
    assert cred.calls == 1 and seen == ["Bearer tok"] * 10


async def test_refreshes_ahead_of_expiry_and_keeps_a_valid_token_on_failure() -> None:
    now = [1000.0]
    cred = FakeCredential("t1", "t2", lifetime=3600)
    auth = BearerTokenAuth(cred, "s", clock=lambda: now[0])

    class Sometimes:
        fail = False

        def get_token_info(self, *scopes: str, options: object = None) -> TokenInfo:
            if self.fail:
                raise RuntimeError("network down")
            info = cred.get_token_info(*scopes)
            return TokenInfo(info.token, int(now[0]) + 3600)

    source = Sometimes()
    auth = BearerTokenAuth(source, "s", clock=lambda: now[0])
    assert await auth.token() == "t1"
    now[0] += 3600 - 200  # inside the 300 s margin: a refresh is recommended
    source.fail = True
    assert await auth.token() == "t1"  # failed early refresh keeps the valid token
    now[0] += 31
    source.fail = False
    assert await auth.token() == "t2"


async def test_expired_token_is_required_to_refresh() -> None:
    now = [1000.0]

    class Source:
        calls = 0

        def get_token_info(self, *scopes: str, options: object = None) -> TokenInfo:
            Source.calls += 1
            return TokenInfo(f"t{Source.calls}", int(now[0]) + 100)

    auth = BearerTokenAuth(Source(), "s", clock=lambda: now[0], margin=10)
    assert await auth.token() == "t1"
    assert await auth.token() == "t1"
    now[0] += 100
    assert await auth.token() == "t2"


async def test_credential_failure_is_one_line_without_the_exception_chain() -> None:
    class Broken:
        def get_token_info(self, *scopes: str, options: object = None) -> TokenInfo:
            raise RuntimeError(
                "DefaultAzureCredential failed to retrieve a token.\nAttempted credentials:\n\tX"
            )

    auth = BearerTokenAuth(Broken(), "s")
    with pytest.raises(AuthenticationError) as info:
        await auth.token()
    assert str(info.value) == (
        "could not get a token: DefaultAzureCredential failed to retrieve a token."
    )
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_token_repr_hides_the_token() -> None:
    info = TokenInfo("secret-value", int(time.time()))
    assert "secret-value" not in repr(info) and "secret-value" not in str(info)
    assert "secret" not in repr(BearerTokenAuth(FakeCredential("secret-value"), "s"))


def test_scopes_by_cloud() -> None:
    assert scope_for("public") == "https://rest.media.azure.net/.default"
    assert scope_for("usgov") == "https://rest.media.usgovcloudapi.net/.default"
    assert scope_for("china") == "https://rest.media.chinacloudapi.cn/.default"
    with pytest.raises(ValueError, match="unknown cloud"):
        scope_for("germany")


class TestCredentialKinds:
    def test_none(self) -> None:
        source = make_credential(CredentialSpec(kind="none"))
        assert isinstance(source, NoCredential)
        first = source.get_token_info("s").token
        assert first.startswith("amstui-none-") and first != source.get_token_info("s").token

    def test_default_excludes_interactive_and_shared_cache(self) -> None:
        from azure.identity import (
            AzureCliCredential,
            DefaultAzureCredential,
            SharedTokenCacheCredential,
        )

        cred = make_credential(CredentialSpec(kind="default"))
        assert isinstance(cred, DefaultAzureCredential)
        kinds = {type(c) for c in cred.credentials}
        assert AzureCliCredential in kinds and SharedTokenCacheCredential not in kinds

    def test_environment_without_variables_fails_cleanly(self) -> None:
        source = make_credential(CredentialSpec(kind="environment"))
        auth = BearerTokenAuth(source, scope_for("public"))
        with pytest.raises(AuthenticationError, match="could not get a token"):
            asyncio.run(auth.token())

    def test_cli_and_device_code_and_managed_identity_construct(self) -> None:
        from azure.identity import (
            AzureCliCredential,
            DeviceCodeCredential,
            ManagedIdentityCredential,
        )

        assert isinstance(make_credential(CredentialSpec(kind="cli")), AzureCliCredential)
        assert isinstance(
            make_credential(CredentialSpec(kind="device-code", cloud="usgov")), DeviceCodeCredential
        )
        assert isinstance(
            make_credential(CredentialSpec(kind="managed-identity", client_id="abc")),
            ManagedIdentityCredential,
        )

    def test_unknown_kind(self) -> None:
        with pytest.raises(ValueError, match="unknown credential kind"):
            make_credential(CredentialSpec(kind="browser"))
