"""Realistic requests and results for every SQS action, shared by the codec tests.

Values are as botocore's users write them (blobs as ``bytes``); :func:`to_wire` gives the
JSON protocol's form the action layer sees (blobs as base64 text).
"""

from __future__ import annotations

import base64
from typing import Any

Q = "http://localhost:9324/000000000000/orders"
Q2 = "http://localhost:9324/000000000000/orders-dlq"
ARN = "arn:aws:sqs:us-east-1:000000000000:orders-dlq"
AWKWARD = "a <b> & \"c\" 'd' \r\n\t tab ]]> 😀 é \u2028 end\r"

MESSAGE_ATTRIBUTES: dict[str, Any] = {
    "str": {"DataType": "String", "StringValue": "v <&>"},
    "num": {"DataType": "Number.int", "StringValue": "42"},
    "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
}

REQUESTS: dict[str, dict[str, Any]] = {
    "AddPermission": {
        "QueueUrl": Q,
        "Label": "grant-1",
        "AWSAccountIds": ["111122223333", "444455556666"],
        "Actions": ["SendMessage", "ReceiveMessage"],
    },
    "CancelMessageMoveTask": {"TaskHandle": "eyJ0YXNrSWQiOiIxIn0="},
    "ChangeMessageVisibility": {"QueueUrl": Q, "ReceiptHandle": "rh-1", "VisibilityTimeout": 30},
    "ChangeMessageVisibilityBatch": {
        "QueueUrl": Q,
        "Entries": [
            {"Id": "a", "ReceiptHandle": "rh-1", "VisibilityTimeout": 0},
            {"Id": "b", "ReceiptHandle": "rh-2", "VisibilityTimeout": 43200},
        ],
    },
    "CreateQueue": {
        "QueueName": "orders.fifo",
        "Attributes": {"FifoQueue": "true", "VisibilityTimeout": "45", "Policy": '{"Version": "2012-10-17"}'},
        "tags": {"team": "payments", "env": "dev"},
    },
    "DeleteMessage": {"QueueUrl": Q, "ReceiptHandle": "rh-1"},
    "DeleteMessageBatch": {
        "QueueUrl": Q,
        "Entries": [{"Id": "1", "ReceiptHandle": "rh-1"}, {"Id": "2", "ReceiptHandle": "rh-2"}],
    },
    "DeleteQueue": {"QueueUrl": Q},
    "GetQueueAttributes": {"QueueUrl": Q, "AttributeNames": ["QueueArn", "ApproximateNumberOfMessages"]},
    "GetQueueUrl": {"QueueName": "orders", "QueueOwnerAWSAccountId": "000000000000"},
    "ListDeadLetterSourceQueues": {"QueueUrl": Q2, "NextToken": "tok", "MaxResults": 10},
    "ListMessageMoveTasks": {"SourceArn": ARN, "MaxResults": 5},
    "ListQueueTags": {"QueueUrl": Q},
    "ListQueues": {"QueueNamePrefix": "ord", "NextToken": "tok", "MaxResults": 1000},
    "PurgeQueue": {"QueueUrl": Q},
    "ReceiveMessage": {
        "QueueUrl": Q,
        "AttributeNames": ["All"],
        "MessageAttributeNames": ["str", "bin.*"],
        "MaxNumberOfMessages": 10,
        "VisibilityTimeout": 60,
        "WaitTimeSeconds": 20,
        "ReceiveRequestAttemptId": "attempt-1",
    },
    "RemovePermission": {"QueueUrl": Q, "Label": "grant-1"},
    "SendMessage": {
        "QueueUrl": Q,
        "MessageBody": AWKWARD,
        "DelaySeconds": 5,
        "MessageAttributes": MESSAGE_ATTRIBUTES,
        "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988"}},
        "MessageDeduplicationId": "dedup-1",
        "MessageGroupId": "group-1",
    },
    "SendMessageBatch": {
        "QueueUrl": Q,
        "Entries": [
            {"Id": "m1", "MessageBody": "first", "DelaySeconds": 0, "MessageAttributes": MESSAGE_ATTRIBUTES},
            {
                "Id": "m2",
                "MessageBody": AWKWARD,
                "MessageGroupId": "g",
                "MessageDeduplicationId": "d",
                "MessageAttributes": {"list": {"DataType": "String", "StringListValues": ["x", "y"]}},
                "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}},
            },
        ],
    },
    "SetQueueAttributes": {"QueueUrl": Q, "Attributes": {"DelaySeconds": "10", "RedrivePolicy": "{}"}},
    "StartMessageMoveTask": {"SourceArn": ARN, "DestinationArn": ARN + "-2", "MaxNumberOfMessagesPerSecond": 50},
    "TagQueue": {"QueueUrl": Q, "Tags": {"team": "payments", "cost-center": "42"}},
    "UntagQueue": {"QueueUrl": Q, "TagKeys": ["team", "cost-center"]},
}

