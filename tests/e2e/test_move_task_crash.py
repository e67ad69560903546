"""A message move task survives ``kill -9`` of the server: it resumes at restart, losing and doubling nothing.

3,000 messages are dead-lettered through a source queue (maxReceiveCount 1), then redriven back
to it at 500 a second; the server is SIGKILLed part-way and restarted on the same data dir. Each
step of the task is one transaction, so afterwards every body is in exactly one of the two queues.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from tests.support.process import sqs_client

MESSAGES = 3000
RATE = 500
KILL_AT = 600  # messages moved before the kill


def newest_task(sqs: Any, dlq_arn: str) -> dict[str, Any]:
    return sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1)["Results"][0]


def wait_for(sqs: Any, dlq_arn: str, done: Any, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not done(task := newest_task(sqs, dlq_arn)):
        assert time.monotonic() < deadline, f"the move task never got there: {task}"
        time.sleep(0.02)
    return task


def counts(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def bodies(sqs: Any, url: str) -> Counter[str]:
    """Every body in the queue (received and hidden for a minute, so each is seen once)."""
    seen: Counter[str] = Counter()
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages")
        if not messages:
            return seen
        seen.update(message["Body"] for message in messages)


def dead_letter_all(sqs: Any, source_url: str, dlq_url: str) -> None:
    """Send MESSAGES bodies, then receive (visibility 0) until the maxReceiveCount-1 source moved them all."""
    for start in range(0, MESSAGES, 10):
        entries = [{"Id": str(i), "MessageBody": f"body-{start + i}"} for i in range(10)]
        assert not sqs.send_message_batch(QueueUrl=source_url, Entries=entries).get("Failed")
    for _ in range(MESSAGES):
        if counts(sqs, dlq_url) == (MESSAGES, 0):
            return
        sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    raise AssertionError(f"not all messages reached the DLQ: {counts(sqs, dlq_url)}")


def test_move_task_resumes_after_kill_9(start_server):
    server = start_server()
    sqs = sqs_client(server.endpoint_url)
    dlq_url = sqs.create_queue(QueueName="crash-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source_url = sqs.create_queue(QueueName="crash-source", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    dead_letter_all(sqs, source_url, dlq_url)
    assert counts(sqs, source_url) == (0, 0)

    sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=RATE)
    before = wait_for(sqs, dlq_arn, lambda task: task["ApproximateNumberOfMessagesMoved"] >= KILL_AT)
    assert before["Status"] == "RUNNING"
    server.kill()

    server.restart()
    sqs = sqs_client(server.endpoint_url)
    resumed = newest_task(sqs, dlq_arn)
    assert resumed["Status"] == "RUNNING", resumed
    assert KILL_AT <= resumed["ApproximateNumberOfMessagesMoved"] < MESSAGES
    assert resumed["ApproximateNumberOfMessagesToMove"] == MESSAGES
    done = wait_for(sqs, dlq_arn, lambda task: task["Status"] != "RUNNING")
    assert done["Status"] == "COMPLETED", done
    assert done["ApproximateNumberOfMessagesMoved"] == MESSAGES

    in_source, in_dlq = bodies(sqs, source_url), bodies(sqs, dlq_url)
    assert not in_source.keys() & in_dlq.keys(), "a message is in both queues"
    everything = in_source + in_dlq
    assert max(everything.values()) == 1, "a message was duplicated"
    assert set(everything) == {f"body-{i}" for i in range(MESSAGES)}, "a message was lost"
    assert len(in_source) == MESSAGES  # the task completed: all went back
