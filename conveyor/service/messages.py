"""Message actions that write: send, delete, change visibility (single and batched)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from conveyor.errors import InvalidParameterValue, MissingParameter, SqsError
from conveyor.model.batches import check_batch_size, validate_batch_entries
from conveyor.model.message_attributes import (
    encode_for_storage,
    md5_of_body,
    md5_of_message_attributes,
    parse_message_attributes,
    parse_message_system_attributes,
)
from conveyor.model.messages import (
    check_message_size,
    message_size,
    validate_body,
    validate_delay_seconds,
    validate_fifo_id,
    validate_visibility_timeout,
)
from conveyor.model.types import NewMessage, QueueRecord, SendOutcome, VisibilityChange
from conveyor.service.base import ActionGroup
from conveyor.service.context import RequestContext
from conveyor.service.params import entry_list, required, required_str

T = TypeVar("T")

_WRONG_QUEUE_TYPE = "The request include parameter that is not valid for this queue type."


class MessageActions(ActionGroup):
    async def send_message(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        message, _ = self._new_message(queue, params, ctx)
        (outcome,) = await self._store(queue, [message])
        return _send_result(message, outcome)

    async def send_message_batch(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        entries = entry_list(params)
        validate_batch_entries(entries)
        accepted: list[tuple[str, NewMessage]] = []
        failed: list[dict[str, Any]] = []
        total_size = 0
        for entry in entries:
            try:
                message, size = self._new_message(queue, entry, ctx)
            except SqsError as exc:
                failed.append(_failure(entry["Id"], exc))
                total_size += _rejected_entry_size(entry)  # the 1 MiB counts every message sent
                continue
            total_size += size
            accepted.append((entry["Id"], message))
        check_batch_size(total_size)
        outcomes = await self._store(queue, [message for _, message in accepted]) if accepted else []
        successful = [
            {"Id": entry_id, **_send_result(message, outcome)}
            for (entry_id, message), outcome in zip(accepted, outcomes, strict=True)
        ]
        return {"Successful": successful, "Failed": failed}

    def _new_message(self, queue: QueueRecord, entry: dict[str, Any], ctx: RequestContext) -> tuple[NewMessage, int]:
        body = entry.get("MessageBody")
        validate_body(body)
        assert isinstance(body, str)
        attributes = parse_message_attributes(entry.get("MessageAttributes"))
        size = message_size(body, attributes)
        check_message_size(size, queue.int_attribute("MaximumMessageSize"))
        system_attributes = parse_message_system_attributes(entry.get("MessageSystemAttributes"))
        message = NewMessage(
            message_id=str(uuid.uuid4()),
            body=body,
            md5_of_body=md5_of_body(body),
            delay_ms=self._delay_seconds(queue, entry) * 1000,
            sender_id=ctx.sender_id,
            group_id=validate_fifo_id(entry.get("MessageGroupId"), "MessageGroupId"),
            dedup_id=validate_fifo_id(entry.get("MessageDeduplicationId"), "MessageDeduplicationId"),
        )
        if attributes:
            message.attributes = encode_for_storage(attributes)
            message.md5_of_attributes = md5_of_message_attributes(attributes)
        if system_attributes:
            message.system_attributes = encode_for_storage(system_attributes)
            message.md5_of_system_attributes = md5_of_message_attributes(system_attributes)
        self._check_queue_type_parameters(queue, message)
        return message, size

    def _delay_seconds(self, queue: QueueRecord, entry: dict[str, Any]) -> int:
        delay = entry.get("DelaySeconds")
        if delay is None:
            return queue.int_attribute("DelaySeconds")
        if queue.fifo:
            raise InvalidParameterValue(
                f"Value {delay} for parameter DelaySeconds is invalid. Reason: {_WRONG_QUEUE_TYPE}"
            )
        return validate_delay_seconds(delay)

    @staticmethod
    def _check_queue_type_parameters(queue: QueueRecord, message: NewMessage) -> None:
        if not queue.fifo:
            if message.dedup_id is not None:
                raise InvalidParameterValue(
                    f"Value {message.dedup_id} for parameter MessageDeduplicationId is invalid. "
                    f"Reason: {_WRONG_QUEUE_TYPE}"
                )
            return
        if message.group_id is None:
            raise MissingParameter("The request must contain the parameter MessageGroupId.")
        if message.dedup_id is None:
            if queue.attributes.get("ContentBasedDeduplication") != "true":
                raise InvalidParameterValue(
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                    "provided explicitly"
                )
            message.dedup_id = hashlib.sha256(message.body.encode("utf-8")).hexdigest()

    async def _store(self, queue: QueueRecord, messages: list[NewMessage]) -> list[SendOutcome]:
        outcomes = await self.storage.send(queue, messages, self.clock.now())
        immediate = sum(1 for message in messages if message.delay_ms == 0)
        if immediate:
            self.waiters.notify(queue.queue_id, immediate)
        if immediate < len(messages):
            self.waiters.notify_all(queue.queue_id)  # their backstop timers must learn the new delay
        return outcomes

    async def delete_message(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        handle = required_str(params, "ReceiptHandle")
        (error,) = await self.storage.delete(queue, [handle], self.clock.now())
        if error is not None:
            raise error
        return {}

    async def delete_message_batch(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)

        async def delete(handles: list[str]) -> list[SqsError | None]:
            return await self.storage.delete(queue, handles, self.clock.now())

        return await _run_batch(entry_list(params), lambda entry: required_str(entry, "ReceiptHandle"), delete)

    async def change_message_visibility(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        change = _visibility_change(params)
        (error,) = await self._change(queue, [change])
        if error is not None:
            raise error
        return {}

    async def change_message_visibility_batch(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)

        async def change(changes: list[VisibilityChange]) -> list[SqsError | None]:
            return await self._change(queue, changes)

        return await _run_batch(entry_list(params), _visibility_change, change)

    async def _change(self, queue: QueueRecord, changes: list[VisibilityChange]) -> list[SqsError | None]:
        results = await self.storage.change_visibility(queue, changes, self.clock.now())
        if any(error is None for error in results):
            self.waiters.notify_all(queue.queue_id)  # visible now, or a timer to re-arm
        return results


def _visibility_change(entry: dict[str, Any]) -> VisibilityChange:
    handle = required_str(entry, "ReceiptHandle")
    seconds = validate_visibility_timeout(required(entry, "VisibilityTimeout"))
    return VisibilityChange(handle, seconds * 1000)


async def _run_batch(
    entries: list[dict[str, Any]],
    parse: Callable[[dict[str, Any]], T],
    apply: Callable[[list[T]], Awaitable[list[SqsError | None]]],
) -> dict[str, Any]:
    """Validate a batch, apply its valid entries in one storage call, report per entry."""
    validate_batch_entries(entries)
    failed: list[dict[str, Any]] = []
    valid: list[tuple[str, T]] = []
    for entry in entries:
        try:
            valid.append((entry["Id"], parse(entry)))
        except SqsError as exc:
            failed.append(_failure(entry["Id"], exc))
    results = await apply([item for _, item in valid]) if valid else []
    successful = []
    for (entry_id, _), error in zip(valid, results, strict=True):
        if error is None:
            successful.append({"Id": entry_id})
        else:
            failed.append(_failure(entry_id, error))
    return {"Successful": successful, "Failed": failed}


def _rejected_entry_size(entry: dict[str, Any]) -> int:
    """Bytes a rejected batch entry still adds to the request: body and attribute parts, as sent."""
    size = 0
    body = entry.get("MessageBody")
    if isinstance(body, str):
        size += len(body.encode("utf-8", "surrogatepass"))
    attributes = entry.get("MessageAttributes")
    if isinstance(attributes, dict):
        for name, value in attributes.items():
            size += len(str(name).encode("utf-8", "surrogatepass"))
            if isinstance(value, dict):
                for key in ("DataType", "StringValue"):
                    if isinstance(value.get(key), str):
                        size += len(value[key].encode("utf-8", "surrogatepass"))
                if isinstance(value.get("BinaryValue"), str):
                    size += len(value["BinaryValue"]) * 3 // 4  # base64 text: about the decoded size
    return size


def _failure(entry_id: str, error: SqsError) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": error.sender_fault, "Code": error.code, "Message": error.message}


def _send_result(message: NewMessage, outcome: SendOutcome) -> dict[str, Any]:
    result: dict[str, Any] = {"MessageId": outcome.message_id, "MD5OfMessageBody": message.md5_of_body}
    if message.md5_of_attributes is not None:
        result["MD5OfMessageAttributes"] = message.md5_of_attributes
    if message.md5_of_system_attributes is not None:
        result["MD5OfMessageSystemAttributes"] = message.md5_of_system_attributes
    if outcome.sequence_number is not None:
        result["SequenceNumber"] = outcome.sequence_number
    return result
