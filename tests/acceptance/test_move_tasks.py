"""Message move tasks (DLQ redrive) through real SDK clients, on the session's manual clock.

The server's runner is a task on the server's own loop that paces itself on the manual clock, so a
test moves the clock and then polls ListMessageMoveTasks for a moment of real time while the runner
catches up (``wait_for_task``). Nothing here sleeps for the rate itself.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from conveyor.clock import ManualClock
from tests.acceptance.conftest import expect_error, queue_counts, receive_all
from tests.acceptance.test_dead_letters import VISIBILITY, arn_of, redrive_policy

CATCH_UP = 5.0  # seconds of real time the runner gets to react to a request or a clock move
NOT_FOUND = "ResourceNotFoundException"
UNSUPPORTED = "AWS.SimpleQueueService.UnsupportedOperation"


def tasks(sqs: Any, source_arn: str, max_results: int = 10) -> list[dict[str, Any]]:
    return sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=max_results).get("Results", [])


def wait_for_task(sqs: Any, source_arn: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The newest task of the source once ``done`` holds for it (polling in real time)."""
    deadline = time.monotonic() + CATCH_UP
    while True:
        newest = tasks(sqs, source_arn, 1)[0]
        if done(newest):
            return newest
        assert time.monotonic() < deadline, f"the move task never got there: {newest}"
        time.sleep(0.01)


def wait_for_status(sqs: Any, source_arn: str, status: str) -> dict[str, Any]:
    return wait_for_task(sqs, source_arn, lambda task: task["Status"] == status)


def settled(sqs: Any, source_arn: str, moved: int) -> dict[str, Any]:
    """Wait until ``moved`` messages are moved, then check the runner does not run ahead of the clock."""
    wait_for_task(sqs, source_arn, lambda task: task["ApproximateNumberOfMessagesMoved"] >= moved)
    time.sleep(0.05)
    task = tasks(sqs, source_arn, 1)[0]
    assert task["ApproximateNumberOfMessagesMoved"] == moved, task
    return task


def send_bodies(sqs: Any, url: str, bodies: list[str]) -> None:
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start:start + 10])]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")


def bodies_of(sqs: Any, url: str) -> list[str]:
    return sorted(message["Body"] for message in receive_all(sqs, url))


def make_dlq(sqs: Any, make_queue: Callable[..., str], *, fifo: bool = False,
             max_receive_count: int = 1) -> tuple[str, str, str]:
    """A DLQ and one source naming it: (dlq url, dlq arn, source url)."""
    dlq_url = make_queue(fifo=fifo, prefix="dlq")
    dlq_arn = arn_of(sqs, dlq_url)
    source_url = make_queue({"RedrivePolicy": redrive_policy(dlq_arn, max_receive_count),
                             "VisibilityTimeout": str(VISIBILITY)}, fifo=fifo, prefix="src")
    return dlq_url, dlq_arn, source_url


def dead_letter(sqs: Any, clock: ManualClock, source_url: str, bodies: list[str]) -> None:
    """Send ``bodies`` to a maxReceiveCount-1 source and receive them past it, into its DLQ."""
    send_bodies(sqs, source_url, bodies)
    assert len(receive_all(sqs, source_url)) == len(bodies)
    clock.advance(VISIBILITY + 1)
    for _ in range(len(bodies) // 10 + 2):
        if queue_counts(sqs, source_url) == (0, 0, 0):
            return
        assert sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10).get("Messages", []) == []
    raise AssertionError("the messages never reached the DLQ")


# ------------------------------------------------------------------------------------ moving


