"""FIFO queues through real clients, over both protocols: creation rules, deduplication, group order,
group blocking, ReceiveRequestAttemptId retries and the id formats. The server runs on a manual
clock, so the 5-minute windows and visibility timeouts are stepped, never slept through."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from conveyor.config import ServerConfig
from conveyor.embedded import EmbeddedServer

from .conftest import expect_error, json_client, queue_counts, receive_all, unique_name

FifoMaker = Callable[..., str]


@pytest.fixture
def make_fifo(make_queue: Callable[..., str]) -> FifoMaker:
    def make(**attributes: str) -> str:
        return make_queue(attributes, fifo=True, prefix="fifo")

    return make


def send(sqs: Any, url: str, body: str, group: str = "g", dedup: str | None = None, **kwargs: Any) -> dict[str, Any]:
    return sqs.send_message(
        QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup or body, **kwargs
    )


def receive(sqs: Any, url: str, count: int = 10, **kwargs: Any) -> list[dict[str, Any]]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=count, **kwargs).get("Messages", [])


def bodies(messages: list[dict[str, Any]]) -> list[str]:
    return [m["Body"] for m in messages]


def delete_all(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


# ------------------------------------------------------------------------------------ creation


def test_fifo_name_and_fifo_queue_flag_must_agree(sqs: Any) -> None:
    name = unique_name("fifo")
    expect_error(sqs.create_queue, "InvalidParameterValue", QueueName=name + ".fifo")
    expect_error(sqs.create_queue, "InvalidParameterValue", QueueName=name + ".fifo",
                 Attributes={"FifoQueue": "false"})
    expect_error(sqs.create_queue, "InvalidParameterValue", QueueName=name, Attributes={"FifoQueue": "true"})
    url = sqs.create_queue(QueueName=name + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert url.endswith("/" + name + ".fifo")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"
    assert attributes["DeduplicationScope"] == "queue"
    assert attributes["FifoThroughputLimit"] == "perQueue"


def test_fifo_queue_cannot_be_switched_later(sqs: Any, make_fifo: FifoMaker, queue_url: str) -> None:
    fifo_url = make_fifo()
    expect_error(sqs.set_queue_attributes, "InvalidAttributeName", QueueUrl=queue_url,
                 Attributes={"FifoQueue": "true"})
    expect_error(sqs.set_queue_attributes, "InvalidAttributeName", QueueUrl=fifo_url,
                 Attributes={"FifoQueue": "false"})
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert "FifoQueue" not in attributes
    # FIFO-only attributes mean nothing on a standard queue.
    expect_error(sqs.set_queue_attributes, "InvalidAttributeName", QueueUrl=queue_url,
                 Attributes={"ContentBasedDeduplication": "true"})


def test_per_message_group_throughput_needs_message_group_scope(sqs: Any, make_fifo: FifoMaker) -> None:
    name = unique_name("fifo") + ".fifo"
    error = expect_error(sqs.create_queue, "InvalidAttributeValue", QueueName=name,
                         Attributes={"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"})
    assert "DeduplicationScope" in error.response["Error"]["Message"]
    url = make_fifo(DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    expect_error(sqs.set_queue_attributes, "InvalidAttributeValue", QueueUrl=url,
                 Attributes={"DeduplicationScope": "queue"})
    sqs.set_queue_attributes(QueueUrl=url,
                             Attributes={"DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"})
    other = make_fifo()
    expect_error(sqs.set_queue_attributes, "InvalidAttributeValue", QueueUrl=other,
                 Attributes={"FifoThroughputLimit": "perMessageGroupId"})
    expect_error(sqs.set_queue_attributes, "InvalidAttributeValue", QueueUrl=other,
                 Attributes={"DeduplicationScope": "everything"})


# ------------------------------------------------------------------------------------ sending


def test_message_group_id_is_required(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    expect_error(sqs.send_message, "MissingParameter", QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "a"},
        {"Id": "nogroup", "MessageBody": "b", "MessageDeduplicationId": "b"},
    ])
    assert [entry["Id"] for entry in result["Successful"]] == ["ok"]
    (failed,) = result["Failed"]
    assert failed["Id"] == "nogroup" and failed["Code"] == "MissingParameter" and failed["SenderFault"] is True


def test_dedup_id_or_content_based_dedup_is_required(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    expect_error(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", MessageGroupId="g")


def test_standard_queue_rejects_a_deduplication_id(sqs: Any, queue_url: str) -> None:
    expect_error(sqs.send_message, "InvalidParameterValue", QueueUrl=queue_url, MessageBody="x",
                 MessageDeduplicationId="d")


def test_per_message_delay_is_rejected_queue_delay_applies(sqs: Any, make_fifo: FifoMaker, clock: Any) -> None:
    url = make_fifo(DelaySeconds="5")
    expect_error(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", MessageGroupId="g",
                 MessageDeduplicationId="x", DelaySeconds=3)
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "a", "DelaySeconds": 2},
    ])
    assert result["Failed"][0]["Code"] == "InvalidParameterValue"
    send(sqs, url, "delayed")
    assert queue_counts(sqs, url) == (0, 0, 1)
    assert receive(sqs, url) == []
    clock.advance(5)
    assert bodies(receive(sqs, url)) == ["delayed"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageGroupId", "g" * 129),
        ("MessageGroupId", "has space"),
        ("MessageGroupId", "caf\u00e9"),
        ("MessageGroupId", ""),
        ("MessageDeduplicationId", "d" * 129),
        ("MessageDeduplicationId", "tab\there"),
        ("MessageDeduplicationId", "\u4e2d\u6587"),
    ],
)
def test_invalid_group_and_dedup_ids(sqs: Any, make_fifo: FifoMaker, field: str, value: str) -> None:
    url = make_fifo()
    params = {"MessageGroupId": "g", "MessageDeduplicationId": "d", field: value}
    expect_error(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", **params)
    assert queue_counts(sqs, url) == (0, 0, 0)


def test_longest_ids_and_punctuation_are_accepted(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    send(sqs, url, "x", group="g" * 128, dedup="d" * 128)
    send(sqs, url, "y", group=punctuation, dedup=punctuation)
    got = receive(sqs, url, AttributeNames=["All"])
    assert {m["Attributes"]["MessageGroupId"] for m in got} == {"g" * 128, punctuation}


def test_invalid_receive_request_attempt_id(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    expect_error(sqs.receive_message, "InvalidParameterValue", QueueUrl=url, ReceiveRequestAttemptId="a" * 129)
    expect_error(sqs.receive_message, "InvalidParameterValue", QueueUrl=url, ReceiveRequestAttemptId="no spaces")


# ------------------------------------------------------------------------------------ deduplication


def test_duplicate_within_window_returns_the_original(sqs: Any, make_fifo: FifoMaker, clock: Any) -> None:
    url = make_fifo()
    first = send(sqs, url, "one", dedup="d1")
    clock.advance(299)
    again = send(sqs, url, "another body", dedup="d1")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    assert queue_counts(sqs, url) == (1, 0, 0)
    clock.advance(2)  # 301 s after the first send: the window has passed
    later = send(sqs, url, "one", dedup="d1")
    assert later["MessageId"] != first["MessageId"]
    assert int(later["SequenceNumber"]) > int(first["SequenceNumber"])
    assert bodies(receive_all(sqs, url)) == ["one", "one"]


def test_content_based_deduplication(sqs: Any, make_fifo: FifoMaker, clock: Any) -> None:
    url = make_fifo(ContentBasedDeduplication="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g")
    dup = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="other-group")
    assert dup["MessageId"] == first["MessageId"] and dup["SequenceNumber"] == first["SequenceNumber"]
    different = sqs.send_message(QueueUrl=url, MessageBody="same body!", MessageGroupId="g")
    assert different["MessageId"] != first["MessageId"]
    # An explicit id overrides the content hash, and the content hash is SHA-256 of the body.
    explicit = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g",
                                MessageDeduplicationId="explicit")
    assert explicit["MessageId"] != first["MessageId"]
    digest = hashlib.sha256(b"same body").hexdigest()
    by_hash = sqs.send_message(QueueUrl=url, MessageBody="unrelated", MessageGroupId="g",
                               MessageDeduplicationId=digest)
    assert by_hash["MessageId"] == first["MessageId"]
    got = receive_all(sqs, url, AttributeNames=["All"])
    assert [m["Attributes"]["MessageDeduplicationId"] for m in got] == [
        digest, hashlib.sha256(b"same body!").hexdigest(), "explicit",
    ]
    clock.advance(301)
    assert sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g")["MessageId"] != (
        first["MessageId"]
    )


def test_dedup_id_is_remembered_after_the_message_is_deleted(sqs: Any, make_fifo: FifoMaker, clock: Any) -> None:
    url = make_fifo()
    first = send(sqs, url, "once", dedup="once")
    delete_all(sqs, url, receive(sqs, url))
    clock.advance(120)
    again = send(sqs, url, "once", dedup="once")
    assert again["MessageId"] == first["MessageId"] and again["SequenceNumber"] == first["SequenceNumber"]
    assert receive(sqs, url) == []
    assert queue_counts(sqs, url) == (0, 0, 0)


def test_deduplication_scope_message_group(sqs: Any, make_fifo: FifoMaker) -> None:
    per_group = make_fifo(DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    a = send(sqs, per_group, "a", group="g1", dedup="same")
    b = send(sqs, per_group, "b", group="g2", dedup="same")
    assert a["MessageId"] != b["MessageId"]
    assert send(sqs, per_group, "c", group="g1", dedup="same")["MessageId"] == a["MessageId"]
    assert sorted(bodies(receive_all(sqs, per_group))) == ["a", "b"]

    per_queue = make_fifo()
    a = send(sqs, per_queue, "a", group="g1", dedup="same")
    b = send(sqs, per_queue, "b", group="g2", dedup="same")
    assert a["MessageId"] == b["MessageId"]
    assert bodies(receive_all(sqs, per_queue)) == ["a"]


def test_duplicates_inside_one_batch(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "first", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
        {"Id": "second", "MessageBody": "y", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
    ])
    by_id = {entry["Id"]: entry for entry in result["Successful"]}
    assert by_id["first"]["MessageId"] == by_id["second"]["MessageId"]
    assert by_id["first"]["SequenceNumber"] == by_id["second"]["SequenceNumber"]
    assert bodies(receive_all(sqs, url)) == ["x"]


# ------------------------------------------------------------------------------------ sequence numbers


def test_sequence_numbers_increase_and_are_system_attributes(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    sent = [send(sqs, url, f"m{i}", group=f"g{i % 2}", dedup=f"d{i}") for i in range(4)]
    batch = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": f"e{i}", "MessageBody": f"b{i}", "MessageGroupId": "g0", "MessageDeduplicationId": f"b{i}"}
        for i in range(3)
    ])["Successful"]
    sequences = [int(s["SequenceNumber"]) for s in sent] + [int(s["SequenceNumber"]) for s in batch]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert all(len(s["SequenceNumber"]) <= 128 and s["SequenceNumber"].isdigit() for s in sent)

    got = receive_all(sqs, url, AttributeNames=["All"])
    by_body = {m["Body"]: m for m in got}
    assert len(by_body) == 7
    for i, result in enumerate(sent):
        attributes = by_body[f"m{i}"]["Attributes"]
        assert attributes["SequenceNumber"] == result["SequenceNumber"]
        assert attributes["MessageGroupId"] == f"g{i % 2}"
        assert attributes["MessageDeduplicationId"] == f"d{i}"
        assert by_body[f"m{i}"]["MessageId"] == result["MessageId"]


def test_sequence_numbers_keep_increasing_after_the_newest_message_is_deleted(
    sqs: Any, make_fifo: FifoMaker
) -> None:
    """SequenceNumber is a queue's ever-increasing counter: deleting the newest message must not
    let the next send reuse (or go below) its number."""
    url = make_fifo()
    first = send(sqs, url, "first")
    delete_all(sqs, url, receive(sqs, url))
    second = send(sqs, url, "second")
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    got = receive(sqs, url, AttributeNames=["SequenceNumber"])
    assert [m["Attributes"]["SequenceNumber"] for m in got] == [second["SequenceNumber"]]
    delete_all(sqs, url, got)
    third = send(sqs, url, "third")
    assert int(third["SequenceNumber"]) > int(second["SequenceNumber"])
    assert send(sqs, url, "first")["SequenceNumber"] == first["SequenceNumber"]  # still a duplicate


# ------------------------------------------------------------------------------------ order and blocking


def test_strict_order_within_each_group(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    for i in range(12):
        for group in ("a", "b", "c"):
            send(sqs, url, f"{group}{i}", group=group)
    seen: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    for _ in range(20):
        got = receive(sqs, url)
        if not got:
            break
        for message in got:
            seen[message["Body"][0]].append(message["Body"])
        delete_all(sqs, url, got)
    assert seen == {group: [f"{group}{i}" for i in range(12)] for group in seen}


def test_group_blocked_while_in_flight_other_groups_served(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    for body in ("a1", "a2", "a3"):
        send(sqs, url, body, group="a")
    (a1,) = receive(sqs, url, count=1)
    assert a1["Body"] == "a1"
    assert receive(sqs, url) == []  # a2 waits behind the in-flight a1
    send(sqs, url, "b1", group="b")
    assert bodies(receive(sqs, url)) == ["b1"]
    assert receive(sqs, url) == []
    sqs.delete_message(QueueUrl=url, ReceiptHandle=a1["ReceiptHandle"])
    assert bodies(receive(sqs, url)) == ["a2", "a3"]


def test_group_released_by_visibility_expiry_redelivers_in_order(
    sqs: Any, make_fifo: FifoMaker, clock: Any
) -> None:
    url = make_fifo(VisibilityTimeout="30")
    for body in ("a1", "a2", "a3", "a4"):
        send(sqs, url, body, group="a")
    first = receive(sqs, url, count=2, AttributeNames=["ApproximateReceiveCount"])
    assert bodies(first) == ["a1", "a2"]
    clock.advance(29)
    assert receive(sqs, url) == []
    clock.advance(1)
    again = receive(sqs, url, AttributeNames=["ApproximateReceiveCount"])
    assert bodies(again) == ["a1", "a2", "a3", "a4"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in again] == ["2", "2", "1", "1"]
    assert {m["ReceiptHandle"] for m in again}.isdisjoint(m["ReceiptHandle"] for m in first)


def test_group_released_by_changing_visibility_to_zero(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    for body in ("a1", "a2"):
        send(sqs, url, body, group="a")
    (a1,) = receive(sqs, url, count=1)
    assert receive(sqs, url) == []
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=a1["ReceiptHandle"], VisibilityTimeout=0)
    assert bodies(receive(sqs, url)) == ["a1", "a2"]


def test_partial_delete_of_a_batch_keeps_the_group_blocked(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    for body in ("a1", "a2", "a3"):
        send(sqs, url, body, group="a")
    a1, a2 = receive(sqs, url, count=2)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=a1["ReceiptHandle"])
    assert receive(sqs, url) == []  # a2 is still in flight
    sqs.delete_message(QueueUrl=url, ReceiptHandle=a2["ReceiptHandle"])
    assert bodies(receive(sqs, url)) == ["a3"]


def test_a_delayed_message_does_not_block_other_groups(sqs: Any, make_fifo: FifoMaker, clock: Any) -> None:
    url = make_fifo(DelaySeconds="10")
    send(sqs, url, "a1", group="a")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
    send(sqs, url, "b1", group="b")
    send(sqs, url, "a2", group="a")
    assert queue_counts(sqs, url) == (2, 0, 1)
    got = receive(sqs, url)
    assert bodies(got) == ["b1"]  # a2 may not overtake a1, but b is not held up
    delete_all(sqs, url, got)
    clock.advance(10)
    assert bodies(receive(sqs, url)) == ["a1", "a2"]


def test_send_message_batch_keeps_entry_order_within_each_group(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    entries = []
    for i in range(10):
        group = "xyz"[i % 3]
        entries.append({"Id": f"e{i}", "MessageBody": f"{group}{i}", "MessageGroupId": group,
                        "MessageDeduplicationId": f"e{i}"})
    result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert len(result["Successful"]) == 10 and not result.get("Failed")
    sequences = {e["Id"]: int(e["SequenceNumber"]) for e in result["Successful"]}
    assert [sequences[f"e{i}"] for i in range(10)] == sorted(sequences.values())
    got = receive_all(sqs, url)
    for group in "xyz":
        assert [b for b in bodies(got) if b[0] == group] == [f"{group}{i}" for i in range(10) if "xyz"[i % 3] == group]


# ------------------------------------------------------------------------------------ receive attempts


def test_receive_attempt_retry_returns_the_same_messages(sqs: Any, make_fifo: FifoMaker, clock: Any) -> None:
    url = make_fifo()
    for body in ("a1", "a2", "b1"):
        send(sqs, url, body, group=body[0])
    first = receive(sqs, url, ReceiveRequestAttemptId="attempt-1", VisibilityTimeout=60)
    assert sorted(bodies(first)) == ["a1", "a2", "b1"]
    send(sqs, url, "c1", group="c")  # new work must not leak into a retry
    clock.advance(100)  # past the visibility timeout, inside the 5-minute window
    retry = receive(sqs, url, ReceiveRequestAttemptId="attempt-1", VisibilityTimeout=60)
    assert [(m["MessageId"], m["ReceiptHandle"]) for m in retry] == [
        (m["MessageId"], m["ReceiptHandle"]) for m in first
    ]
    # The retry hid them again: only c1 is left for anybody else.
    assert bodies(receive(sqs, url)) == ["c1"]
    delete_all(sqs, url, retry)
    assert receive(sqs, url) == []


def test_receive_attempt_retry_after_a_delete_is_a_new_receive(sqs: Any, make_fifo: FifoMaker) -> None:
    url = make_fifo()
    for body in ("a1", "a2", "a3"):
        send(sqs, url, body, group="a")
    first = receive(sqs, url, count=2, ReceiveRequestAttemptId="att")
    assert bodies(first) == ["a1", "a2"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    retry = receive(sqs, url, count=2, ReceiveRequestAttemptId="att")
    assert {m["ReceiptHandle"] for m in retry}.isdisjoint(m["ReceiptHandle"] for m in first)
    assert retry == []  # a2 still blocks its group


def test_receive_attempt_retry_after_a_visibility_change_is_a_new_receive(
    sqs: Any, make_fifo: FifoMaker
) -> None:
    url = make_fifo()
    for body in ("a1", "a2"):
        send(sqs, url, body, group="a")
    first = receive(sqs, url, ReceiveRequestAttemptId="att")
    assert bodies(first) == ["a1", "a2"]
    for message in first:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    retry = receive(sqs, url, ReceiveRequestAttemptId="att")
    assert bodies(retry) == ["a1", "a2"]  # delivered afresh ...
    assert {m["ReceiptHandle"] for m in retry}.isdisjoint(m["ReceiptHandle"] for m in first)  # ... with new handles


def test_receive_attempt_expires_after_five_minutes(sqs: Any, make_fifo: FifoMaker, clock: Any) -> None:
    url = make_fifo()
    send(sqs, url, "a1", group="a")
    first = receive(sqs, url, ReceiveRequestAttemptId="att", VisibilityTimeout=30)
    clock.advance(301)
    retry = receive(sqs, url, ReceiveRequestAttemptId="att")
    assert bodies(retry) == ["a1"]
    assert retry[0]["ReceiptHandle"] != first[0]["ReceiptHandle"]


# ------------------------------------------------------------------------------------ concurrency

GROUPS = 20
PER_GROUP = 200
CONSUMERS = 8


def test_concurrent_consumers_keep_group_order_and_exclusivity() -> None:
    """20 groups × 200 messages sent in batches while 8 consumer threads receive (10 at a time,
    30 s visibility) and delete. Every group must be processed exactly in send order, each message
    once, none lost, and no two consumers may ever hold messages of the same group at once.

    A consumer gives its groups up *before* it sends the delete: until that delete lands the server
    may not hand the group to anyone else, so whoever gets it next must find it released already.
    """
    with EmbeddedServer(ServerConfig(store="memory", port=0)) as embedded:  # real clock, real threads
        sqs = json_client(embedded.endpoint_url)
        url = sqs.create_queue(QueueName=unique_name("conc") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        lock = threading.Lock()
        holder: dict[str, int] = {}  # group -> consumer holding it
        processed: dict[str, list[int]] = {f"g{g:02d}": [] for g in range(GROUPS)}
        seen_ids: set[str] = set()
        violations: list[str] = []
        errors: list[BaseException] = []
        done = threading.Event()
        total = GROUPS * PER_GROUP

        def produce(groups: range) -> None:
            client = json_client(embedded.endpoint_url)
            try:
                for start in range(0, PER_GROUP, 10):
                    for g in groups:
                        entries = [
                            {"Id": str(i), "MessageBody": f"g{g:02d}:{i}", "MessageGroupId": f"g{g:02d}",
                             "MessageDeduplicationId": f"g{g:02d}-{i}"}
                            for i in range(start, start + 10)
                        ]
                        result = client.send_message_batch(QueueUrl=url, Entries=entries)
                        assert not result.get("Failed"), result
            except BaseException as exc:
                errors.append(exc)

        def consume(me: int) -> None:
            client = json_client(embedded.endpoint_url)
            try:
                while not done.is_set():
                    got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                                 WaitTimeSeconds=1).get("Messages", [])
                    if not got:
                        continue
                    groups = []
                    with lock:
                        for message in got:
                            group, index = message["Body"].split(":")
                            if holder.get(group, me) != me:
                                violations.append(f"{group} held by {holder[group]} and {me}")
                            holder[group] = me
                            groups.append(group)
                            if message["MessageId"] in seen_ids:
                                violations.append(f"{message['Body']} delivered twice")
                            seen_ids.add(message["MessageId"])
                            processed[group].append(int(index))
                    time.sleep(0.001)  # "work" while the groups are held
                    with lock:
                        for group in set(groups):
                            del holder[group]
                        if len(seen_ids) >= total:
                            done.set()
                    result = client.delete_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)
                    ])
                    assert not result.get("Failed"), result
            except BaseException as exc:
                errors.append(exc)
                done.set()

        threads = [threading.Thread(target=produce, args=(range(p, GROUPS, 4),)) for p in range(4)]
        threads += [threading.Thread(target=consume, args=(c,)) for c in range(CONSUMERS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        done.wait(60)
        done.set()  # stop the consumers even if the work never finished
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
        assert not errors, errors
        assert not violations, violations[:10]
        assert processed == {group: list(range(PER_GROUP)) for group in processed}
        assert len(seen_ids) == total
        assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
        assert elapsed < 30, elapsed
