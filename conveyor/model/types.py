"""The records that cross the storage boundary. Plain data: no I/O, no wire format.

Times are epoch milliseconds; durations are milliseconds. Message attributes travel in their
storage encoding (see :mod:`conveyor.model.message_attributes`) so that storage never needs
to understand them and the hot path decodes them only when a receive asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class QueueRecord:
    """A queue as storage keeps it. ``attributes`` holds only the settable SQS attributes."""

    queue_id: int
    account_id: str
    name: str
    attributes: dict[str, str]
    tags: dict[str, str]
    created_at: int
    modified_at: int
    purged_at: int | None = None

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"

    def int_attribute(self, name: str) -> int:
        return int(self.attributes[name])


@dataclass(slots=True)
class NewMessage:
    """A validated message ready to be stored."""

    message_id: str
    body: str
    md5_of_body: str
    delay_ms: int
    sender_id: str
    attributes: str | None = None  # storage encoding of the message attributes
    md5_of_attributes: str | None = None
    system_attributes: str | None = None  # storage encoding (AWSTraceHeader)
    md5_of_system_attributes: str | None = None
    group_id: str | None = None
    dedup_id: str | None = None


@dataclass(slots=True)
class SendOutcome:
    message_id: str
    sequence_number: str | None = None


@dataclass(slots=True)
class StoredMessage:
    """A message as handed out by a receive (or a peek)."""

    message_id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    sent_at: int
    receive_count: int
    first_receive_at: int
    sender_id: str
    attributes: str | None = None
    md5_of_attributes: str | None = None
    system_attributes: str | None = None
    md5_of_system_attributes: str | None = None
    group_id: str | None = None
    dedup_id: str | None = None
    sequence_number: str | None = None
    dead_letter_source_arn: str | None = None


@dataclass(slots=True)
class QueueStats:
    visible: int = 0
    in_flight: int = 0
    delayed: int = 0


@dataclass(slots=True)
class Redrive:
    """A source queue's dead-lettering: messages received this often go to the DLQ instead."""

    dead_letter_queue: QueueRecord
    max_receive_count: int
    source_arn: str


@dataclass(slots=True)
class ReceiveRequest:
    """Everything storage needs to hand out messages atomically."""

    max_messages: int
    visibility_ms: int
    retention_ms: int
    attempt_id: str | None = None
    redrive: Redrive | None = None


@dataclass(slots=True)
class MoveTask:
    """A message move task (DLQ redrive). ``up_to_key`` bounds it to the messages present at its start."""

    task_id: str
    source_queue_id: int
    source_arn: str
    destination_arn: str | None
    max_rate: int | None
    status: str
    started_at: int
    moved: int
    to_move: int
    up_to_key: int
    failure_reason: str | None = None


@dataclass(slots=True)
class VisibilityChange:
    receipt_handle: str
    visibility_ms: int
