"""ReceiveMessage on a manual clock: visibility, system and message attributes, delays, retention,
long polling. Nothing here sleeps; time moves only when a test advances the clock."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import (
    attributes_md5,
    expect_error,
    queue_counts,
    receive_all,
    start_long_poll,
    unique_name,
)

SYSTEM_NAMES = {"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"}


def receive(sqs: Any, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    return sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])


# ------------------------------------------------------------------------------------ visibility


def test_queue_default_visibility_timeout(sqs: Any, make_queue: Any, clock: Any) -> None:
    url = make_queue({"VisibilityTimeout": "20"})
    sqs.send_message(QueueUrl=url, MessageBody="m")
    (first,) = receive(sqs, url)
    assert receive(sqs, url) == []
    clock.advance(19)
    assert receive(sqs, url) == []
    assert queue_counts(sqs, url) == (0, 1, 0)
    clock.advance(1)
    (again,) = receive(sqs, url)
    assert again["MessageId"] == first["MessageId"]
    assert again["ReceiptHandle"] != first["ReceiptHandle"]


def test_per_receive_visibility_timeout(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="m")
    receive(sqs, queue_url, VisibilityTimeout=5)
    clock.advance(5)
    assert len(receive(sqs, queue_url, VisibilityTimeout=100)) == 1
    clock.advance(99)
    assert receive(sqs, queue_url) == []
    clock.advance(1)
    assert len(receive(sqs, queue_url, VisibilityTimeout=0)) == 1
    # visibility 0: visible again at once
    assert len(receive(sqs, queue_url)) == 1


def test_redelivery_counts_and_timestamps(sqs: Any, queue_url: str, clock: Any) -> None:
    sent_at = clock.now()
    sqs.send_message(QueueUrl=queue_url, MessageBody="counted")
    clock.advance(3)
    first_receive_at = clock.now()
    counts = []
    for _ in range(3):
        (message,) = receive(sqs, queue_url, AttributeNames=["All"], VisibilityTimeout=10)
        attrs = message["Attributes"]
        assert set(attrs) == SYSTEM_NAMES
        assert attrs["SentTimestamp"] == str(sent_at)
        assert attrs["ApproximateFirstReceiveTimestamp"] == str(first_receive_at)
        assert attrs["SenderId"]
        counts.append(attrs["ApproximateReceiveCount"])
        clock.advance(10)
    assert counts == ["1", "2", "3"]


@pytest.mark.parametrize("name", sorted(SYSTEM_NAMES))
def test_single_system_attribute_by_attribute_names(sqs: Any, queue_url: str, name: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="m")
    (message,) = receive(sqs, queue_url, AttributeNames=[name])
    assert set(message["Attributes"]) == {name}


def test_no_system_attributes_unless_asked(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="m")
    (message,) = receive(sqs, queue_url)
    assert "Attributes" not in message


def test_message_system_attribute_names(clients: dict[str, Any], make_queue: Any) -> None:
    """The newer ``MessageSystemAttributeNames`` (JSON clients only: the query model predates it)."""
    sqs = clients["json"]
    url = make_queue()
    trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}}
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageSystemAttributes=trace)
    (message,) = receive(sqs, url, MessageSystemAttributeNames=["SentTimestamp", "AWSTraceHeader"], VisibilityTimeout=0)
    assert message["Attributes"] == {
        "SentTimestamp": message["Attributes"]["SentTimestamp"],
        "AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793",
    }
    (message,) = receive(sqs, url, MessageSystemAttributeNames=["All"])
    assert set(message["Attributes"]) == SYSTEM_NAMES | {"AWSTraceHeader"}


def test_unknown_system_attribute_name(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="m")
    expect_error(sqs.receive_message, "InvalidAttributeName", 400, shape="InvalidAttributeName", client=sqs,
                 QueueUrl=queue_url, AttributeNames=["NotAnAttribute"])  # fmt: skip
    assert queue_counts(sqs, queue_url) == (1, 0, 0)


# ------------------------------------------------------------------------------------ message attributes

MESSAGE_ATTRIBUTES = {
    "order.id": {"DataType": "String", "StringValue": "o-1"},
    "order.total": {"DataType": "Number", "StringValue": "99.5"},
    "orderly": {"DataType": "String", "StringValue": "not in the order.* prefix"},
    "trace": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
}


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (["All"], set(MESSAGE_ATTRIBUTES)),
        ([".*"], set(MESSAGE_ATTRIBUTES)),
        (["trace"], {"trace"}),
        (["trace", "orderly", "missing"], {"trace", "orderly"}),
        (["order.*"], {"order.id", "order.total"}),
        (["order.*", "trace"], {"order.id", "order.total", "trace"}),
        (["missing"], set()),
        ([], set()),
    ],
)
def test_message_attribute_names_selection(sqs: Any, queue_url: str, requested: list[str], expected: set) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="m", MessageAttributes=MESSAGE_ATTRIBUTES)
    (message,) = receive(sqs, queue_url, MessageAttributeNames=requested)
    if not expected:
        assert "MessageAttributes" not in message
        assert "MD5OfMessageAttributes" not in message
        return
    assert set(message["MessageAttributes"]) == expected
    chosen = {name: MESSAGE_ATTRIBUTES[name] for name in expected}
    assert message["MessageAttributes"] == chosen
    assert message["MD5OfMessageAttributes"] == attributes_md5(chosen)


# ------------------------------------------------------------------------------------ counts and ranges


def test_max_number_of_messages(sqs: Any, queue_url: str) -> None:
    sqs.send_message_batch(QueueUrl=queue_url, Entries=[{"Id": f"a{i}", "MessageBody": f"a{i}"} for i in range(10)])
    sqs.send_message_batch(QueueUrl=queue_url, Entries=[{"Id": f"b{i}", "MessageBody": f"b{i}"} for i in range(5)])
    assert len(receive(sqs, queue_url)) == 1  # default: one
    assert len(receive(sqs, queue_url, MaxNumberOfMessages=1)) == 1
    assert len(receive(sqs, queue_url, MaxNumberOfMessages=3)) == 3
    assert len(receive(sqs, queue_url, MaxNumberOfMessages=10)) == 10
    assert queue_counts(sqs, queue_url) == (0, 15, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"MaxNumberOfMessages": 0},
        {"MaxNumberOfMessages": 11},
        {"MaxNumberOfMessages": -1},
        {"VisibilityTimeout": -1},
        {"VisibilityTimeout": 43_201},
        {"WaitTimeSeconds": -1},
        {"WaitTimeSeconds": 21},
    ],
    ids=lambda kwargs: "-".join(f"{k}={v}" for k, v in kwargs.items()),
)
def test_receive_parameters_out_of_range(sqs: Any, queue_url: str, kwargs: dict[str, int]) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="untouched")
    expect_error(sqs.receive_message, "InvalidParameterValue", 400, QueueUrl=queue_url, **kwargs)
    assert queue_counts(sqs, queue_url) == (1, 0, 0)  # nothing was received


def test_receive_from_missing_queue(sqs: Any, server: Any) -> None:
    expect_error(sqs.receive_message, "AWS.SimpleQueueService.NonExistentQueue", 400, shape="QueueDoesNotExist",
                 client=sqs, QueueUrl=server.queue_url(unique_name()))  # fmt: skip


# ------------------------------------------------------------------------------------ delays and retention


def test_queue_delay_seconds(sqs: Any, make_queue: Any, clock: Any) -> None:
    url = make_queue({"DelaySeconds": "15"})
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="own delay", DelaySeconds=5)
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    assert queue_counts(sqs, url) == (1, 0, 2)
    assert [m["Body"] for m in receive_all(sqs, url, VisibilityTimeout=600)] == ["no delay"]
    clock.advance(5)
    assert [m["Body"] for m in receive_all(sqs, url, VisibilityTimeout=600)] == ["own delay"]
    clock.advance(9)
    assert receive_all(sqs, url) == []
    clock.advance(1)
    assert [m["Body"] for m in receive_all(sqs, url, VisibilityTimeout=600)] == ["queue delay"]


def test_retention_period(sqs: Any, make_queue: Any, clock: Any) -> None:
    url = make_queue({"MessageRetentionPeriod": "60"})
    sqs.send_message(QueueUrl=url, MessageBody="old")
    clock.advance(30)
    sqs.send_message(QueueUrl=url, MessageBody="younger")
    assert queue_counts(sqs, url) == (2, 0, 0)
    clock.advance(31)
    assert queue_counts(sqs, url) == (1, 0, 0)
    assert [m["Body"] for m in receive(sqs, url, MaxNumberOfMessages=10, VisibilityTimeout=0)] == ["younger"]
    clock.advance(30)
    assert queue_counts(sqs, url) == (0, 0, 0)
    assert receive_all(sqs, url) == []


def test_in_flight_message_expires_with_retention(sqs: Any, make_queue: Any, clock: Any) -> None:
    url = make_queue({"MessageRetentionPeriod": "60"})
    sqs.send_message(QueueUrl=url, MessageBody="held")
    (message,) = receive(sqs, url, VisibilityTimeout=600)
    clock.advance(61)
    assert queue_counts(sqs, url) == (0, 0, 0)
    clock.advance(600)
    assert receive_all(sqs, url) == []
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])  # harmless


# ------------------------------------------------------------------------------------ long polling


def test_long_poll_returns_promptly_when_a_message_arrives(
    sqs: Any, clients: dict[str, Any], server: Any, queue_url: str, clock: Any, protocol: str
) -> None:
    other = clients["query" if protocol == "json" else "json"]
    before = clock.now()
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20))
    sent_at = time.monotonic()
    sqs_id = other.send_message(QueueUrl=queue_url, MessageBody="wake up")["MessageId"]
    result = poll.join(5)
    assert poll.finished_at is not None
    assert poll.finished_at - sent_at < 1.0
    assert [m["MessageId"] for m in result["Messages"]] == [sqs_id]
    assert clock.now() == before  # nobody moved the clock: the send woke it


def test_long_poll_batch_send_wakes_with_several(sqs: Any, server: Any, queue_url: str) -> None:
    poll = start_long_poll(
        server, lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20, MaxNumberOfMessages=10)
    )
    sqs.send_message_batch(QueueUrl=queue_url, Entries=[{"Id": f"m{i}", "MessageBody": str(i)} for i in range(3)])
    messages = poll.join(5).get("Messages", [])
    assert 1 <= len(messages) <= 3
    assert len(messages) + len(receive_all(sqs, queue_url)) == 3


def test_long_poll_returns_when_in_flight_message_becomes_visible(
    sqs: Any, server: Any, queue_url: str, clock: Any
) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="again")
    (first,) = receive(sqs, queue_url, VisibilityTimeout=10)
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20))
    clock.advance(9)
    time.sleep(0.05)  # give a wrong early return the chance to show
    assert not poll.done
    clock.advance(1)
    (again,) = poll.join(5)["Messages"]
    assert again["MessageId"] == first["MessageId"]


def test_long_poll_returns_when_a_delay_ends(sqs: Any, server: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="delayed", DelaySeconds=5)
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20))
    clock.advance(5)
    assert [m["Body"] for m in poll.join(5)["Messages"]] == ["delayed"]


def test_long_poll_delayed_send_during_wait(sqs: Any, server: Any, queue_url: str, clock: Any) -> None:
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20))
    sqs.send_message(QueueUrl=queue_url, MessageBody="soon", DelaySeconds=3)
    time.sleep(0.05)
    assert not poll.done  # a delayed message does not end the wait
    clock.advance(3)
    assert [m["Body"] for m in poll.join(5)["Messages"]] == ["soon"]


def test_long_poll_times_out_empty(sqs: Any, server: Any, queue_url: str, clock: Any) -> None:
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20))
    clock.advance(19)
    time.sleep(0.05)
    assert not poll.done
    clock.advance(1)
    assert poll.join(5).get("Messages", []) == []


def test_queue_receive_wait_time_is_the_default(sqs: Any, server: Any, make_queue: Any, clock: Any) -> None:
    url = make_queue({"ReceiveMessageWaitTimeSeconds": "10"})
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=url))
    clock.advance(10)
    assert poll.join(5).get("Messages", []) == []
    # and the request's own WaitTimeSeconds=0 overrides it: a short poll
    started = time.monotonic()
    assert receive(sqs, url, WaitTimeSeconds=0) == []
    assert time.monotonic() - started < 1.0


def test_queue_receive_wait_time_woken_by_send(sqs: Any, server: Any, make_queue: Any) -> None:
    url = make_queue({"ReceiveMessageWaitTimeSeconds": "20"})
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=url))
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert [m["Body"] for m in poll.join(5)["Messages"]] == ["hello"]


def test_long_poll_on_deleted_queue_returns(sqs: Any, server: Any, queue_url: str) -> None:
    poll = start_long_poll(server, lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20))
    sqs.delete_queue(QueueUrl=queue_url)
    try:  # AWS documents neither answer: empty, or the queue is gone; it must not hang
        result = poll.join(5)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    else:
        assert result.get("Messages", []) == []


def test_shorter_retention_applies_to_messages_already_queued(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="old")
    clock.advance(120)
    sqs.send_message(QueueUrl=queue_url, MessageBody="new")
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"MessageRetentionPeriod": "60"})
    assert [m["Body"] for m in receive_all(sqs, queue_url)] == ["new"]


def test_queue_visibility_change_does_not_touch_messages_in_flight(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="m")
    receive(sqs, queue_url)  # queue default: 30 s
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "300"})
    clock.advance(30)
    (message,) = receive(sqs, queue_url, AttributeNames=["ApproximateReceiveCount"])
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"
    clock.advance(299)
    assert receive(sqs, queue_url) == []
    clock.advance(1)
    assert len(receive(sqs, queue_url)) == 1