def test_redrive_back_to_each_original_source(sqs, make_queue, clock):
    dlq_url, dlq_arn, first_url = make_dlq(sqs, make_queue)
    second_url = make_queue({"RedrivePolicy": redrive_policy(dlq_arn, 1), "VisibilityTimeout": str(VISIBILITY)})
    dead_letter(sqs, clock, first_url, ["a1", "a2"])
    dead_letter(sqs, clock, second_url, ["b1", "b2", "b3"])
    dead = {m["Body"]: m for m in receive_all(sqs, dlq_url, AttributeNames=["All"])}
    clock.advance(VISIBILITY + 1)  # visible again in the DLQ
    assert sorted(dead) == ["a1", "a2", "b1", "b2", "b3"]

    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    task = wait_for_status(sqs, dlq_arn, "COMPLETED")
    assert (task["ApproximateNumberOfMessagesMoved"], task["ApproximateNumberOfMessagesToMove"]) == (5, 5)
    assert "DestinationArn" not in task and "TaskHandle" not in task

    assert queue_counts(sqs, dlq_url) == (0, 0, 0)
    back = {m["Body"]: m for m in receive_all(sqs, first_url, AttributeNames=["All"])}
    assert sorted(back) == ["a1", "a2"]
    assert bodies_of(sqs, second_url) == ["b1", "b2", "b3"]
    for body, message in back.items():  # a redriven message is a new message
        assert message["MessageId"] != dead[body]["MessageId"]
        assert message["Attributes"]["ApproximateReceiveCount"] == "1"
        assert "DeadLetterQueueSourceArn" not in message["Attributes"]


def test_redrive_to_an_explicit_destination(sqs, make_queue, clock):
    dlq_url, dlq_arn, source_url = make_dlq(sqs, make_queue)
    dead_letter(sqs, clock, source_url, ["x", "y"])
    send_bodies(sqs, dlq_url, ["sent-directly"])  # no original source: the destination takes it anyway
    destination_url = make_queue(prefix="dest")
    destination_arn = arn_of(sqs, destination_url)

    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=destination_arn)
    task = wait_for_status(sqs, dlq_arn, "COMPLETED")
    assert task["DestinationArn"] == destination_arn
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert bodies_of(sqs, destination_url) == ["sent-directly", "x", "y"]
    assert queue_counts(sqs, source_url) == (0, 0, 0)
    assert queue_counts(sqs, dlq_url) == (0, 0, 0)


def test_seed_001_fifo_redrive_back_to_the_source(sqs, make_queue, clock):
    dlq_url, dlq_arn, source_url = make_dlq(sqs, make_queue, fifo=True)
    sent = sqs.send_message(QueueUrl=source_url, MessageBody="My important message.", MessageGroupId="g",
                            MessageDeduplicationId="d")
    assert len(receive_all(sqs, source_url)) == 1
    clock.advance(VISIBILITY + 1)
    assert sqs.receive_message(QueueUrl=source_url).get("Messages", []) == []
    assert queue_counts(sqs, dlq_url) == (1, 0, 0)

    sqs.start_message_move_task(SourceArn=dlq_arn)
    wait_for_status(sqs, dlq_arn, "COMPLETED")
    back = receive_all(sqs, source_url, AttributeNames=["All"])
    assert [m["Body"] for m in back] == ["My important message."]
    assert back[0]["MessageId"] != sent["MessageId"]
    assert back[0]["Attributes"]["MessageGroupId"] == "g"


def test_rate_is_paced_on_the_clock(sqs, make_queue, clock):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    send_bodies(sqs, dlq_url, [f"m{i:03}" for i in range(200)])
    destination_url = make_queue(prefix="dest")

    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(sqs, destination_url),
                                MaxNumberOfMessagesPerSecond=50)
    first = settled(sqs, dlq_arn, 50)  # the first second's 50 go at once
    assert (first["Status"], first["ApproximateNumberOfMessagesToMove"]) == ("RUNNING", 200)
    assert first["MaxNumberOfMessagesPerSecond"] == 50
    for moved in (100, 150, 200):
        clock.advance(1)
        assert settled(sqs, dlq_arn, moved)["Status"] == "RUNNING"
    clock.advance(1)
    task = wait_for_status(sqs, dlq_arn, "COMPLETED")
    assert task["ApproximateNumberOfMessagesMoved"] == 200
    assert queue_counts(sqs, destination_url) == (200, 0, 0)
    assert queue_counts(sqs, dlq_url) == (0, 0, 0)


def test_without_a_rate_it_completes_promptly(sqs, make_queue):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    send_bodies(sqs, dlq_url, [f"m{i}" for i in range(1200)])
    destination_url = make_queue(prefix="dest")
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(sqs, destination_url))
    task = wait_for_status(sqs, dlq_arn, "COMPLETED")  # no clock move needed
    assert task["ApproximateNumberOfMessagesMoved"] == 1200
    assert "MaxNumberOfMessagesPerSecond" not in task
    assert queue_counts(sqs, destination_url) == (1200, 0, 0)


