"""Bad input, action by action: the exact error user code sees, and nothing changed afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import expect_error, queue_counts, unique_name

NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"


def assert_no_queue(sqs: Any, name: str) -> None:
    expect_error(sqs.get_queue_url, NON_EXISTENT, 400, QueueName=name)


# ------------------------------------------------------------------------------------ queue names


@pytest.mark.parametrize(
    "name",
    ["has space", "a" * 81, "dots.in.name", "émoji-🎉", "slash/name", "star*", "x" * 76 + ".fifo.fifo", ".fifo"],
    ids=["space", "81-chars", "dots", "non-ascii", "slash", "star", "double-fifo", "only-suffix"],
)
def test_bad_queue_names(sqs: Any, name: str) -> None:
    attributes = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
    expect_error(sqs.create_queue, "InvalidParameterValue", 400, QueueName=name, Attributes=attributes)


def test_longest_names_are_accepted(sqs: Any) -> None:
    standard = unique_name("n").ljust(80, "x")
    fifo = unique_name("f").ljust(75, "y") + ".fifo"
    assert sqs.create_queue(QueueName=standard)["QueueUrl"].endswith("/" + standard)
    assert sqs.create_queue(QueueName=fifo, Attributes={"FifoQueue": "true"})["QueueUrl"].endswith("/" + fifo)


def test_fifo_name_without_fifo_attribute(sqs: Any) -> None:
    name = unique_name() + ".fifo"
    expect_error(sqs.create_queue, "InvalidParameterValue", 400, QueueName=name)
    expect_error(sqs.create_queue, "InvalidParameterValue", 400, QueueName=name, Attributes={"FifoQueue": "false"})
    assert_no_queue(sqs, name)


def test_fifo_attribute_without_fifo_name(sqs: Any) -> None:
    name = unique_name()
    expect_error(sqs.create_queue, "InvalidParameterValue", 400, QueueName=name, Attributes={"FifoQueue": "true"})
    assert_no_queue(sqs, name)


# ------------------------------------------------------------------------------------ queue attributes


@pytest.mark.parametrize(
    "attributes",
    [
        {"Colour": "blue"},
        {"VisibilityTimeout": "30", "visibilitytimeout": "30"},
        {"ContentBasedDeduplication": "true"},  # FIFO-only, on a standard queue
        {"DeduplicationScope": "queue"},
        {"ApproximateNumberOfMessages": "3"},  # read-only
        {"QueueArn": "arn:aws:sqs:us-east-1:000000000000:x"},
    ],
    ids=["unknown", "wrong-case", "fifo-only", "fifo-only-2", "read-only", "queue-arn"],
)
def test_create_queue_unknown_attribute(sqs: Any, attributes: dict[str, str]) -> None:
    name = unique_name()
    expect_error(sqs.create_queue, "InvalidAttributeName", 400, shape="InvalidAttributeName", client=sqs,
                 QueueName=name, Attributes=attributes)  # fmt: skip
    assert_no_queue(sqs, name)


BAD_VALUES = [
    ("VisibilityTimeout", "-1"),
    ("VisibilityTimeout", "43201"),
    ("VisibilityTimeout", "abc"),
    ("VisibilityTimeout", "1.5"),
    ("DelaySeconds", "901"),
    ("MessageRetentionPeriod", "59"),
    ("MessageRetentionPeriod", "1209601"),
    ("MaximumMessageSize", "1023"),
    ("MaximumMessageSize", "1048577"),
    ("ReceiveMessageWaitTimeSeconds", "21"),
    ("KmsDataKeyReusePeriodSeconds", "59"),
    ("SqsManagedSseEnabled", "yes"),
    ("Policy", "{not json"),
    ("RedrivePolicy", "[1, 2]"),  # not a JSON map; a map SQS can't accept is InvalidParameterValue
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=[f"{n}={v}" for n, v in BAD_VALUES])
def test_create_queue_bad_attribute_value(sqs: Any, name: str, value: str) -> None:
    queue = unique_name()
    expect_error(sqs.create_queue, "InvalidAttributeValue", 400, shape="InvalidAttributeValue", client=sqs,
                 QueueName=queue, Attributes={name: value})  # fmt: skip
    assert_no_queue(sqs, queue)


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=[f"{n}={v}" for n, v in BAD_VALUES])
def test_set_queue_attributes_bad_value(sqs: Any, queue_url: str, name: str, value: str) -> None:
    before = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    expect_error(sqs.set_queue_attributes, "InvalidAttributeValue", 400, QueueUrl=queue_url,
                 Attributes={"DelaySeconds": "5", name: value})  # fmt: skip
    after = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert after == before


def test_boundary_attribute_values_are_accepted(sqs: Any) -> None:
    low = {"VisibilityTimeout": "0", "DelaySeconds": "0", "MessageRetentionPeriod": "60",
           "MaximumMessageSize": "1024", "ReceiveMessageWaitTimeSeconds": "0"}  # fmt: skip
    high = {"VisibilityTimeout": "43200", "DelaySeconds": "900", "MessageRetentionPeriod": "1209600",
            "MaximumMessageSize": "1048576", "ReceiveMessageWaitTimeSeconds": "20"}  # fmt: skip
    for attributes in (low, high):
        url = sqs.create_queue(QueueName=unique_name(), Attributes=attributes)["QueueUrl"]
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(attributes))["Attributes"]
        assert got == attributes


# ------------------------------------------------------------------------------------ message attributes

BAD_MESSAGE_ATTRIBUTES = {
    "eleven": {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    "aws-prefix": {"AWS.thing": {"DataType": "String", "StringValue": "v"}},
    "amazon-prefix": {"Amazon.thing": {"DataType": "String", "StringValue": "v"}},
    "bad-chars": {"bad name": {"DataType": "String", "StringValue": "v"}},
    "leading-period": {".x": {"DataType": "String", "StringValue": "v"}},
    "trailing-period": {"x.": {"DataType": "String", "StringValue": "v"}},
    "double-period": {"a..b": {"DataType": "String", "StringValue": "v"}},
    "long-name": {"n" * 257: {"DataType": "String", "StringValue": "v"}},
    "bad-type": {"x": {"DataType": "Float", "StringValue": "1.5"}},
    "empty-type": {"x": {"DataType": "", "StringValue": "v"}},
    "not-a-number": {"x": {"DataType": "Number", "StringValue": "twelve"}},
    "too-precise": {"x": {"DataType": "Number", "StringValue": "1" * 39}},
    "empty-string": {"x": {"DataType": "String", "StringValue": ""}},
    "no-value": {"x": {"DataType": "String"}},
    "string-for-binary": {"x": {"DataType": "Binary", "StringValue": "text"}},
    "bad-chars-in-value": {"x": {"DataType": "String", "StringValue": "\x00"}},
}


@pytest.mark.parametrize("case", sorted(BAD_MESSAGE_ATTRIBUTES))
def test_bad_message_attributes(sqs: Any, queue_url: str, case: str) -> None:
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=queue_url, MessageBody="m",
                 MessageAttributes=BAD_MESSAGE_ATTRIBUTES[case])  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_ten_message_attributes_and_edge_names_are_accepted(sqs: Any, queue_url: str) -> None:
    attributes = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(8)}
    attributes["with-dash_and.dot"] = {"DataType": "Number", "StringValue": "1" * 38}
    attributes["n" * 256] = {"DataType": "Number.int", "StringValue": "-0.5E+10"}
    sqs.send_message(QueueUrl=queue_url, MessageBody="m", MessageAttributes=attributes)
    (message,) = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"] == attributes


# ------------------------------------------------------------------------------------ send parameters


@pytest.mark.parametrize("delay", [-1, 901])
def test_send_delay_out_of_range(sqs: Any, queue_url: str, delay: int) -> None:
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=queue_url, MessageBody="m",
                 DelaySeconds=delay)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_deduplication_id_on_standard_queue(sqs: Any, queue_url: str) -> None:
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=queue_url, MessageBody="m",
                 MessageDeduplicationId="d1")  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_fifo_send_needs_group_and_no_message_delay(sqs: Any, make_queue: Any) -> None:
    url = make_queue({"ContentBasedDeduplication": "true"}, fifo=True)
    expect_error(sqs.send_message, "MissingParameter", 400, QueueUrl=url, MessageBody="m")
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url, MessageBody="m",
                 MessageGroupId="g", DelaySeconds=5)  # fmt: skip
    assert queue_counts(sqs, url) == (0, 0, 0)
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="g")
    assert queue_counts(sqs, url) == (1, 0, 0)


# ------------------------------------------------------------------------------------ queue URLs


def test_queue_url_of_unknown_account(sqs: Any, queue_url: str, server: Any) -> None:
    name = queue_url.rsplit("/", 1)[1]
    other = f"{server.endpoint_url}/111122223333/{name}"
    expect_error(sqs.send_message, NON_EXISTENT, 400, QueueUrl=other, MessageBody="m")
    assert queue_counts(sqs, queue_url) == (0, 0, 0)
