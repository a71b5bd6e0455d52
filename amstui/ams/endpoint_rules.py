"""Which URLs the client may talk to: endpoint rules and the 301 redirect policy.

Endpoints (`check_endpoint`): http(s) only, a host, a valid port, no userinfo, query or
fragment; plain http only for a literal loopback address or `localhost` itself (a name like
`x.localhost` may resolve anywhere, so it needs https).

Redirects (`RedirectPolicy`): a 301 re-sends the bearer token, so the target must be a place
the token may go: the same origin (loopback aliases on the same port count as one), or an https
host under the AMS domain of the cloud the account lives in (`*.media.azure.net` and the
sovereign equivalents). A v3 (ARM) client can add its account's own host with `extra_hosts`.
Everything else is refused before any request (and before any DNS lookup).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

#: The AMS REST domains of each cloud (legacy `media.windows.net` included for public).
AMS_DOMAINS = (
    "media.azure.net",
    "media.windows.net",
    "media.usgovcloudapi.net",
    "media.chinacloudapi.cn",
    "media.cloudapi.de",
)


class EndpointError(ValueError):
    """A URL the client must not use; the message says why (never contains the URL's secrets)."""


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and literal loopback addresses (127.0.0.0/8, ::1), nothing else."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        return 443 if parts.scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise EndpointError("the port must be a number from 1 to 65535")
    return port


def check_endpoint(url: str) -> str:
    """The endpoint normalised to end in '/', or `EndpointError` saying what is wrong."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError("not an http(s) URL")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise EndpointError("contains spaces or control characters")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise EndpointError("must not contain a user name or password")
    _port(parts)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise EndpointError(
            f"plain http:// is only allowed for loopback hosts (got {parts.hostname}); use https"
        )
    if parts.query or parts.fragment:
        raise EndpointError("must not contain a query string or fragment")
    return url if url.endswith("/") else url + "/"


def domain_of(host: str) -> str | None:
    """The AMS domain `host` is under, if any."""
    host = host.lower().rstrip(".")
    for domain in AMS_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


@dataclass(frozen=True, slots=True)
class RedirectPolicy:
    """Where a 301 from `origin` may lead while carrying the token."""

    origin: str
    #: Further https hosts the token may go to (a v3 client: the account's ARM host).
    extra_hosts: frozenset[str] = frozenset()

    @classmethod
    def for_endpoint(cls, origin: str, extra_hosts: Iterable[str] = ()) -> RedirectPolicy:
        return cls(origin, frozenset(h.lower() for h in extra_hosts))

    def refusal(self, target: str) -> str | None:
        """None if the token may follow a redirect to `target`, else why not."""
        here, there = urlsplit(self.origin), urlsplit(target)
        host = (there.hostname or "").lower()
        if there.scheme == "https" and host and host in self.extra_hosts:
            return None
        origin_host = (here.hostname or "").lower()
        if host == origin_host and there.scheme == here.scheme:
            if _port(there) == _port(here):
                return None
            return "a redirect to another port of the same host is not followed"
        if is_loopback_host(origin_host) and is_loopback_host(host):
            if there.scheme == here.scheme and _port(there) == _port(here):
                return None
            return "a redirect to another loopback port is not followed"
        domain = domain_of(origin_host)
        if domain is not None and there.scheme == "https" and domain_of(host) == domain:
            return None
        where = f"*.{domain}" if domain else "the same origin"
        return f"the token is only sent to {where}"
