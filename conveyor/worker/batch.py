"""Batched SQS calls on in-flight messages (heartbeats, hand-backs, deletes): ten entries per request."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from conveyor.idempotency.context import MessageContext

SQS_BATCH_LIMIT = 10
T = TypeVar("T")

QUEUED, RUNNING, FINISHED, HANDED_BACK = "queued", "running", "finished", "handed_back"


@dataclass(eq=False)
class InFlight:
    """A received message on its way through the worker; ``state`` changes under the worker's lock."""

    message: Mapping[str, Any]
    context: MessageContext
    state: str = QUEUED
    next_beat: float = 0.0

    @property
    def message_id(self) -> str:
        return self.message["MessageId"]

    @property
    def receipt_handle(self) -> str:
        return self.message["ReceiptHandle"]

    @property
    def receive_count(self) -> int:
        return int(self.message.get("Attributes", {}).get("ApproximateReceiveCount", 1))


def chunks(items: Sequence[T], size: int = SQS_BATCH_LIMIT) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _call(operation: Any, queue_url: str, jobs: Sequence[InFlight], **extra: Any) -> list[tuple[InFlight, str]]:
    """One batch request per ten jobs; returns the jobs SQS refused, with its reason."""
    failures: list[tuple[InFlight, str]] = []
    for chunk in chunks(jobs):
        entries = [{"Id": str(index), "ReceiptHandle": job.receipt_handle, **extra} for index, job in enumerate(chunk)]
        response = operation(QueueUrl=queue_url, Entries=entries)
        for failed in response.get("Failed", []):
            failures.append((chunk[int(failed["Id"])], f"{failed.get('Code')}: {failed.get('Message', '')}"))
    return failures


def change_visibility(sqs: Any, queue_url: str, jobs: Sequence[InFlight], timeout: int) -> list[tuple[InFlight, str]]:
    return _call(sqs.change_message_visibility_batch, queue_url, jobs, VisibilityTimeout=timeout)


def delete(sqs: Any, queue_url: str, jobs: Sequence[InFlight]) -> list[tuple[InFlight, str]]:
    return _call(sqs.delete_message_batch, queue_url, jobs)
