"""A small, configurable hostile HTTP server on a free loopback port, for attack tests.

Each request is recorded (method, target, headers: the bearer token it was sent included) and
answered by a `respond(request) -> Reply` function the test supplies. A reply can trickle its
bytes (headers and body) one at a time, as a slow-loris server does.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    method: str
    target: str
    headers: dict[str, str]

    @property
    def token(self) -> str:
        """The bearer token the client sent ("" if none)."""
        value = self.headers.get("authorization", "")
        return value.split(" ", 1)[1] if value.lower().startswith("bearer ") else ""

    def param(self, name: str, default: str = "") -> str:
        values = parse_qs(urlsplit(self.target).query).get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: Seconds between single bytes of the whole response (0: send at once).
    trickle: float = 0.0
    #: Seconds to wait before answering.
    delay: float = 0.0

    @classmethod
    def json(cls, text: str | bytes, status: int = 200, **kw: object) -> Reply:
        body = text.encode() if isinstance(text, str) else text
        headers = [("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")]
        return cls(status, headers + list(kw.pop("headers", [])), body, **kw)  # type: ignore[arg-type]


Responder = Callable[[Seen], Reply]


class HostileServer:
    """`with HostileServer(respond) as server:` serves `server.url` (`http://127.0.0.1:P/api/`)."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                seen = Seen(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                with outer._lock:
                    outer.requests.append(seen)
                reply = outer.respond(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                head = f"HTTP/1.1 {reply.status} Hostile\r\n"
                names = {k.lower() for k, _ in reply.headers}
                extra = [] if "content-length" in names else [("Content-Length", len(reply.body))]
                for name, value in [*reply.headers, *extra, ("Connection", "close")]:
                    head += f"{name}: {value}\r\n"
                data = head.encode("latin-1", "replace") + b"\r\n" + reply.body
                try:
                    if reply.trickle:
                        for index in range(len(data)):
                            self.wfile.write(data[index : index + 1])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(data)
                except OSError:
                    pass  # the client gave up: that is the point of a trickle
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def tokens(self) -> set[str]:
        return {r.token for r in self.requests if r.token}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
