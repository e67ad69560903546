"""Time travel: every timed behaviour follows the manual clock, in-process and over HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from conveyor.testing import ConveyorServer
from tests.support.process import ServerProcess


@pytest.fixture
def server() -> Iterator[ConveyorServer]:
    with ConveyorServer(clock="manual") as embedded:
        yield embedded


def bodies(sqs: Any, url: str, **kwargs: Any) -> list[str]:
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages", [])]


def test_visibility_delay_and_retention_follow_the_clock(server: ConveyorServer) -> None:
    sqs, clock = server.client(), server.manual_clock
    url = sqs.create_queue(QueueName="timed", Attributes={"MessageRetentionPeriod": "120"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="now")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    assert bodies(sqs, url, VisibilityTimeout=30) == ["now"]
    clock.advance(30)
    assert bodies(sqs, url, VisibilityTimeout=100) == ["now"]
    clock.advance(30)
    assert bodies(sqs, url, VisibilityTimeout=100) == ["later"]
    clock.advance(121)
    assert bodies(sqs, url) == []  # both past retention, never deleted by anyone


def test_dedup_window_closes_when_the_clock_passes_five_minutes(server: ConveyorServer) -> None:
    sqs, clock = server.client(), server.manual_clock
    url = sqs.create_queue(QueueName="d.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="x")
    clock.advance(299)
    again = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="x")
    assert again["MessageId"] == first["MessageId"]
    clock.advance(2)
    later = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="x")
    assert later["MessageId"] != first["MessageId"]


def test_waiting_long_poll_sees_the_clock_move(server: ConveyorServer) -> None:
    sqs, clock = server.client(), server.manual_clock
    url = sqs.create_queue(QueueName="poll")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=10)
    result: dict[str, Any] = {}

    def poll() -> None:
        result["messages"] = bodies(sqs, url, WaitTimeSeconds=20)

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.3)  # the poll is parked on the server; nothing happens while the clock stands still
    assert waiter.is_alive()
    clock.advance(10)
    waiter.join(5)
    assert not waiter.is_alive() and result["messages"] == ["soon"]


def test_move_task_rate_ticks_with_the_clock(server: ConveyorServer) -> None:
    sqs, clock = server.client(), server.manual_clock
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    source = sqs.create_queue(QueueName="source", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    source_arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for batch in range(3):
        sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": f"{batch}-{i}"} for i in range(10)])
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=source_arn, MaxNumberOfMessagesPerSecond=10)

    def moved() -> int:
        deadline = time.monotonic() + 3
        while True:  # the runner works on the server's thread: let it catch up with the clock
            task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
            if task["ApproximateNumberOfMessagesMoved"] == expected or time.monotonic() > deadline:
                return task["ApproximateNumberOfMessagesMoved"]
            time.sleep(0.02)

    for expected in (10, 20, 30):
        assert moved() == expected
        clock.advance(1)


def test_http_time_travel_endpoint() -> None:
    with ServerProcess(None, ["--store", "memory", "--time-travel"]) as process:
        endpoint = f"{process.endpoint_url}/_conveyor/clock"
        before = json.loads(urllib.request.urlopen(endpoint).read())["now"]
        request = urllib.request.Request(endpoint, data=json.dumps({"advance": 90}).encode(), method="POST")
        after = json.loads(urllib.request.urlopen(request).read())["now"]
        assert after - before == 90_000
        bad = urllib.request.Request(endpoint, data=b'{"advance": -1}', method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad)
        assert refused.value.code == 400


def test_time_travel_endpoint_is_off_by_default() -> None:
    with ServerProcess(None, ["--store", "memory"]) as process:
        request = urllib.request.Request(
            f"{process.endpoint_url}/_conveyor/clock", data=b'{"advance": 5}', method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 400 and b"InvalidAction" in refused.value.read()
