"""The credential kinds for v3 services: `token` (AMSTUI_TOKEN / token_file, JWT expiry) and
`rms-api-key` (POST {host}/auth/token, fetched again once on 401); ARM scopes by cloud."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from amstui.ams.auth import (
    BearerTokenAuth,
    CredentialSpec,
    make_credential,
    scope_for,
    token_expiry,
)
from amstui.ams.backend import JobQuery
from amstui.ams.errors import AuthenticationError
from amstui.ams.service_credentials import (
    RmsApiKeyAuth,
    SecretUnavailable,
    StaticToken,
    expiry_warning,
    jwt_expiry,
    rms_token_endpoint,
)
from amstui.ams.v3_client import AmsV3Client

ARM = "https://rms.example.com/subscriptions/sub-9/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct/"


def jwt(exp: int | None) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims: dict[str, object] = {"sub": "me"} if exp is None else {"sub": "me", "exp": exp}
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def secret_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "secret"
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


def test_arm_scopes_by_cloud() -> None:
    assert scope_for("public", "v3") == "https://management.azure.com/.default"
    assert scope_for("usgov", "v3") == "https://management.usgovcloudapi.net/.default"
    assert scope_for("china", "mkio") == "https://management.chinacloudapi.cn/.default"
    assert scope_for("public") == "https://rest.media.azure.net/.default"


def test_token_from_env_wins_over_file(tmp_path: Path) -> None:
    source = StaticToken(secret_file(tmp_path, "from-file"), env={"AMSTUI_TOKEN": "from-env"})
    assert source.get_token_info("s").token == "from-env"
    assert (
        StaticToken(secret_file(tmp_path, "from-file"), env={}).get_token_info().token
        == "from-file"
    )


def test_token_file_must_be_private(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "t", mode=0o644)
    with pytest.raises(SecretUnavailable, match="chmod 600") as info:
        StaticToken(path, env={}).get_token_info()
    assert "t\n" not in str(info.value)
    with pytest.raises(SecretUnavailable, match="AMSTUI_TOKEN"):
        StaticToken(None, env={}).get_token_info()


async def test_token_problems_are_one_line_auth_errors(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "two words")
    auth = BearerTokenAuth(StaticToken(path, env={}), "s")
    with pytest.raises(AuthenticationError, match="does not hold one token"):
        await auth.token()


def test_jwt_expiry_and_warning() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    soon = int((now + timedelta(days=3)).timestamp())
    later = int((now + timedelta(days=30)).timestamp())
    past = int((now - timedelta(days=1)).timestamp())
    assert jwt_expiry(jwt(soon)) == datetime.fromtimestamp(soon, UTC)
    assert jwt_expiry("not-a-jwt") is None and jwt_expiry(jwt(None)) is None
    assert jwt_expiry("a.!!!.c") is None
    assert "expires in 3 days" in (expiry_warning(jwt_expiry(jwt(soon)), now) or "")
    assert expiry_warning(jwt_expiry(jwt(later)), now) is None
    assert "expired" in (expiry_warning(jwt_expiry(jwt(past)), now) or "")
    source = StaticToken(None, env={"AMSTUI_TOKEN": jwt(soon)})
    assert source.expires_at == datetime.fromtimestamp(soon, UTC)
    assert source.get_token_info().expires_on == soon
    assert jwt(soon) not in repr(source)
    assert token_expiry(BearerTokenAuth(source, "s")) == datetime.fromtimestamp(soon, UTC)
    assert token_expiry(BearerTokenAuth(StaticToken(None, env={}), "s")) is None
    assert token_expiry(None) is None


def test_make_credential_token_kind(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "abc")
    source = make_credential(CredentialSpec(kind="token", secret_file=path))
    assert isinstance(source, StaticToken) and source.get_token_info().token == "abc"
    with pytest.raises(ValueError):
        make_credential(CredentialSpec(kind="rms-api-key"))


def test_rms_token_endpoint_from_account_url() -> None:
    assert rms_token_endpoint(ARM) == ("https://rms.example.com/auth/token", "sub-9")
    assert (
        rms_token_endpoint(
            "https://h/prefix/subscriptions/s/resourceGroups/r/providers/Microsoft.Media/mediaServices/a"
        )[0]
        == "https://h/prefix/auth/token"
    )
    with pytest.raises(ValueError):
        rms_token_endpoint("https://api.mk.io/api/ams/p/")


class RmsServer:
    """A token endpoint that issues rms-1, rms-2, ... and an API that accepts only the newest."""

    def __init__(self, key: str = "k3y") -> None:
        self.key = key
        self.issued = 0
        self.token_bodies: list[dict[str, str]] = []
        self.auth: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            body = json.loads(request.content)
            self.token_bodies.append(body)
            if body.get("apiKey") != self.key:
                return httpx.Response(401, text=f"bad key {body.get('apiKey')}")
            self.issued += 1
            return httpx.Response(200, text=f"rms-{self.issued}")
        header = request.headers.get("Authorization", "")
        self.auth.append(header)
        if header != f"Bearer rms-{self.issued}":
            return httpx.Response(
                401, json={"error": {"code": "Unauthorized", "message": "expired"}}
            )
        return httpx.Response(200, json={"value": []})

    def client(self, auth: httpx.Auth) -> AmsV3Client:
        return AmsV3Client(ARM, auth=auth, transport=httpx.MockTransport(self), transforms=["T"])


async def test_rms_key_exchanged_once_and_reused() -> None:
    server = RmsServer()
    url, sub = rms_token_endpoint(ARM)
    auth = RmsApiKeyAuth(url, sub, env={"AMSTUI_RMS_API_KEY": "k3y"})
    async with server.client(auth) as client:
        for _ in range(3):
            await client.list_jobs(JobQuery())
    assert server.token_bodies == [{"subscriptionId": "sub-9", "apiKey": "k3y"}]
    assert server.auth == ["Bearer rms-1"] * 3 and auth.fetches == 1
    assert "k3y" not in repr(auth) and "rms-1" not in repr(auth)


async def test_rms_token_fetched_again_once_on_401() -> None:
    server = RmsServer()
    url, sub = rms_token_endpoint(ARM)
    auth = RmsApiKeyAuth(url, sub, env={"AMSTUI_RMS_API_KEY": "k3y"})
    async with server.client(auth) as client:
        await client.list_jobs(JobQuery())
        server.issued += 1  # the service rotated: rms-1 is no longer accepted
        await client.list_jobs(JobQuery())
    assert server.auth == ["Bearer rms-1", "Bearer rms-1", "Bearer rms-3"]
    assert auth.fetches == 2


async def test_rms_401_twice_gives_up_after_one_new_token() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/auth/token":
            return httpx.Response(200, text=f'"tok-{len(calls)}"')
        return httpx.Response(401, json={"error": {"code": "Unauthorized", "message": "no"}})

    url, sub = rms_token_endpoint(ARM)
    auth = RmsApiKeyAuth(url, sub, env={"AMSTUI_RMS_API_KEY": "k"})
    client = AmsV3Client(ARM, auth=auth, transport=httpx.MockTransport(handler), transforms=["T"])
    async with client:
        with pytest.raises(AuthenticationError):
            await client.list_jobs(JobQuery())
    assert calls.count("/auth/token") == 2 and len(calls) == 4


async def test_rms_bad_key_is_a_clear_error_without_the_key(tmp_path: Path) -> None:
    server = RmsServer(key="right")
    url, sub = rms_token_endpoint(ARM)
    auth = RmsApiKeyAuth(url, sub, key_file=secret_file(tmp_path, "wrong-key"), env={})
    async with server.client(auth) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_jobs(JobQuery())
    text = str(info.value)
    assert "HTTP 401" in text and "auth/token" in text and "wrong-key" not in text


async def test_rms_without_key_says_where_to_put_it() -> None:
    url, sub = rms_token_endpoint(ARM)
    auth = RmsApiKeyAuth(url, sub, env={})
    async with RmsServer().client(auth) as client:
        with pytest.raises(AuthenticationError, match="AMSTUI_RMS_API_KEY"):
            await client.list_jobs(JobQuery())


async def test_a_rotated_token_file_is_read_again_after_401(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "old-token")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] != "Bearer new-token":
            path.write_text("new-token")  # the operator replaces the file meanwhile
            return httpx.Response(401, json={"error": {"code": "Unauthorized", "message": "x"}})
        return httpx.Response(200, json={"value": []})

    auth = BearerTokenAuth(StaticToken(path, env={}), "s")
    client = AmsV3Client(ARM, auth=auth, transport=httpx.MockTransport(handler), transforms=["T"])
    async with client:
        await client.list_jobs(JobQuery())
    assert seen == ["Bearer old-token", "Bearer new-token"]
