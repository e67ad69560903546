"""A small, fast HTTP/1.1 server on asyncio + httptools.

Why not a framework: SQS traffic is many tiny requests on long-lived keep-alive connections,
so per-request overhead dominates.  This server does only what SQS clients need: keep-alive,
in-order pipelining (one request in the handler per connection, the rest buffered), chunked
request bodies, ``Expect: 100-continue``, a body limit, and prompt shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from http import HTTPStatus
from urllib.parse import unquote

import httptools

from conveyor.http.types import Handler, HttpRequest, HttpResponse

log = logging.getLogger(__name__)

_MAX_PIPELINE = 64  # queued requests per connection before we stop reading from it
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LINGER = 1.0  # seconds to keep draining input after a final error answer
_STATUS_LINES = {s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode("ascii") for s in HTTPStatus}


def install_uvloop() -> None:
    """Use uvloop's event loop policy when it is installed (it is markedly faster)."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    return line if line is not None else f"HTTP/1.1 {status} Status\r\n".encode("ascii")


def encode_response(response: HttpResponse, keep_alive: bool, head_only: bool = False) -> bytes:
    """Serialise a response; Content-Length always, ``Connection: close`` when closing."""
    body = response.body
    head = f"Content-Type: {response.content_type}\r\nContent-Length: {len(body)}\r\n"
    for name, value in response.headers:
        head += f"{name}: {value}\r\n"
    if not keep_alive:
        head += "Connection: close\r\n"
    return b"".join((_status_line(response.status), head.encode("latin-1"), b"\r\n", b"" if head_only else body))


def _plain(status: int, text: str) -> bytes:
    return encode_response(HttpResponse(status, text.encode()), keep_alive=False)


