"""Queue actions: create, find, list, delete, attributes, purge, tags."""

from __future__ import annotations

from typing import Any

from conveyor.errors import (
    InvalidParameterValue,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
)
from conveyor.model import limits
from conveyor.model.names import validate_queue_name
from conveyor.model.queue_attributes import (
    check_attribute_combination,
    defaults_for,
    select_queue_attribute_names,
    validate_queue_attributes,
)
from conveyor.model.tags import check_tag_count, validate_tag_keys, validate_tags
from conveyor.model.types import QueueRecord
from conveyor.service.base import ActionGroup
from conveyor.service.context import RequestContext
from conveyor.service.dead_letters import check_redrive_policy
from conveyor.service.params import (
    decode_page_token,
    encode_page_token,
    optional_int,
    required_str,
    str_list,
    str_map,
)

_COUNTERS = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
}


class QueueActions(ActionGroup):
    async def create_queue(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        name = required_str(params, "QueueName")
        fifo = validate_queue_name(name)
        requested = validate_queue_attributes(str_map(params, "Attributes"), fifo=fifo, creating=True)
        tags = validate_tags(params.get("tags"), required=False)
        now = self.clock.now()
        existing = await self.storage.get_queue(ctx.account_id, name)
        if existing is None:
            deleted_at = await self.storage.last_deleted_at(ctx.account_id, name)
            if deleted_at is not None and now - deleted_at < limits.QUEUE_DELETE_COOLDOWN_SECONDS * 1000:
                raise QueueDeletedRecently(
                    "You must wait 60 seconds after deleting a queue before you can create another with the same name."
                )
        await check_redrive_policy(self, name, ctx.account_id, fifo, requested.get("RedrivePolicy"))
        attributes = {**defaults_for(fifo), **requested}
        queue, created = await self.storage.create_queue(ctx.account_id, name, attributes, tags, now)
        if not created:
            differing = sorted(key for key, value in requested.items() if queue.attributes.get(key) != value)
            if differing:
                raise QueueNameExists(
                    "A queue already exists with the same name and a different value for attribute "
                    + ", ".join(differing)
                )
        return {"QueueUrl": self.queue_url(queue, ctx)}

    async def get_queue_url(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        name = required_str(params, "QueueName")
        account_id = params.get("QueueOwnerAWSAccountId") or ctx.account_id
        queue = await self.storage.get_queue(account_id, name)
        if queue is None:
            raise QueueDoesNotExist()
        return {"QueueUrl": self.queue_url(queue, ctx)}

    async def list_queues(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        prefix = params.get("QueueNamePrefix") or ""
        max_results = optional_int(params, "MaxResults")
        if max_results is not None and not 1 <= max_results <= limits.LIST_QUEUES_MAX:
            raise InvalidParameterValue(
                f"Value {max_results} for parameter MaxResults is invalid. Reason: MaxResults must be an "
                f"integer between 1 and {limits.LIST_QUEUES_MAX}."
            )
        after = decode_page_token(params.get("NextToken"))
        limit = max_results or limits.LIST_QUEUES_MAX
        queues = await self.storage.list_queues(ctx.account_id, prefix, after, limit + 1)
        result: dict[str, Any] = {}
        if queues[:limit]:
            result["QueueUrls"] = [self.queue_url(queue, ctx) for queue in queues[:limit]]
        if max_results is not None and len(queues) > limit:
            result["NextToken"] = encode_page_token(queues[limit - 1].name)
        return result

    async def delete_queue(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        await self.storage.delete_queue(queue, self.clock.now())
        self.waiters.notify_all(queue.queue_id)
        return {}

    async def purge_queue(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        now = self.clock.now()
        if queue.purged_at is not None and now - queue.purged_at < limits.PURGE_COOLDOWN_SECONDS * 1000:
            raise PurgeQueueInProgress(
                f"Only one PurgeQueue operation on {queue.name} is allowed every "
                f"{limits.PURGE_COOLDOWN_SECONDS} seconds."
            )
        await self.storage.purge_queue(queue, now)
        return {}

    async def get_queue_attributes(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        names = select_queue_attribute_names(str_list(params, "AttributeNames"))
        if not names:
            return {}
        values = await self._attribute_values(queue, set(names))
        selected = {name: values[name] for name in names if name in values}
        return {"Attributes": selected} if selected else {}

    async def _attribute_values(self, queue: QueueRecord, wanted: set[str]) -> dict[str, str]:
        values = dict(queue.attributes)
        values["QueueArn"] = self.queue_arn(queue)
        values["CreatedTimestamp"] = str(queue.created_at // 1000)
        values["LastModifiedTimestamp"] = str(queue.modified_at // 1000)
        if wanted & _COUNTERS:
            stats = await self.storage.queue_stats(queue, self.clock.now())
            values["ApproximateNumberOfMessages"] = str(stats.visible)
            values["ApproximateNumberOfMessagesNotVisible"] = str(stats.in_flight)
            values["ApproximateNumberOfMessagesDelayed"] = str(stats.delayed)
        return {name: value for name, value in values.items() if value != ""}

    async def set_queue_attributes(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        changes = validate_queue_attributes(str_map(params, "Attributes"), fifo=queue.fifo, creating=False)
        attributes = {**queue.attributes, **changes}
        check_attribute_combination(attributes)
        await check_redrive_policy(self, queue.name, queue.account_id, queue.fifo, changes.get("RedrivePolicy"))
        await self.storage.update_queue(queue, self.clock.now(), attributes=attributes)
        if "ReceiveMessageWaitTimeSeconds" in changes or "VisibilityTimeout" in changes:
            self.waiters.notify_all(queue.queue_id)
        return {}

    async def tag_queue(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        tags = validate_tags(params.get("Tags"))
        check_tag_count(queue.tags, tags, queue_name=queue.name)
        await self.storage.update_queue(queue, self.clock.now(), tags={**queue.tags, **tags})
        return {}

    async def untag_queue(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        keys = validate_tag_keys(str_list(params, "TagKeys"))
        remaining = {key: value for key, value in queue.tags.items() if key not in keys}
        await self.storage.update_queue(queue, self.clock.now(), tags=remaining)
        return {}

    async def list_queue_tags(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        return {"Tags": dict(queue.tags)} if queue.tags else {}
