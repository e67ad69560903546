"""ReceiveMessage: short and long polling, and how a stored message is shown to a receiver."""

from __future__ import annotations

from typing import Any

from conveyor.model.message_attributes import (
    attributes_to_wire,
    decode_from_storage,
    md5_of_message_attributes,
    select_attributes,
)
from conveyor.model.messages import select_system_attribute_names, validate_fifo_id, validate_receive_params
from conveyor.model.types import QueueRecord, ReceiveRequest, StoredMessage
from conveyor.service.base import ActionGroup
from conveyor.service.context import RequestContext
from conveyor.service.dead_letters import redrive_of
from conveyor.service.params import optional_int, str_list


class ReceiveActions(ActionGroup):
    async def receive_message(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        max_messages = optional_int(params, "MaxNumberOfMessages")
        visibility = optional_int(params, "VisibilityTimeout")
        wait = optional_int(params, "WaitTimeSeconds")
        validate_receive_params(max_messages, visibility, wait)
        system_names = select_system_attribute_names(
            str_list(params, "AttributeNames"), str_list(params, "MessageSystemAttributeNames")
        )
        attribute_names = str_list(params, "MessageAttributeNames")
        request = ReceiveRequest(
            max_messages=max_messages or 1,
            visibility_ms=(queue.int_attribute("VisibilityTimeout") if visibility is None else visibility) * 1000,
            retention_ms=queue.int_attribute("MessageRetentionPeriod") * 1000,
            attempt_id=_attempt_id(queue, params),
            redrive=await redrive_of(self, queue),
        )
        if wait is None:
            wait = queue.int_attribute("ReceiveMessageWaitTimeSeconds")
        messages = await self._poll(queue, request, wait * 1000)
        if not messages:
            return {}
        return {"Messages": [self._render(queue, m, system_names, attribute_names) for m in messages]}

    async def _poll(self, queue: QueueRecord, request: ReceiveRequest, wait_ms: int) -> list[StoredMessage]:
        """Receive now; if nothing and asked to wait, sleep until woken or a message's time comes."""
        deadline = self.clock.now() + wait_ms
        woken = False
        while True:
            try:
                messages = await self.storage.receive(queue, request, self.clock.now())
            except BaseException:
                if woken:
                    self.waiters.notify(queue.queue_id)  # pass on the turn we could not use
                raise
            if woken and len(messages) == request.max_messages:
                self.waiters.notify(queue.queue_id)  # there may be more: let the next one look
            now = self.clock.now()
            if messages or now >= deadline:
                return messages
            next_visible = await self.storage.next_visible_at(queue, now)
            until = deadline if next_visible is None else min(deadline, next_visible)
            woken = await self.waiters.wait(queue.queue_id, until)
            if self.waiters.closed:
                return []  # the server is stopping: answer now rather than hold the connection
            current = await self.storage.get_queue(queue.account_id, queue.name)
            if current is None or current.queue_id != queue.queue_id:
                return []  # deleted while we waited
            queue = current

    def _render(
        self, queue: QueueRecord, message: StoredMessage, system_names: frozenset[str], attribute_names: list[str]
    ) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "MessageId": message.message_id,
            "ReceiptHandle": message.receipt_handle,
            "MD5OfBody": message.md5_of_body,
            "Body": message.body,
        }
        if system_names:
            system = _system_attributes(message, queue.fifo)
            selected = {name: value for name, value in system.items() if name in system_names}
            if selected:
                rendered["Attributes"] = selected
        if attribute_names and message.attributes:
            stored = decode_from_storage(message.attributes)
            chosen = select_attributes(stored, attribute_names)
            if chosen:
                rendered["MessageAttributes"] = attributes_to_wire(chosen)
                rendered["MD5OfMessageAttributes"] = (
                    message.md5_of_attributes if len(chosen) == len(stored) else md5_of_message_attributes(chosen)
                )
        return rendered


def _attempt_id(queue: QueueRecord, params: dict[str, Any]) -> str | None:
    """ReceiveRequestAttemptId matters on FIFO queues only; standard queues ignore it, as SQS does."""
    attempt_id = validate_fifo_id(params.get("ReceiveRequestAttemptId"), "ReceiveRequestAttemptId")
    return attempt_id if queue.fifo else None


def _system_attributes(message: StoredMessage, fifo: bool) -> dict[str, str]:
    values = {
        "SenderId": message.sender_id,
        "SentTimestamp": str(message.sent_at),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(message.first_receive_at),
    }
    if message.system_attributes:
        trace = decode_from_storage(message.system_attributes).get("AWSTraceHeader")
        if trace is not None and trace.string_value is not None:
            values["AWSTraceHeader"] = trace.string_value
    if message.group_id is not None:
        values["MessageGroupId"] = message.group_id
    if fifo:
        if message.dedup_id is not None:
            values["MessageDeduplicationId"] = message.dedup_id
        if message.sequence_number is not None:
            values["SequenceNumber"] = message.sequence_number
    if message.dead_letter_source_arn is not None:
        values["DeadLetterQueueSourceArn"] = message.dead_letter_source_arn
    return values
