"""Turn ReceiveMessage results into the exact event Lambda gives an SQS-triggered function."""

from __future__ import annotations

import base64
from typing import Any

# System attributes Lambda copies into ``attributes`` (when SQS returned them), in Lambda's order.
LAMBDA_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


def region_of(queue_arn: str) -> str:
    """``arn:aws:sqs:<region>:<account>:<name>`` → region."""
    parts = queue_arn.split(":")
    return parts[3] if len(parts) >= 6 else ""


def _b64(value: bytes | str) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS's ``{"StringValue"|"BinaryValue", "DataType"}`` → Lambda's camel-cased shape."""
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = _b64(value["BinaryValue"])
    out["stringListValues"] = list(value.get("StringListValues", []))
    out["binaryListValues"] = [_b64(v) for v in value.get("BinaryListValues", [])]
    out["dataType"] = value["DataType"]
    return out


def build_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One ``Records`` entry; every attribute value stays a string, as in Lambda."""
    system = message.get("Attributes", {})
    attributes = {name: str(system[name]) for name in LAMBDA_ATTRIBUTES if name in system}
    user = message.get("MessageAttributes") or {}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {name: message_attribute(value) for name, value in user.items()},
        "md5OfBody": message["MD5OfBody"],
    }
    if user and message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record["eventSource"] = "aws:sqs"
    record["eventSourceARN"] = queue_arn
    record["awsRegion"] = region_of(queue_arn)
    return record


def build_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}


def record_size(record: dict[str, Any]) -> int:
    """Approximate invocation payload bytes a record adds (for the 6 MB batch limit)."""
    size = len(record["body"].encode()) + len(record["receiptHandle"]) + 600
    for name, value in record["messageAttributes"].items():
        size += len(name) + len(value.get("stringValue", "")) + len(value.get("binaryValue", "")) + 80
    return size
