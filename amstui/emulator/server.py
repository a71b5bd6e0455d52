"""Serving the emulator on a TCP port with uvicorn: in a background thread (tests, benchmarks,
the demo's optional port) or in the foreground (`amstui emulator`)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

from amstui.emulator.app import DroppedConnection, Emulator


class _QuietDrops(logging.Filter):
    """uvicorn logs an app exception as an error; an injected reset is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


@dataclass
class RunningServer:
    emulator: Emulator
    host: str
    port: int
    _server: object
    _thread: threading.Thread

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The account root: http://127.0.0.1:PORT/api/ (v2), the ARM account path (v3) or
        `/api/ams/{project}/` (MK.IO)."""
        if self.emulator.v3 is not None:
            return f"{self.origin}{self.emulator.v3.root_path}"
        return f"{self.origin}{self.emulator.prefix}/api/"

    def stop(self) -> None:
        self._server.should_exit = True  # type: ignore[attr-defined]
        self._thread.join(timeout=10)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said out loud: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # sockets that say so, and the connections accepted here inherit it. With Nagle on, a
    # response written in two parts (head, then body) waited for the client's delayed ACK:
    # 40 ms on every request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def serve_in_thread(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start serving on `host:port` (0 = a free port) and return once it accepts connections."""
    import uvicorn

    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    config = uvicorn.Config(
        emulator, log_level="error", lifespan="off", access_log=False, date_header=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="amstui-emulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the emulator did not start on {host}:{actual_port}")
        time.sleep(0.01)
    return RunningServer(emulator, host, actual_port, server, thread)


def serve_forever(emulator: Emulator, host: str, port: int) -> None:
    import uvicorn

    sock = _bind(host, port)
    config = uvicorn.Config(
        emulator, log_level="warning", lifespan="off", access_log=False, date_header=False
    )
    uvicorn.Server(config).run(sockets=[sock])
