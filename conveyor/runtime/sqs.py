"""The few SQS calls the runtime makes, batched in tens, over any boto3 SQS client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RECEIVE_ATTRIBUTES = ["All"]


@dataclass(frozen=True)
class QueueInfo:
    url: str
    arn: str
    fifo: bool
    visibility_timeout: int


def resolve_queue(client: Any, queue: str) -> QueueInfo:
    """Accept a queue name, URL or ARN, as Lambda's EventSourceArn (and our config) may name it."""
    if queue.startswith(("http://", "https://")):
        url = queue
    elif queue.startswith("arn:"):
        parts = queue.split(":")
        url = client.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
    else:
        url = client.get_queue_url(QueueName=queue)["QueueUrl"]
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return QueueInfo(url=url, arn=attributes["QueueArn"], fifo=attributes.get("FifoQueue") == "true",
                     visibility_timeout=int(attributes.get("VisibilityTimeout", "30")))


def receive(client: Any, url: str, max_messages: int, wait_seconds: int) -> list[dict[str, Any]]:
    response = client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_seconds,
        MessageSystemAttributeNames=RECEIVE_ATTRIBUTES, MessageAttributeNames=["All"],
    )
    return response.get("Messages", [])


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + 10] for i in range(0, len(items), 10)]


def delete(client: Any, url: str, handles: list[str]) -> int:
    """Delete by receipt handle; returns how many SQS refused (e.g. a handle gone stale)."""
    failed = 0
    for chunk in _chunks(handles):
        entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)]
        failed += len(client.delete_message_batch(QueueUrl=url, Entries=entries).get("Failed", []))
    return failed


def change_visibility(client: Any, url: str, handles: dict[str, int]) -> int:
    """Set each receipt handle's visibility timeout (seconds); returns the number refused."""
    failed = 0
    for chunk in _chunks(list(handles.items())):
        entries = [{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": s} for i, (h, s) in enumerate(chunk)]
        failed += len(client.change_message_visibility_batch(QueueUrl=url, Entries=entries).get("Failed", []))
    return failed


def backlog(client: Any, url: str) -> int:
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"].get("ApproximateNumberOfMessages", "0"))
