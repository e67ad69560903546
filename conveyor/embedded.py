"""A real Conveyor server on a background thread: for tests, and for programs that embed one.

The server runs its own event loop on its own thread and listens on a loopback port, so any
client (boto3, the AWS CLI, another language's SDK) talks to it over a real socket. Give it a
:class:`~conveyor.clock.ManualClock` and the test decides when time passes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from conveyor.clock import Clock
from conveyor.config import ServerConfig
from conveyor.server import ConveyorServer

T = TypeVar("T")


class EmbeddedServer:
    def __init__(self, config: ServerConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or ServerConfig(store="memory", port=0)
        self.server = ConveyorServer(self.config, clock)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="conveyor-embedded", daemon=True)

    @property
    def clock(self) -> Clock:
        return self.server.clock

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    def queue_url(self, name: str) -> str:
        return f"{self.endpoint_url}/{self.config.account_id}/{name}"

    def start(self) -> EmbeddedServer:
        self._thread.start()
        self.call(self.server.start())
        return self

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the server's loop (e.g. a storage call) and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self.call(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
