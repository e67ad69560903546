"""Fair queues: on a standard queue a MessageGroupId names a tenant, and a tenant that floods the
queue must not starve the others. The server runs on a manual clock, stepped between receives so
that the fair scheduler's one-second verdict cache is exercised the way real time would."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .conftest import queue_counts, receive_all, unique_name

FLOOD = 10_000
QUIET = 100
STEP = 0.1  # queue time between two receives, seconds
HELD_BATCHES = 50  # consumers keep this many received batches in flight before deleting the oldest


def send_batches(sqs: Any, url: str, bodies: list[str], group: str | None) -> None:
    for start in range(0, len(bodies), 10):
        entries = []
        for n, body in enumerate(bodies[start:start + 10]):
            entry = {"Id": str(n), "MessageBody": body}
            if group is not None:
                entry["MessageGroupId"] = group
            entries.append(entry)
        result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert not result.get("Failed"), result


def test_quiet_tenant_is_served_during_a_flood(clients: dict[str, Any], clock: Any) -> None:
    """A noisy tenant sends 10,000 messages, then a quiet tenant sends 100. Consumers receive 10 at a
    time with a long visibility timeout and delete each batch only once 50 newer batches are in
    flight, so the noisy tenant holds hundreds of in-flight messages.

    The bound: the first receives see nothing in flight, so the verdict (cached for 1 s of queue
    time) says "nobody is noisy" and they serve the oldest messages, all noisy. With 0.1 s between
    receives, the verdict is recomputed by the 11th receive at the latest; by then the noisy
    tenant holds ≥ 30 in-flight messages (3 receives are enough) and 100 % of them, so it is noisy
    and from then on the quiet tenant's messages go first, 10 per receive: 10 more receives. So
    all 100 quiet messages are out within 20 receives; we allow 30. A plain oldest-first queue
    would need over 1,000 receives (the whole flood) before the first quiet message.
    """
    sqs = clients["json"]
    url = sqs.create_queue(QueueName=unique_name("fair"))["QueueUrl"]
    send_batches(sqs, url, [f"noisy-{i}" for i in range(FLOOD)], "noisy")
    send_batches(sqs, url, [f"quiet-{i}" for i in range(QUIET)], "quiet")
    assert queue_counts(sqs, url) == (FLOOD + QUIET, 0, 0)

    held: list[list[dict[str, Any]]] = []
    received: Counter[str] = Counter()
    quiet_order: list[int] = []
    receives = 0
    while received["quiet"] < QUIET:
        receives += 1
        assert receives <= 30, f"quiet tenant still waiting after {receives} receives: {received}"
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=3600,
                                  AttributeNames=["MessageGroupId"])["Messages"]
        for message in got:
            tenant, index = message["Body"].split("-")
            assert message["Attributes"]["MessageGroupId"] == tenant
            received[tenant] += 1
            if tenant == "quiet":
                quiet_order.append(int(index))
        held.append(got)
        if len(held) > HELD_BATCHES:
            oldest = held.pop(0)
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(oldest)
            ])
        clock.advance(STEP)
    assert received["noisy"] <= 200, received  # the quiet tenant did not wait for the flood
    assert sorted(quiet_order) == list(range(QUIET))  # each quiet message exactly once

    # The noisy tenant is not starved either: with the quiet tenant done, it gets every receive.
    for _ in range(3):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=3600)["Messages"]
        assert len(got) == 10 and all(m["Body"].startswith("noisy-") for m in got)
        clock.advance(STEP)


def test_standard_queue_without_group_ids_delivers_everything(sqs: Any, queue_url: str) -> None:
    bodies = [f"m{i}" for i in range(55)]
    send_batches(sqs, queue_url, bodies, None)
    got = receive_all(sqs, queue_url, AttributeNames=["All"])
    assert sorted(m["Body"] for m in got) == sorted(bodies)
    assert len({m["MessageId"] for m in got}) == len(bodies)
    assert all("MessageGroupId" not in m["Attributes"] for m in got)


def test_group_ids_without_a_noisy_tenant_keep_normal_order(sqs: Any, queue_url: str, clock: Any) -> None:
    """Three tenants, interleaved sends, each consumer deletes what it gets: nobody ever holds 30
    in-flight messages, so nobody is noisy and the queue hands messages out oldest first."""
    expected = []
    for i in range(20):
        for tenant in ("a", "b", "c"):
            sqs.send_message(QueueUrl=queue_url, MessageBody=f"{tenant}{i}", MessageGroupId=tenant)
            expected.append(f"{tenant}{i}")
    seen = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                  AttributeNames=["MessageGroupId"]).get("Messages", [])
        if not got:
            break
        for message in got:
            assert message["Attributes"]["MessageGroupId"] == message["Body"][0]
            seen.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        clock.advance(STEP)
    assert seen == expected


def test_group_ids_on_a_standard_queue_do_not_block_or_order(sqs: Any, queue_url: str) -> None:
    """Unlike FIFO, a tenant's in-flight messages never hold its other messages back."""
    for i in range(5):
        sqs.send_message(QueueUrl=queue_url, MessageBody=f"t{i}", MessageGroupId="t")
    first = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=2)["Messages"]
    rest = receive_all(sqs, queue_url)
    assert sorted(m["Body"] for m in first + rest) == [f"t{i}" for i in range(5)]
    assert queue_counts(sqs, queue_url) == (0, 5, 0)
