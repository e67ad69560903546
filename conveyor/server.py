"""Assembles a running Conveyor: store, clock, action layer, HTTP front; and tears it down."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from conveyor.clock import Clock, ManualClock, SystemClock
from conveyor.config import ServerConfig
from conveyor.errors import SqsError
from conveyor.http.app import make_app
from conveyor.http.clock_endpoint import clock_routes
from conveyor.http.server import start_server
from conveyor.service.base import ServiceSettings
from conveyor.service.context import RequestContext
from conveyor.service.dispatch import SqsService
from conveyor.storage.sqlite import SqliteStorage

log = logging.getLogger("conveyor")


class ConveyorServer:
    """One server: ``await start()``, read ``endpoint_url``, ``await stop()``."""

    def __init__(self, config: ServerConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or (ManualClock(start=SystemClock().now()) if config.time_travel else SystemClock())
        self.storage = SqliteStorage(config.database_path(), durability=config.durability)  # type: ignore[arg-type]
        self._http: asyncio.Server | None = None
        self.service: SqsService | None = None
        self.port = config.port

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    async def start(self) -> None:
        await self.storage.open()
        settings = ServiceSettings(
            region=self.config.region,
            account_id=self.config.account_id,
            default_host=f"{self.config.host}:{self.config.port}",
        )
        self.service = SqsService(self.storage, self.clock, settings)
        await self._declare_queues()
        await self.service.move_tasks.resume()
        routes = clock_routes(self.clock) if self.config.time_travel and isinstance(self.clock, ManualClock) else None
        self._http = await start_server(make_app(self._dispatch, routes=routes), self.config.host, self.config.port)
        self.port = self._http.sockets[0].getsockname()[1]
        self.service.settings.default_host = f"{self.config.host}:{self.port}"

    async def _dispatch(self, action: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        """The action layer as the HTTP app calls it: callers act as the configured account."""
        assert self.service is not None
        ctx.account_id = self.config.account_id
        return await self.service(action, params, ctx)

    async def _declare_queues(self) -> None:
        """Create the queues the config declares; bring existing ones to the declared attributes."""
        assert self.service is not None
        ctx = RequestContext(request_id=str(uuid.uuid4()), host=self.service.settings.default_host,
                             account_id=self.config.account_id)
        for queue in self.config.queues:
            try:
                existing = await self.storage.get_queue(self.config.account_id, queue.name)
                if existing is None:
                    await self.service("CreateQueue", {"QueueName": queue.name, "Attributes": queue.attributes,
                                                       "tags": queue.tags}, ctx)
                    continue
                url = f"http://{ctx.host}/{self.config.account_id}/{queue.name}"
                if queue.attributes:
                    await self.service("SetQueueAttributes", {"QueueUrl": url, "Attributes": queue.attributes}, ctx)
                if queue.tags:
                    await self.service("TagQueue", {"QueueUrl": url, "Tags": queue.tags}, ctx)
            except SqsError as exc:
                raise SystemExit(f"config: queue {queue.name!r}: {exc.message}") from exc

    async def stop(self) -> None:
        if self._http is not None:
            self._http.close()
            if self.service is not None:
                self.service.waiters.close()  # long polls answer (empty) now instead of holding the stop
            await self._http.wait_closed()
            self._http = None
        if self.service is not None:
            await self.service.move_tasks.stop()
        await self.storage.close()


async def serve_forever(server: ConveyorServer, stop: asyncio.Event) -> None:
    await server.start()
    log.info("Conveyor serving SQS at %s (store: %s)", server.endpoint_url,
             "memory" if server.config.store == "memory" else server.config.database_path())
    try:
        await stop.wait()
    finally:
        await server.stop()
