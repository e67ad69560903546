"""Dead-letter queues: what a RedrivePolicy points at, who may point there, who points here."""

from __future__ import annotations

import json
from typing import Any

from conveyor.errors import InvalidParameterValue
from conveyor.model.names import queue_arn
from conveyor.model.types import QueueRecord, Redrive
from conveyor.service.base import ActionGroup
from conveyor.service.context import RequestContext
from conveyor.service.params import decode_page_token, encode_page_token, optional_int


async def redrive_of(group: ActionGroup, queue: QueueRecord) -> Redrive | None:
    """The queue's dead-lettering, if it has a policy whose target still exists."""
    text = queue.attributes.get("RedrivePolicy")
    if not text:
        return None
    policy = json.loads(text)
    target = await group.queue_by_arn(policy["deadLetterTargetArn"])
    if target is None:
        return None  # SQS keeps such messages where they are
    return Redrive(target, int(policy["maxReceiveCount"]), group.queue_arn(queue))


async def check_redrive_policy(group: ActionGroup, name: str, account_id: str, fifo: bool, text: str | None) -> None:
    """A new RedrivePolicy must name an existing queue of the same type that accepts this source."""
    if not text:
        return
    arn = json.loads(text)["deadLetterTargetArn"]
    target = await group.queue_by_arn(arn)

    def reject(reason: str) -> InvalidParameterValue:
        return InvalidParameterValue(f"Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}")

    if target is None:
        raise reject("Dead letter target does not exist.")
    if target.fifo != fifo:
        raise reject("Dead-letter queue must be same type of queue as the source.")
    if target.account_id == account_id and target.name == name:
        raise reject("Dead-letter queue can not be the queue itself.")
    source_arn = queue_arn(group.settings.region, account_id, name)
    if not _allows(target, source_arn):
        raise reject(f"Queue {arn} does not allow this queue to use it as a dead-letter queue.")


class DeadLetterActions(ActionGroup):
    async def list_dead_letter_source_queues(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        max_results = optional_int(params, "MaxResults")
        if max_results is not None and not 1 <= max_results <= 1000:
            raise InvalidParameterValue(
                f"Value {max_results} for parameter MaxResults is invalid. Reason: Must be between 1 and 1000."
            )
        target_arn = self.queue_arn(queue)
        after = decode_page_token(params.get("NextToken"))
        candidates = await self.storage.list_queues(queue.account_id, "", after, 100_000)
        sources = [q for q in candidates if targets_queue(q, target_arn)]
        limit = max_results or 1000
        result: dict[str, Any] = {"queueUrls": [self.queue_url(q, ctx) for q in sources[:limit]]}
        if max_results is not None and len(sources) > limit:
            result["NextToken"] = encode_page_token(sources[limit - 1].name)
        return result


def targets_queue(queue: QueueRecord, target_arn: str) -> bool:
    """Whether the queue's RedrivePolicy sends its dead letters to ``target_arn``."""
    text = queue.attributes.get("RedrivePolicy")
    return bool(text) and json.loads(text).get("deadLetterTargetArn") == target_arn


def _allows(target: QueueRecord, source_arn: str) -> bool:
    text = target.attributes.get("RedriveAllowPolicy")
    if not text:
        return True
    policy = json.loads(text)
    permission = policy.get("redrivePermission")
    if permission == "denyAll":
        return False
    if permission == "byQueue":
        return source_arn in policy.get("sourceQueueArns", [])
    return True
