"""What every group of actions shares: storage, the clock, settings, queue lookup by URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conveyor.clock import Clock
from conveyor.errors import QueueDoesNotExist
from conveyor.model.names import parse_queue_arn, parse_queue_url, queue_arn
from conveyor.model.types import QueueRecord
from conveyor.service.context import RequestContext
from conveyor.service.params import required_str
from conveyor.service.waiters import Waiters
from conveyor.storage.base import Storage


@dataclass(slots=True)
class ServiceSettings:
    region: str = "us-east-1"
    account_id: str = "000000000000"
    default_host: str = "localhost:9324"


class ActionGroup:
    """Base of the action classes; they share one storage, clock and wake-up registry."""

    def __init__(self, storage: Storage, clock: Clock, settings: ServiceSettings, waiters: Waiters) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings
        self.waiters = waiters

    async def queue_from(self, params: dict[str, Any], ctx: RequestContext) -> QueueRecord:
        """The live queue named by the request's QueueUrl, or QueueDoesNotExist."""
        account_id, name = parse_queue_url(required_str(params, "QueueUrl"))
        queue = await self.storage.get_queue(account_id or ctx.account_id, name)
        if queue is None:
            raise QueueDoesNotExist()
        return queue

    def queue_url(self, queue: QueueRecord, ctx: RequestContext) -> str:
        return f"{ctx.scheme}://{ctx.host or self.settings.default_host}/{queue.account_id}/{queue.name}"

    def queue_arn(self, queue: QueueRecord) -> str:
        return queue_arn(self.settings.region, queue.account_id, queue.name)

    async def queue_by_arn(self, arn: str) -> QueueRecord | None:
        _, account_id, name = parse_queue_arn(arn)
        return await self.storage.get_queue(account_id, name)