def test_messages_arriving_after_the_start_stay_in_the_dlq(sqs, make_queue, clock):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    send_bodies(sqs, dlq_url, ["before"] * 20)
    destination_url = make_queue(prefix="dest")
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(sqs, destination_url),
                                MaxNumberOfMessagesPerSecond=10)
    settled(sqs, dlq_arn, 10)
    send_bodies(sqs, dlq_url, ["after"])
    clock.advance(1)
    clock.advance(1)
    assert wait_for_status(sqs, dlq_arn, "COMPLETED")["ApproximateNumberOfMessagesMoved"] == 20
    assert bodies_of(sqs, dlq_url) == ["after"]


def test_cancel_mid_way(sqs, make_queue, clock):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    send_bodies(sqs, dlq_url, [f"m{i}" for i in range(100)])
    destination_url = make_queue(prefix="dest")
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(sqs, destination_url),
                                         MaxNumberOfMessagesPerSecond=10)["TaskHandle"]
    running = settled(sqs, dlq_arn, 10)
    assert running["TaskHandle"] == handle

    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 10
    assert tasks(sqs, dlq_arn, 1)[0]["Status"] in ("CANCELLING", "CANCELLED")
    clock.advance(1)
    cancelled = wait_for_status(sqs, dlq_arn, "CANCELLED")
    assert "TaskHandle" not in cancelled
    clock.advance(5)
    time.sleep(0.05)
    assert tasks(sqs, dlq_arn, 1)[0]["ApproximateNumberOfMessagesMoved"] == 10
    assert queue_counts(sqs, destination_url) == (10, 0, 0)
    assert queue_counts(sqs, dlq_url) == (90, 0, 0)
    expect_error(sqs.cancel_message_move_task, UNSUPPORTED, TaskHandle=handle)

    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(sqs, destination_url))
    assert wait_for_status(sqs, dlq_arn, "COMPLETED")["ApproximateNumberOfMessagesMoved"] == 90


def test_one_active_task_per_source(sqs, make_queue, clock):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    send_bodies(sqs, dlq_url, ["a", "b", "c"])
    destination_arn = arn_of(sqs, make_queue(prefix="dest"))
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=destination_arn,
                                         MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    expect_error(sqs.start_message_move_task, UNSUPPORTED, SourceArn=dlq_arn)
    sqs.cancel_message_move_task(TaskHandle=handle)
    expect_error(sqs.start_message_move_task, UNSUPPORTED, SourceArn=dlq_arn)  # CANCELLING is still active
    clock.advance(1)
    wait_for_status(sqs, dlq_arn, "CANCELLED")
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=destination_arn)
    wait_for_status(sqs, dlq_arn, "COMPLETED")


def test_list_is_newest_first_with_max_results(sqs, make_queue):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    destination_arn = arn_of(sqs, make_queue(prefix="dest"))
    for round_ in range(12):
        send_bodies(sqs, dlq_url, [f"r{round_}"] * (round_ + 1))
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=destination_arn)
        wait_for_status(sqs, dlq_arn, "COMPLETED")

    assert [t["ApproximateNumberOfMessagesMoved"] for t in tasks(sqs, dlq_arn)] == list(range(12, 2, -1))
    assert len(sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]) == 1  # MaxResults defaults to 1
    assert [t["ApproximateNumberOfMessagesMoved"] for t in tasks(sqs, dlq_arn, 3)] == [12, 11, 10]
    started = [t["StartedTimestamp"] for t in tasks(sqs, dlq_arn)]
    assert started == sorted(started, reverse=True)
    for bad in (0, 11):
        expect_error(sqs.list_message_move_tasks, "InvalidParameterValue", SourceArn=dlq_arn, MaxResults=bad)


def test_list_of_a_dlq_without_tasks_is_empty(sqs, make_queue):
    _, dlq_arn, _ = make_dlq(sqs, make_queue)
    assert tasks(sqs, dlq_arn) == []


