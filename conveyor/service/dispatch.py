"""The action layer's entry point: one async call per SQS action, whichever codec decoded it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from conveyor.clock import Clock
from conveyor.errors import InvalidAction
from conveyor.service.base import ServiceSettings
from conveyor.service.context import RequestContext
from conveyor.service.dead_letters import DeadLetterActions
from conveyor.service.messages import MessageActions
from conveyor.service.move_tasks import MoveTaskActions
from conveyor.service.permissions import PermissionActions
from conveyor.service.queues import QueueActions
from conveyor.service.receive import ReceiveActions
from conveyor.service.waiters import Waiters
from conveyor.storage.base import Storage

ActionHandler = Callable[[dict[str, Any], RequestContext], Awaitable[dict[str, Any]]]


class SqsService:
    """Routes each action to the method that implements it."""

    def __init__(self, storage: Storage, clock: Clock, settings: ServiceSettings | None = None) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings or ServiceSettings()
        self.waiters = Waiters(clock)
        shared = (storage, clock, self.settings, self.waiters)
        queues, messages = QueueActions(*shared), MessageActions(*shared)
        receive, permissions = ReceiveActions(*shared), PermissionActions(*shared)
        dead_letters = DeadLetterActions(*shared)
        self.move_tasks = MoveTaskActions(*shared)
        self._actions: dict[str, ActionHandler] = {
            "CreateQueue": queues.create_queue,
            "GetQueueUrl": queues.get_queue_url,
            "ListQueues": queues.list_queues,
            "DeleteQueue": queues.delete_queue,
            "PurgeQueue": queues.purge_queue,
            "GetQueueAttributes": queues.get_queue_attributes,
            "SetQueueAttributes": queues.set_queue_attributes,
            "TagQueue": queues.tag_queue,
            "UntagQueue": queues.untag_queue,
            "ListQueueTags": queues.list_queue_tags,
            "SendMessage": messages.send_message,
            "SendMessageBatch": messages.send_message_batch,
            "DeleteMessage": messages.delete_message,
            "DeleteMessageBatch": messages.delete_message_batch,
            "ChangeMessageVisibility": messages.change_message_visibility,
            "ChangeMessageVisibilityBatch": messages.change_message_visibility_batch,
            "ReceiveMessage": receive.receive_message,
            "AddPermission": permissions.add_permission,
            "RemovePermission": permissions.remove_permission,
            "ListDeadLetterSourceQueues": dead_letters.list_dead_letter_source_queues,
            "StartMessageMoveTask": self.move_tasks.start_message_move_task,
            "ListMessageMoveTasks": self.move_tasks.list_message_move_tasks,
            "CancelMessageMoveTask": self.move_tasks.cancel_message_move_task,
        }

    async def __call__(self, action: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        handler = self._actions.get(action)
        if handler is None:
            raise InvalidAction(f"The action {action} is not valid for this endpoint.")
        return await handler(params, ctx)
