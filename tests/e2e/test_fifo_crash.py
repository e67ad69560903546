"""A FIFO queue survives SIGKILL: deduplication memory, group order, in-flight receipts, no loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.process import ServerProcess, sqs_client

GROUPS = ["alpha", "beta", "gamma", "delta"]
PER_GROUP = 15


def body(group: str, i: int) -> str:
    return f"{group}:{i:02d}"


def test_fifo_state_survives_sigkill(start_server: Callable[..., ServerProcess]) -> None:
    server = start_server()
    sqs: Any = sqs_client(server.endpoint_url)
    url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]

    sent: dict[str, dict[str, Any]] = {}
    for start in range(0, PER_GROUP, 5):
        for group in GROUPS:  # interleave the groups, batch by batch
            entries = [
                {"Id": f"e{i}", "MessageBody": body(group, i), "MessageGroupId": group,
                 "MessageDeduplicationId": f"dedup-{group}-{i}"}
                for i in range(start, start + 5)
            ]
            result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
            assert not result.get("Failed"), result
            for entry in result["Successful"]:
                sent[body(group, int(entry["Id"][1:]))] = entry

    # Consume and delete the first three of every group; leave alpha's fourth in flight.
    deleted: list[str] = []
    in_flight = None
    while len(deleted) < 3 * len(GROUPS) or in_flight is None:
        (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"]
        group, index = message["Body"].split(":")
        if int(index) < 3:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            deleted.append(message["Body"])
        elif group == "alpha" and in_flight is None:
            in_flight = message
        else:  # not ours to take yet: give it back
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert sorted(deleted) == sorted(body(g, i) for g in GROUPS for i in range(3))
    assert in_flight["Body"] == body("alpha", 3)

    server.kill()
    server.start()
    sqs = sqs_client(server.endpoint_url)

    # (a) the dedup ids of deleted messages are still remembered: same MessageId, nothing new queued.
    for name in deleted:
        group, i = name.split(":")
        again = sqs.send_message(QueueUrl=url, MessageBody="resent " + name, MessageGroupId=group,
                                 MessageDeduplicationId=f"dedup-{group}-{int(i)}")
        assert again["MessageId"] == sent[name]["MessageId"]
        assert again["SequenceNumber"] == sent[name]["SequenceNumber"]

    # alpha is still blocked by its in-flight message, whose receipt handle still works.
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                   "ApproximateNumberOfMessagesNotVisible"])
    assert attrs["Attributes"] == {
        "ApproximateNumberOfMessages": str(len(GROUPS) * PER_GROUP - len(deleted) - 1),
        "ApproximateNumberOfMessagesNotVisible": "1",
    }
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=in_flight["ReceiptHandle"], VisibilityTimeout=0)

    # (b) and (c): everything left comes back, each group in its original order, nothing twice.
    order: dict[str, list[str]] = {group: [] for group in GROUPS}
    ids: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not got:
            break
        for message in got:
            group = message["Attributes"]["MessageGroupId"]
            assert message["Body"].startswith(group + ":")  # the resends above were not enqueued
            assert message["MessageId"] == sent[message["Body"]]["MessageId"]
            assert message["Attributes"]["SequenceNumber"] == sent[message["Body"]]["SequenceNumber"]
            order[group].append(message["Body"])
            ids.append(message["MessageId"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert order == {group: [body(group, i) for i in range(3, PER_GROUP)] for group in GROUPS}
    assert len(ids) == len(set(ids)) == len(GROUPS) * PER_GROUP - len(deleted)


    # New sends after the restart continue the sequence instead of restarting it.
    fresh = sqs.send_message(QueueUrl=url, MessageBody="after", MessageGroupId="alpha", MessageDeduplicationId="new")
    assert int(fresh["SequenceNumber"]) > max(int(entry["SequenceNumber"]) for entry in sent.values())