def test_a_deleted_original_source_fails_the_task(sqs, make_queue, clock):
    dlq_url, dlq_arn, source_url = make_dlq(sqs, make_queue)
    make_queue({"RedrivePolicy": redrive_policy(dlq_arn)}, prefix="keeps-it-a-dlq")
    dead_letter(sqs, clock, source_url, ["orphan"])
    sqs.delete_queue(QueueUrl=source_url)

    sqs.start_message_move_task(SourceArn=dlq_arn)
    task = wait_for_status(sqs, dlq_arn, "FAILED")
    assert task["FailureReason"]
    assert task["ApproximateNumberOfMessagesMoved"] == 0
    assert "TaskHandle" not in task
    assert queue_counts(sqs, dlq_url) == (1, 0, 0)  # nothing is lost


# ------------------------------------------------------------------------------------ validation


def test_source_must_be_a_dead_letter_queue(sqs, make_queue):
    plain_arn = arn_of(sqs, make_queue())
    expect_error(sqs.start_message_move_task, "InvalidParameterValue", SourceArn=plain_arn)
    assert tasks(sqs, plain_arn) == []


def test_missing_source_or_destination(sqs, make_queue):
    _, dlq_arn, _ = make_dlq(sqs, make_queue)
    missing = dlq_arn + "-missing"
    expect_error(sqs.start_message_move_task, NOT_FOUND, 404, SourceArn=missing)
    expect_error(sqs.start_message_move_task, NOT_FOUND, 404, SourceArn=dlq_arn, DestinationArn=missing)
    expect_error(sqs.list_message_move_tasks, NOT_FOUND, 404, SourceArn=missing)
    assert tasks(sqs, dlq_arn) == []


def test_destination_of_another_type(sqs, make_queue):
    _, dlq_arn, _ = make_dlq(sqs, make_queue)
    fifo_arn = arn_of(sqs, make_queue(fifo=True))
    expect_error(sqs.start_message_move_task, "InvalidParameterValue", SourceArn=dlq_arn, DestinationArn=fifo_arn)
    _, fifo_dlq_arn, _ = make_dlq(sqs, make_queue, fifo=True)
    standard_arn = arn_of(sqs, make_queue())
    expect_error(sqs.start_message_move_task, "InvalidParameterValue", SourceArn=fifo_dlq_arn,
                 DestinationArn=standard_arn)


@pytest.mark.parametrize("rate", [0, 501, -1])
def test_rate_out_of_range(sqs, make_queue, rate):
    _, dlq_arn, _ = make_dlq(sqs, make_queue)
    expect_error(sqs.start_message_move_task, "InvalidParameterValue", SourceArn=dlq_arn,
                 MaxNumberOfMessagesPerSecond=rate)
    assert tasks(sqs, dlq_arn) == []


def test_rate_limits_are_inclusive(sqs, make_queue, clock):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    destination_arn = arn_of(sqs, make_queue(prefix="dest"))
    for rate in (1, 500):
        send_bodies(sqs, dlq_url, ["m"])
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=destination_arn,
                                    MaxNumberOfMessagesPerSecond=rate)
        settled(sqs, dlq_arn, 1)
        clock.advance(1)
        assert wait_for_status(sqs, dlq_arn, "COMPLETED")["MaxNumberOfMessagesPerSecond"] == rate


@pytest.mark.parametrize("handle", [
    "not-a-handle",
    base64.b64encode(b"[1, 2]").decode(),
    base64.b64encode(json.dumps({"taskId": "00000000-0000-0000-0000-000000000000",
                                 "sourceArn": "arn:aws:sqs:us-east-1:000000000000:nope"}).encode()).decode(),
], ids=["garbage", "not-an-object", "unknown-task"])
def test_cancel_with_a_bad_handle(sqs, handle):
    expect_error(sqs.cancel_message_move_task, NOT_FOUND, 404, TaskHandle=handle)


def test_cancelling_a_finished_task(sqs, make_queue):
    dlq_url, dlq_arn, _ = make_dlq(sqs, make_queue)
    send_bodies(sqs, dlq_url, ["m"])
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(sqs, make_queue()))["TaskHandle"]
    wait_for_status(sqs, dlq_arn, "COMPLETED")
    expect_error(sqs.cancel_message_move_task, UNSUPPORTED, TaskHandle=handle)
    assert tasks(sqs, dlq_arn, 1)[0]["Status"] == "COMPLETED"