class _Reject(Exception):
    """Raised inside a parser callback to stop parsing and answer ``status`` then close."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


class _ServerState:
    """What all connections of one server share: settings and the set of open connections."""

    def __init__(self, handler: Handler, max_body: int, idle_timeout: float) -> None:
        self.handler = handler
        self.max_body = max_body
        self.idle_timeout = idle_timeout
        self.connections: set[HttpProtocol] = set()
        self.closing = False
        self.all_closed = asyncio.Event()
        self.all_closed.set()

    def add(self, conn: HttpProtocol) -> None:
        self.connections.add(conn)
        self.all_closed.clear()

    def discard(self, conn: HttpProtocol) -> None:
        self.connections.discard(conn)
        if not self.connections:
            self.all_closed.set()


class HttpProtocol(asyncio.Protocol):
    """One client connection: parse requests, run them one at a time, write answers in order."""

    def __init__(self, state: _ServerState) -> None:
        self._state = state
        self._loop = asyncio.get_running_loop()
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._client: tuple[str, int] | None = None
        self._queue: deque[tuple[HttpRequest, bool] | bytes] = deque()
        self._busy = False
        self._continue_pending = False
        self._paused = False
        self._closed = False
        self._last_active = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None
        self._reset_message()

    # ------------------------------------------------------------ connection events

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self._client = (peer[0], peer[1]) if isinstance(peer, tuple) and len(peer) >= 2 else None
        self._state.add(self)
        self._last_active = self._loop.time()
        self._idle_timer = self._loop.call_later(self._state.idle_timeout, self._check_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._queue.clear()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._state.discard(self)

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        self._last_active = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _Reject):
                self._fail(cause.status, str(cause))
            else:
                log.exception("HTTP parser callback failed")
                self._fail(400, "Bad Request")
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            self._fail(400, "Bad Request")

    def close(self) -> None:
        """Close now if idle; otherwise after the request in progress is answered."""
        if not self._busy and not self._queue and self._transport is not None:
            self._closed = True
            self._transport.close()

    def _check_idle(self) -> None:
        if self._closed:
            return
        idle_for = self._loop.time() - self._last_active
        timeout = self._state.idle_timeout
        if not self._busy and not self._queue and idle_for >= timeout:
            self.close()
            return
        self._idle_timer = self._loop.call_later(max(timeout - idle_for, 0.05), self._check_idle)

    # ------------------------------------------------------------ parser callbacks

    def _reset_message(self) -> None:
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._body_size = 0

    def on_message_begin(self) -> None:
        self._reset_message()

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        old = self._headers.get(key)
        self._headers[key] = text if old is None else f"{old}, {text}"

    def on_headers_complete(self) -> None:
        length = self._headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self._state.max_body:
            raise _Reject(413, "Request Entity Too Large")
        if self._headers.get("expect", "").lower() == "100-continue":
            if self._busy or self._queue:
                self._continue_pending = True  # sent once the answers before it are out
            else:
                self._transport.write(_CONTINUE)  # type: ignore[union-attr]

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._body_size > self._state.max_body:
            raise _Reject(413, "Request Entity Too Large")
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._continue_pending = False
        request = self._build_request()
        keep_alive = self._parser.should_keep_alive() and not self._state.closing
        self._queue.append((request, keep_alive))
        if not self._busy:
            self._start_next()
        elif len(self._queue) >= _MAX_PIPELINE and not self._paused:
            self._paused = True
            self._transport.pause_reading()  # type: ignore[union-attr]

    def _build_request(self) -> HttpRequest:
        url = self._url
        query = ""
        if b"?" in url or b"#" in url:
            parsed = httptools.parse_url(url)
            path_bytes = parsed.path or b"/"
            query = (parsed.query or b"").decode("latin-1")
        else:
            path_bytes = url or b"/"
        path = path_bytes.decode("latin-1")
        if "%" in path:
            path = unquote(path_bytes.decode("utf-8", "replace"))
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        return HttpRequest(self._parser.get_method().decode("ascii"), path, query, self._headers, body, self._client)

    # ------------------------------------------------------------ running requests

    def _fail(self, status: int, text: str) -> None:
        """Answer a broken request (after any earlier ones) and close the connection."""
        self._closed = True  # stop parsing: nothing after a broken request can be trusted
        self._queue.append(_plain(status, text))
        if not self._busy:
            self._start_next()

    def _start_next(self) -> None:
        self._busy = True
        self._loop.create_task(self._run_queue())

    async def _run_queue(self) -> None:
        transport = self._transport
        assert transport is not None
        queue = self._queue
        while queue:
            item = queue.popleft()
            if isinstance(item, bytes):
                self._write_and_linger(transport, item)
                break
            request, keep_alive = item
            response = await self._call_handler(request)
            if transport.is_closing():
                break
            keep_alive = keep_alive and not self._state.closing
            transport.write(encode_response(response, keep_alive, request.method == "HEAD"))
            if not keep_alive:
                self._closed = True
                transport.close()
                break
            self._resume_if_drained()
        self._busy = False
        if self._continue_pending and not self._closed:
            self._continue_pending = False
            transport.write(_CONTINUE)
        self._last_active = self._loop.time()
        if self._state.closing:
            self.close()

    def _write_and_linger(self, transport: asyncio.Transport, data: bytes) -> None:
        """Send a final error answer, then half-close and drain briefly before closing.

        Closing at once with unread request bytes in the socket would make the kernel send a
        reset, and the client might never see the answer (e.g. a 413 for a large body).
        """
        transport.write(data)
        if transport.can_write_eof():
            transport.write_eof()
            self._loop.call_later(_LINGER, transport.close)
        else:
            transport.close()

    def _resume_if_drained(self) -> None:
        if self._paused and len(self._queue) < _MAX_PIPELINE // 2:
            self._paused = False
            self._transport.resume_reading()  # type: ignore[union-attr]

    async def _call_handler(self, request: HttpRequest) -> HttpResponse:
        try:
            return await self._state.handler(request)
        except Exception:
            log.exception("unhandled error answering %s %s", request.method, request.path)
            return HttpResponse(500, b"Internal Server Error")


class HttpServer(asyncio.AbstractServer):
    """An asyncio server whose ``close()`` also closes idle keep-alive connections."""

    def __init__(self, server: asyncio.AbstractServer, state: _ServerState) -> None:
        self._server = server
        self._state = state

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self._server.sockets)  # type: ignore[attr-defined]

    def close(self) -> None:
        self._state.closing = True
        self._server.close()
        for conn in list(self._state.connections):
            conn.close()

    async def wait_closed(self) -> None:
        await self._server.wait_closed()
        await self._state.all_closed.wait()

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._server.get_loop()

    def is_serving(self) -> bool:
        return self._server.is_serving()

    async def start_serving(self) -> None:
        await self._server.start_serving()

    async def serve_forever(self) -> None:
        await self._server.serve_forever()


async def start_server(
    handler: Handler,
    host: str,
    port: int,
    *,
    max_body: int = 2_200_000,
    idle_timeout: float = 75.0,
) -> HttpServer:
    """Listen on (host, port) -- port 0 picks a free one -- and serve ``handler``."""
    state = _ServerState(handler, max_body, idle_timeout)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpProtocol(state), host, port, reuse_address=True)
    return HttpServer(server, state)
