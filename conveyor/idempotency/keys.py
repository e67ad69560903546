"""Where an idempotency key comes from: the SQS message id, the FIFO deduplication id, or the payload.

A key source gets the handler's *subject*: the argument the decorator looks at (``body`` in
``handle(self, body)``). When the subject is a raw SQS message (a mapping with ``MessageId``) the
ids come from it; otherwise they come from the message a consumer is handling right now
(:mod:`conveyor.idempotency.context`), so a handler that only sees the decoded body still works.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from conveyor.idempotency.context import current_message_context

KeySource = Callable[[Any], object]


class IdempotencyKeyError(ValueError):
    """No key could be made for a call: refusing to guess beats running a duplicate twice."""


def _is_sqs_message(value: object) -> bool:
    return isinstance(value, Mapping) and "MessageId" in value and ("Body" in value or "ReceiptHandle" in value)


def message_of(subject: object) -> Mapping[str, Any] | None:
    """The SQS message behind ``subject``: itself if it is one, else the consumer's current message."""
    if _is_sqs_message(subject):
        return subject  # type: ignore[return-value]
    context = current_message_context()
    return context.message if context is not None else None


def payload_of(subject: object) -> Any:
    """The JSON payload: a raw message's decoded body, a JSON string decoded, or the value as it is."""
    if _is_sqs_message(subject):
        subject = subject["Body"]  # type: ignore[index]
    if isinstance(subject, str | bytes | bytearray):
        return json.loads(subject)
    return subject


def from_message_id(subject: object) -> str:
    message = message_of(subject)
    if message is None:
        raise IdempotencyKeyError("no SQS message to take a MessageId from")
    return message["MessageId"]


def from_dedup_id(subject: object) -> str:
    message = message_of(subject)
    dedup_id = None if message is None else message.get("Attributes", {}).get("MessageDeduplicationId")
    if dedup_id is None:
        raise IdempotencyKeyError("no MessageDeduplicationId: receive from a FIFO queue with that attribute requested")
    return dedup_id


def from_jmespath(expression: str) -> KeySource:
    import jmespath  # only decorators that use an expression need the library

    compiled = jmespath.compile(expression)

    def source(subject: object) -> object:
        return compiled.search(payload_of(subject))

    source.__name__ = f"jmespath({expression!r})"
    return source


NAMED_SOURCES: dict[str, KeySource] = {"message_id": from_message_id, "dedup_id": from_dedup_id}


def key_source(key: str | KeySource) -> KeySource:
    """``"message_id"``, ``"dedup_id"``, any other string as a JMESPath expression, or a callable."""
    if callable(key):
        return key
    return NAMED_SOURCES.get(key) or from_jmespath(key)


def key_text(value: object) -> str:
    """A stable text for a key value; structured values are canonical JSON so equal payloads agree."""
    if value is None or value == "":
        raise IdempotencyKeyError("the idempotency key is empty")
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
