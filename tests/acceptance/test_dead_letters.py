"""Dead-letter queues through real SDK clients: RedrivePolicy, RedriveAllowPolicy, ListDeadLetterSourceQueues.

Seeds 001 (a FIFO source with a FIFO DLQ, maxReceiveCount 3) and 002 (a standard queue whose
RedrivePolicy names a DLQ by the ARN that GetQueueAttributes gave) drive the main flow: a message
received maxReceiveCount times without being deleted is moved, on the next receive, to the DLQ with
its MessageId, body and attributes, and its receive count carries on there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from conveyor.clock import ManualClock
from tests.acceptance.conftest import expect_error, queue_counts, receive_all, unique_name

VISIBILITY = 30  # seconds; the clock moves past it between receives, as seed 001 waits it out


def arn_of(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def redrive_policy(dlq_arn: str, max_receive_count: int | str = 3) -> str:
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})


def make_pair(
    sqs: Any, make_queue: Callable[..., str], *, fifo: bool = False, max_receive_count: int | str = 3
) -> tuple[str, str, str]:
    """A DLQ and a source queue dead-lettering into it: (source url, dlq url, dlq arn)."""
    dlq_url = make_queue(fifo=fifo, prefix="dlq")
    dlq_arn = arn_of(sqs, dlq_url)
    source_url = make_queue(
        {"VisibilityTimeout": str(VISIBILITY), "RedrivePolicy": redrive_policy(dlq_arn, max_receive_count)},
        fifo=fifo, prefix="src",
    )
    return source_url, dlq_url, dlq_arn


def receive_one(sqs: Any, url: str) -> dict[str, Any] | None:
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", [])
    assert len(messages) <= 1
    return messages[0] if messages else None


def receive_until_dead_lettered(sqs: Any, clock: ManualClock, url: str, times: int) -> list[dict[str, Any]]:
    """Receive ``times`` times without deleting (waiting out the visibility timeout); the next receive must be empty."""
    received = []
    for _ in range(times):
        message = receive_one(sqs, url)
        assert message is not None, f"receive {len(received) + 1} of {times} found nothing"
        received.append(message)
        clock.advance(VISIBILITY + 1)
    assert receive_one(sqs, url) is None, "the message was delivered past maxReceiveCount"
    return received


# ------------------------------------------------------------------------------------ dead-lettering


def test_standard_message_moves_to_the_dlq_after_max_receive_count(sqs, make_queue, clock):
    source_url, dlq_url, _ = make_pair(sqs, make_queue)
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    sent = sqs.send_message(QueueUrl=source_url, MessageBody="my important message", MessageAttributes=attributes)

    received = receive_until_dead_lettered(sqs, clock, source_url, 3)
    assert [m["MessageId"] for m in received] == [sent["MessageId"]] * 3
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in received] == ["1", "2", "3"]
    assert queue_counts(sqs, source_url) == (0, 0, 0)

    dead = receive_one(sqs, dlq_url)
    assert dead is not None
    assert dead["MessageId"] == sent["MessageId"]
    assert dead["Body"] == "my important message"
    assert dead["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert dead["MessageAttributes"] == attributes
    assert dead["Attributes"]["ApproximateReceiveCount"] == "4"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(sqs, source_url)
    assert dead["Attributes"]["SentTimestamp"] == received[0]["Attributes"]["SentTimestamp"]


def test_seed_001_fifo_source_and_fifo_dlq(sqs, make_queue, clock):
    source_url, dlq_url, _ = make_pair(sqs, make_queue, fifo=True)
    sent = sqs.send_message(QueueUrl=source_url, MessageBody="My important message.", MessageGroupId="g",
                            MessageDeduplicationId="d-1")

    received = receive_until_dead_lettered(sqs, clock, source_url, 3)
    assert {m["MessageId"] for m in received} == {sent["MessageId"]}

    dead = receive_one(sqs, dlq_url)
    assert dead is not None
    assert (dead["MessageId"], dead["Body"]) == (sent["MessageId"], "My important message.")
    assert dead["Attributes"]["MessageGroupId"] == "g"
    assert dead["Attributes"]["MessageDeduplicationId"] == sent["MessageId"]
    assert dead["Attributes"]["ApproximateReceiveCount"] == "4"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(sqs, source_url)


def test_fifo_group_keeps_its_order_after_its_head_is_dead_lettered(sqs, make_queue, clock):
    source_url, dlq_url, _ = make_pair(sqs, make_queue, fifo=True, max_receive_count=1)
    for index in range(4):
        sqs.send_message(QueueUrl=source_url, MessageBody=f"m{index}", MessageGroupId="g",
                         MessageDeduplicationId=f"d{index}")
    first = receive_one(sqs, source_url)
    assert first is not None and first["Body"] == "m0"
    clock.advance(VISIBILITY + 1)

    rest = receive_all(sqs, source_url)
    assert [m["Body"] for m in rest] == ["m1", "m2", "m3"]
    assert [m["Body"] for m in receive_all(sqs, dlq_url)] == ["m0"]


@pytest.mark.parametrize("max_receive_count", [2, "2"], ids=["number", "string"])
def test_max_receive_count_as_number_or_string(sqs, make_queue, clock, max_receive_count):
    source_url, dlq_url, dlq_arn = make_pair(sqs, make_queue, max_receive_count=max_receive_count)
    stored = sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["RedrivePolicy"])["Attributes"]
    policy = json.loads(stored["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == dlq_arn
    assert int(policy["maxReceiveCount"]) == 2

    sqs.send_message(QueueUrl=source_url, MessageBody="x")
    receive_until_dead_lettered(sqs, clock, source_url, 2)
    assert queue_counts(sqs, dlq_url) == (1, 0, 0)


def test_empty_redrive_policy_stops_dead_lettering(sqs, make_queue, clock):
    source_url, dlq_url, _ = make_pair(sqs, make_queue, max_receive_count=1)
    sqs.set_queue_attributes(QueueUrl=source_url, Attributes={"RedrivePolicy": ""})
    attributes = sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" not in attributes

    sqs.send_message(QueueUrl=source_url, MessageBody="stays")
    for count in range(1, 5):
        message = receive_one(sqs, source_url)
        assert message is not None and message["Attributes"]["ApproximateReceiveCount"] == str(count)
        clock.advance(VISIBILITY + 1)
    assert queue_counts(sqs, dlq_url) == (0, 0, 0)


def test_dlq_retention_counts_from_the_original_send_for_standard_queues(sqs, make_queue, clock):
    dlq_url = make_queue({"MessageRetentionPeriod": "120"}, prefix="dlq")
    source_url = make_queue({"RedrivePolicy": redrive_policy(arn_of(sqs, dlq_url), 1), "VisibilityTimeout": "10"})
    sqs.send_message(QueueUrl=source_url, MessageBody="old")
    assert receive_one(sqs, source_url) is not None
    clock.advance(100)
    assert receive_one(sqs, source_url) is None  # moved, 100 s after it was sent
    assert queue_counts(sqs, dlq_url) == (1, 0, 0)

    clock.advance(30)  # 130 s after the send, 30 s after the move: past the DLQ's 120 s retention
    assert queue_counts(sqs, dlq_url) == (0, 0, 0)
    assert receive_one(sqs, dlq_url) is None


def test_fifo_dlq_retention_counts_from_the_move(sqs, make_queue, clock):
    dlq_url = make_queue({"MessageRetentionPeriod": "120"}, fifo=True, prefix="dlq")
    source_url = make_queue({"RedrivePolicy": redrive_policy(arn_of(sqs, dlq_url), 1), "VisibilityTimeout": "10"},
                            fifo=True)
    sqs.send_message(QueueUrl=source_url, MessageBody="old", MessageGroupId="g", MessageDeduplicationId="d")
    assert receive_one(sqs, source_url) is not None
    clock.advance(100)
    assert receive_one(sqs, source_url) is None  # moved, 100 s after it was sent: a new enqueue time
    clock.advance(110)
    assert queue_counts(sqs, dlq_url) == (1, 0, 0)
    clock.advance(11)
    assert queue_counts(sqs, dlq_url) == (0, 0, 0)


# ------------------------------------------------------------------------------------ policy checks


def _rejects_create(sqs: Any, attributes: dict[str, str], *, fifo: bool = False) -> None:
    name = unique_name("src") + (".fifo" if fifo else "")
    if fifo:
        attributes = {**attributes, "FifoQueue": "true"}
    expect_error(sqs.create_queue, "InvalidParameterValue", QueueName=name, Attributes=attributes)
    expect_error(sqs.get_queue_url, "AWS.SimpleQueueService.NonExistentQueue", QueueName=name)


def _rejects_set(sqs: Any, url: str, attributes: dict[str, str]) -> None:
    before = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    expect_error(sqs.set_queue_attributes, "InvalidParameterValue", QueueUrl=url, Attributes=attributes)
    after = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert after == before


@pytest.mark.parametrize("dlq_fifo", [True, False], ids=["fifo-dlq", "standard-dlq"])
def test_dlq_of_another_type_is_rejected(sqs, make_queue, dlq_fifo):
    dlq_arn = arn_of(sqs, make_queue(fifo=dlq_fifo, prefix="dlq"))
    policy = {"RedrivePolicy": redrive_policy(dlq_arn)}
    _rejects_create(sqs, policy, fifo=not dlq_fifo)
    _rejects_set(sqs, make_queue(fifo=not dlq_fifo), policy)


def test_missing_dlq_is_rejected(sqs, make_queue):
    dlq_url = make_queue(prefix="dlq")
    missing_arn = arn_of(sqs, dlq_url) + "-missing"
    policy = {"RedrivePolicy": redrive_policy(missing_arn)}
    _rejects_create(sqs, policy)
    _rejects_set(sqs, make_queue(), policy)


def test_redrive_allow_policy_deny_all(sqs, make_queue):
    dlq_url = make_queue({"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})}, prefix="dlq")
    policy = {"RedrivePolicy": redrive_policy(arn_of(sqs, dlq_url))}
    _rejects_create(sqs, policy)
    _rejects_set(sqs, make_queue(), policy)


def test_redrive_allow_policy_by_queue(sqs, make_queue):
    allowed_url, denied_url = make_queue(prefix="allowed"), make_queue(prefix="denied")
    allow = {"redrivePermission": "byQueue", "sourceQueueArns": [arn_of(sqs, allowed_url)]}
    dlq_url = make_queue({"RedriveAllowPolicy": json.dumps(allow)}, prefix="dlq")
    policy = {"RedrivePolicy": redrive_policy(arn_of(sqs, dlq_url))}

    _rejects_set(sqs, denied_url, policy)
    _rejects_create(sqs, policy)  # a new name is not in sourceQueueArns either
    sqs.set_queue_attributes(QueueUrl=allowed_url, Attributes=policy)
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [allowed_url]


def test_redrive_allow_policy_allow_all(sqs, make_queue):
    dlq_url = make_queue({"RedriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"})}, prefix="dlq")
    source_url = make_queue({"RedrivePolicy": redrive_policy(arn_of(sqs, dlq_url))})
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [source_url]


# ------------------------------------------------------------------------------------ ListDeadLetterSourceQueues


def test_list_dead_letter_source_queues_pages(sqs, make_queue):
    dlq_url = make_queue(prefix="dlq")
    policy = {"RedrivePolicy": redrive_policy(arn_of(sqs, dlq_url))}
    sources = sorted(make_queue(policy, prefix="src") for _ in range(12))
    make_queue(prefix="other")  # no policy: not a source

    assert sorted(sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"]) == sources

    pages, token = [], None
    for _ in range(10):
        kwargs = {"NextToken": token} if token else {}
        page = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url, MaxResults=5, **kwargs)
        pages.append(page["queueUrls"])
        token = page.get("NextToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [5, 5, 2]
    assert sorted(url for page in pages for url in page) == sources


def test_list_dead_letter_source_queues_of_a_queue_nobody_targets(sqs, make_queue):
    assert sqs.list_dead_letter_source_queues(QueueUrl=make_queue()).get("queueUrls", []) == []


def test_list_dead_letter_source_queues_rejects_bad_max_results(sqs, make_queue):
    for bad in (0, 1001):
        expect_error(sqs.list_dead_letter_source_queues, "InvalidParameterValue", QueueUrl=make_queue(),
                     MaxResults=bad)