RESULTS: dict[str, dict[str, Any]] = {
    "CancelMessageMoveTask": {"ApproximateNumberOfMessagesMoved": 12},
    "ChangeMessageVisibilityBatch": {
        "Successful": [{"Id": "a"}],
        "Failed": [{"Id": "b", "SenderFault": True, "Code": "ReceiptHandleIsInvalid", "Message": "bad <handle>"}],
    },
    "CreateQueue": {"QueueUrl": Q},
    "DeleteMessageBatch": {
        "Successful": [{"Id": "1"}],
        "Failed": [{"Id": "2", "SenderFault": False, "Code": "InternalError", "Message": "try again"}],
    },
    "GetQueueAttributes": {
        "Attributes": {"QueueArn": ARN, "VisibilityTimeout": "30", "Policy": '{"a": "<&>"}'},
    },
    "GetQueueUrl": {"QueueUrl": Q},
    "ListDeadLetterSourceQueues": {"queueUrls": [Q, Q2], "NextToken": "next"},
    "ListMessageMoveTasks": {
        "Results": [
            {
                "TaskHandle": "h1",
                "Status": "RUNNING",
                "SourceArn": ARN,
                "DestinationArn": ARN + "-2",
                "MaxNumberOfMessagesPerSecond": 10,
                "ApproximateNumberOfMessagesMoved": 5,
                "ApproximateNumberOfMessagesToMove": 100,
                "StartedTimestamp": 1700000000000,
            },
            {
                "Status": "FAILED",
                "SourceArn": ARN,
                "FailureReason": "AccessDenied",
                "ApproximateNumberOfMessagesMoved": 0,
                "StartedTimestamp": 1600000000000,
            },
        ]
    },
    "ListQueueTags": {"Tags": {"team": "payments", "note": "a & b"}},
    "ListQueues": {"QueueUrls": [Q, Q2], "NextToken": "next"},
    "ReceiveMessage": {
        "Messages": [
            {
                "MessageId": "5fea7756-0ea4-451a-a703-a558b933e274",
                "ReceiptHandle": "MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljT",
                "MD5OfBody": "fafb00f5732ab283681e124bf8747ed1",
                "Body": AWKWARD,
                "Attributes": {"SenderId": "AIDAIT2UOQQY3AUEKVGXU", "SentTimestamp": "1700000000000"},
                "MD5OfMessageAttributes": "3ae8f24a165a8cedc005670c81a27295",
                "MessageAttributes": MESSAGE_ATTRIBUTES,
            },
            {"MessageId": "m2", "ReceiptHandle": "rh-2", "MD5OfBody": "x", "Body": "second"},
        ]
    },
    "SendMessage": {
        "MD5OfMessageBody": "fafb00f5732ab283681e124bf8747ed1",
        "MD5OfMessageAttributes": "3ae8f24a165a8cedc005670c81a27295",
        "MD5OfMessageSystemAttributes": "5ae4d5d7636402d80f4eb6d213245a88",
        "MessageId": "219f8380-5770-4cc2-8c3e-5c715e145f5e",
        "SequenceNumber": "18849496460467696128",
    },
    "SendMessageBatch": {
        "Successful": [{"Id": "m1", "MessageId": "id-1", "MD5OfMessageBody": "x", "SequenceNumber": "1"}],
        "Failed": [{"Id": "m2", "SenderFault": True, "Code": "InvalidMessageContents", "Message": "bad"}],
    },
    "StartMessageMoveTask": {"TaskHandle": "h1"},
}


def to_wire(value: Any) -> Any:
    """Blobs (bytes) -> base64 text, recursively: the JSON protocol's form."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def without_empty(value: Any) -> Any:
    """Drop empty lists/maps, which the query protocol cannot tell from absent members."""
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v not in ([], {})}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value
