"""A running runtime's management endpoint: a small JSON-over-HTTP API on a loopback port.

``GET /functions`` lists mappings with their live figures; ``POST /functions`` adds one;
``PATCH /functions/<name>`` changes settings (``{"enabled": false}`` disables);
``DELETE /functions/<name>`` removes one. :func:`request` is the client the CLI uses.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from conveyor.runtime.mapping import EventSourceMapping, MappingError
from conveyor.runtime.runtime import FunctionRuntime, NotFound

DEFAULT_CONTROL = "127.0.0.1:9330"


class ControlError(RuntimeError):
    """The runtime refused a request, or could not be reached."""


def _handler_class(runtime: FunctionRuntime) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep the live table clean
            pass

        def _reply(self, status: int, payload: Any) -> None:
            body = json.dumps(payload, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _dispatch(self, method: str) -> None:
            parts = [p for p in self.path.split("/") if p]
            try:
                if parts[:1] != ["functions"] or len(parts) > 2:
                    self._reply(404, {"error": f"no such resource {self.path}"})
                elif method == "GET" and len(parts) == 1:
                    self._reply(200, runtime.list())
                elif method == "GET":
                    self._reply(200, runtime.describe(parts[1]))
                elif method == "POST" and len(parts) == 1:
                    self._reply(201, runtime.add(EventSourceMapping.from_dict(self._body())))
                elif method == "PATCH" and len(parts) == 2:
                    self._reply(200, runtime.update(parts[1], self._body()))
                elif method == "DELETE" and len(parts) == 2:
                    runtime.delete(parts[1])
                    self._reply(200, {"deleted": parts[1]})
                else:
                    self._reply(405, {"error": f"{method} not allowed on {self.path}"})
            except NotFound as exc:
                self._reply(404, {"error": f"no function named {exc.args[0]!r}"})
            except (MappingError, ValueError, TypeError) as exc:
                self._reply(400, {"error": str(exc)})

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PATCH(self) -> None:
            self._dispatch("PATCH")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

    return Handler


class ControlServer:
    """Serves the management API of ``runtime`` on ``address`` ("host:port"; port 0 picks one)."""

    def __init__(self, runtime: FunctionRuntime, address: str = DEFAULT_CONTROL) -> None:
        host, _, port = address.rpartition(":")
        self._server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), _handler_class(runtime))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="conveyor-control", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def request(address: str, method: str, path: str, payload: Any = None, timeout: float = 60) -> Any:
    """Call a running runtime's control endpoint; raises :class:`ControlError` with its message."""
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(f"http://{address}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error", exc.reason)
        except ValueError:
            message = exc.reason
        raise ControlError(message) from None
    except OSError as exc:
        raise ControlError(f"no runtime answers on {address}: {exc}") from None
