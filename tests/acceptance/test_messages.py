"""Sending, deleting and changing visibility, single and batched, through real clients."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import attributes_md5, expect_error, md5_hex, queue_counts, receive_all

ATTRIBUTES: dict[str, dict[str, Any]] = {
    "text": {"DataType": "String", "StringValue": 'héllo <wörld> & "friends" 🎉'},
    "count": {"DataType": "Number", "StringValue": "-12.5e3"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff binary"},
    "price": {"DataType": "Number.float", "StringValue": "3.14159"},
    "doc": {"DataType": "String.json", "StringValue": '{"a": [1, 2]}'},
    "image": {"DataType": "Binary.gif", "BinaryValue": b"GIF89a\x00"},
}


def receive_one(sqs: Any, url: str, **kwargs: Any) -> dict[str, Any]:
    (message,) = sqs.receive_message(QueueUrl=url, **kwargs)["Messages"]
    return message


# ------------------------------------------------------------------------------------ SendMessage


def test_send_message_md5s_and_round_trip(sqs: Any, queue_url: str) -> None:
    body = "hello, queue"
    sent = sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageAttributes=ATTRIBUTES)
    assert sent["MD5OfMessageBody"] == md5_hex(body.encode())
    assert sent["MD5OfMessageAttributes"] == attributes_md5(ATTRIBUTES)
    assert len(sent["MessageId"]) == 36

    message = receive_one(sqs, queue_url, MessageAttributeNames=["All"])
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["MessageAttributes"] == ATTRIBUTES


def test_send_without_attributes_has_no_attributes_md5(sqs: Any, queue_url: str) -> None:
    sent = sqs.send_message(QueueUrl=queue_url, MessageBody="plain")
    assert "MD5OfMessageAttributes" not in sent
    message = receive_one(sqs, queue_url, MessageAttributeNames=["All"])
    assert "MessageAttributes" not in message
    assert "MD5OfMessageAttributes" not in message


@pytest.mark.parametrize(
    "body",
    [
        "<&>\"'",
        "line one\r\nline two\rthree\nfour\ttab",
        "emoji 🎉🚀 and 中文 and \u00e9",
        "  leading and trailing spaces  ",
        "]]> <![CDATA[ not really ]]>",
        "\ue000\ufffd\U0010ffff",
        '{"json": "looking", "n": 1}',
    ],
)
def test_bodies_round_trip_unchanged(sqs: Any, queue_url: str, body: str) -> None:
    sent = sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5_hex(body.encode("utf-8"))
    message = receive_one(sqs, queue_url)
    assert message["Body"] == body
    assert message["MD5OfBody"] == md5_hex(body.encode("utf-8"))


def test_per_message_delay(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="now")
    sqs.send_message(QueueUrl=queue_url, MessageBody="later", DelaySeconds=10)
    assert queue_counts(sqs, queue_url) == (1, 0, 1)
    assert [m["Body"] for m in receive_all(sqs, queue_url)] == ["now"]
    clock.advance(9)
    assert receive_all(sqs, queue_url) == []
    clock.advance(1)
    assert [m["Body"] for m in receive_all(sqs, queue_url)] == ["later"]


def test_message_size_limit(sqs: Any, make_queue: Any) -> None:
    url = make_queue({"MaximumMessageSize": "1024"})
    sqs.send_message(QueueUrl=url, MessageBody="a" * 1024)
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url, MessageBody="a" * 1025)
    # multi-byte characters count in UTF-8 bytes
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url, MessageBody="é" * 513)
    # attributes count too: name + type + value
    attrs = {"name": {"DataType": "String", "StringValue": "v" * 10}}  # 4 + 6 + 10 bytes
    sqs.send_message(QueueUrl=url, MessageBody="a" * 1004, MessageAttributes=attrs)
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url, MessageBody="a" * 1005,
                 MessageAttributes=attrs)  # fmt: skip
    assert queue_counts(sqs, url) == (2, 0, 0)


def test_default_maximum_message_size_is_one_mebibyte(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="x" * 1_048_576)
    expect_error(sqs.send_message, "InvalidParameterValue", 400, QueueUrl=queue_url, MessageBody="x" * 1_048_577)
    (message,) = receive_all(sqs, queue_url)
    assert len(message["Body"]) == 1_048_576


@pytest.mark.parametrize("body", ["\x00", "bad \x01 char", "\x08", "\ufffe", "\uffff", "ok\x1f"])
def test_invalid_characters(sqs: Any, queue_url: str, body: str) -> None:
    expect_error(sqs.send_message, "InvalidMessageContents", 400, shape="InvalidMessageContents", client=sqs,
                 QueueUrl=queue_url, MessageBody=body)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_empty_body_is_missing_parameter(sqs: Any, queue_url: str) -> None:
    expect_error(sqs.send_message, "MissingParameter", 400, QueueUrl=queue_url, MessageBody="")
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_send_to_missing_queue(sqs: Any, server: Any) -> None:
    expect_error(sqs.send_message, "AWS.SimpleQueueService.NonExistentQueue", 400, shape="QueueDoesNotExist",
                 client=sqs, QueueUrl=server.queue_url("no-such-queue-anywhere"), MessageBody="x")  # fmt: skip


# ------------------------------------------------------------------------------------ SendMessageBatch


def test_send_message_batch(sqs: Any, queue_url: str, clock: Any) -> None:
    entries = [
        {"Id": "plain", "MessageBody": "one"},
        {"Id": "with-attrs", "MessageBody": "two", "MessageAttributes": ATTRIBUTES},
        {"Id": "delayed_1", "MessageBody": "three", "DelaySeconds": 30},
    ]
    result = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    assert result.get("Failed", []) == []
    by_id = {entry["Id"]: entry for entry in result["Successful"]}
    assert set(by_id) == {"plain", "with-attrs", "delayed_1"}
    assert by_id["plain"]["MD5OfMessageBody"] == md5_hex(b"one")
    assert "MD5OfMessageAttributes" not in by_id["plain"]
    assert by_id["with-attrs"]["MD5OfMessageAttributes"] == attributes_md5(ATTRIBUTES)
    assert queue_counts(sqs, queue_url) == (2, 0, 1)
    received = {m["Body"]: m for m in receive_all(sqs, queue_url, MessageAttributeNames=["All"], VisibilityTimeout=300)}
    assert set(received) == {"one", "two"}
    assert received["two"]["MessageAttributes"] == ATTRIBUTES
    assert received["two"]["MessageId"] == by_id["with-attrs"]["MessageId"]
    clock.advance(30)
    assert [m["Body"] for m in receive_all(sqs, queue_url)] == ["three"]


def test_send_message_batch_partial_failure(sqs: Any, make_queue: Any) -> None:
    url = make_queue({"MaximumMessageSize": "1024"})
    entries = [
        {"Id": "good1", "MessageBody": "fine"},
        {"Id": "badchars", "MessageBody": "nope \x00"},
        {"Id": "toolong", "MessageBody": "x" * 1025},
        {"Id": "baddelay", "MessageBody": "x", "DelaySeconds": 901},
        {"Id": "badattr", "MessageBody": "x",
         "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "not a number"}}},
        {"Id": "good2", "MessageBody": "also fine"},
    ]  # fmt: skip
    result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sorted(e["Id"] for e in result["Successful"]) == ["good1", "good2"]
    failed = {e["Id"]: e for e in result["Failed"]}
    assert set(failed) == {"badchars", "toolong", "baddelay", "badattr"}
    assert all(e["SenderFault"] is True for e in failed.values())
    assert all(e.get("Message") for e in failed.values())
    assert failed["badchars"]["Code"] == "InvalidMessageContents"
    assert failed["toolong"]["Code"] == "InvalidParameterValue"
    assert failed["baddelay"]["Code"] == "InvalidParameterValue"
    assert failed["badattr"]["Code"] == "InvalidParameterValue"
    assert sorted(m["Body"] for m in receive_all(sqs, url)) == ["also fine", "fine"]


BATCH_ERRORS = [
    ("empty", [], "AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest"),
    (
        "eleven",
        [{"Id": f"m{i}", "MessageBody": "x"} for i in range(11)],
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "TooManyEntriesInBatchRequest",
    ),
    (
        "duplicate ids",
        [{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}],
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "BatchEntryIdsNotDistinct",
    ),
    (
        "bad id",
        [{"Id": "ok", "MessageBody": "x"}, {"Id": "not ok!", "MessageBody": "y"}],
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        "InvalidBatchEntryId",
    ),
    (
        "id too long",
        [{"Id": "i" * 81, "MessageBody": "x"}],
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        "InvalidBatchEntryId",
    ),
    (
        "over one MiB",
        [{"Id": f"m{i}", "MessageBody": "x" * 110_000} for i in range(10)],
        "AWS.SimpleQueueService.BatchRequestTooLong",
        "BatchRequestTooLong",
    ),
]


@pytest.mark.parametrize(("entries", "code", "shape"), [case[1:] for case in BATCH_ERRORS],
                         ids=[case[0] for case in BATCH_ERRORS])  # fmt: skip
def test_send_message_batch_request_errors(sqs: Any, queue_url: str, entries: list, code: str, shape: str) -> None:
    expect_error(sqs.send_message_batch, code, 400, shape=shape, client=sqs, QueueUrl=queue_url, Entries=entries)
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_batch_size_counts_rejected_entries_too(sqs: Any, queue_url: str) -> None:
    """The 1 MiB is the sum over every message in the request, not just the valid ones."""
    entries = [{"Id": f"ok{i}", "MessageBody": "x" * 120_000} for i in range(8)]  # 960,000 bytes
    entries += [{"Id": f"bad{i}", "MessageBody": "x" * 120_000 + "\x00"} for i in range(2)]
    expect_error(sqs.send_message_batch, "AWS.SimpleQueueService.BatchRequestTooLong", 400,
                 shape="BatchRequestTooLong", client=sqs, QueueUrl=queue_url, Entries=entries)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_batch_of_exactly_one_mebibyte_is_accepted(sqs: Any, queue_url: str) -> None:
    entries = [{"Id": f"m{i}", "MessageBody": "x" * (1_048_576 // 4)} for i in range(4)]
    result = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    assert len(result["Successful"]) == 4
    assert queue_counts(sqs, queue_url) == (4, 0, 0)


# ------------------------------------------------------------------------------------ DeleteMessage


def test_delete_message(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="bye")
    message = receive_one(sqs, queue_url)
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert queue_counts(sqs, queue_url) == (0, 0, 0)
    clock.advance(60)
    assert receive_all(sqs, queue_url) == []
    # deleting again with the same handle is not an error
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_stale_receipt_handle_does_not_delete_redelivered_message(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="contested")
    first = receive_one(sqs, queue_url, VisibilityTimeout=5)
    clock.advance(5)
    second = receive_one(sqs, queue_url, VisibilityTimeout=30)
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=first["ReceiptHandle"])  # succeeds, deletes nothing
    assert queue_counts(sqs, queue_url) == (0, 1, 0)
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=second["ReceiptHandle"])
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_latest_handle_still_deletes_after_visibility_expired(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="late delete")
    message = receive_one(sqs, queue_url, VisibilityTimeout=5)
    clock.advance(10)  # visible again, but nobody received it since
    assert queue_counts(sqs, queue_url) == (1, 0, 0)
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


@pytest.mark.parametrize("handle", ["not-a-receipt-handle", "AAAA", "x" * 300])
def test_invalid_receipt_handle(sqs: Any, queue_url: str, handle: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="stays")
    receive_one(sqs, queue_url)
    expect_error(sqs.delete_message, "ReceiptHandleIsInvalid", 400, shape="ReceiptHandleIsInvalid", client=sqs,
                 QueueUrl=queue_url, ReceiptHandle=handle)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 1, 0)


def test_receipt_handle_of_another_queue_is_invalid(sqs: Any, make_queue: Any) -> None:
    one, two = make_queue(), make_queue()
    sqs.send_message(QueueUrl=one, MessageBody="mine")
    handle = receive_one(sqs, one)["ReceiptHandle"]
    expect_error(sqs.delete_message, "ReceiptHandleIsInvalid", 400, QueueUrl=two, ReceiptHandle=handle)
    assert queue_counts(sqs, one) == (0, 1, 0)


def test_delete_message_batch(sqs: Any, queue_url: str, clock: Any) -> None:
    for i in range(3):
        sqs.send_message(QueueUrl=queue_url, MessageBody=f"m{i}")
    messages = receive_all(sqs, queue_url, VisibilityTimeout=10)
    assert len(messages) == 3
    entries = [{"Id": f"e{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages[:2])]
    entries.append({"Id": "bogus", "ReceiptHandle": "garbage"})
    result = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
    assert sorted(e["Id"] for e in result["Successful"]) == ["e0", "e1"]
    (failure,) = result["Failed"]
    assert failure["Id"] == "bogus"
    assert failure["Code"] == "ReceiptHandleIsInvalid"
    assert failure["SenderFault"] is True
    clock.advance(10)
    assert [m["Body"] for m in receive_all(sqs, queue_url)] == [messages[2]["Body"]]


def test_delete_message_batch_request_errors(sqs: Any, queue_url: str) -> None:
    expect_error(sqs.delete_message_batch, "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                 shape="EmptyBatchRequest", client=sqs, QueueUrl=queue_url, Entries=[])  # fmt: skip
    expect_error(sqs.delete_message_batch, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
                 QueueUrl=queue_url, Entries=[{"Id": f"i{i}", "ReceiptHandle": "h"} for i in range(11)])  # fmt: skip
    expect_error(sqs.delete_message_batch, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400,
                 QueueUrl=queue_url, Entries=[{"Id": "a", "ReceiptHandle": "h"}] * 2)  # fmt: skip
    expect_error(sqs.delete_message_batch, "AWS.SimpleQueueService.InvalidBatchEntryId", 400,
                 QueueUrl=queue_url, Entries=[{"Id": "a.b", "ReceiptHandle": "h"}])  # fmt: skip


# ------------------------------------------------------------------------------------ ChangeMessageVisibility


def test_change_visibility_extends(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="slow work")
    message = receive_one(sqs, queue_url, VisibilityTimeout=10)
    clock.advance(5)
    sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=60)
    clock.advance(30)  # past the original timeout
    assert receive_all(sqs, queue_url) == []
    assert queue_counts(sqs, queue_url) == (0, 1, 0)
    clock.advance(30)  # 60 s after the change
    (again,) = receive_all(sqs, queue_url)
    assert again["MessageId"] == message["MessageId"]


def test_change_visibility_to_zero_makes_visible(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="give back")
    message = receive_one(sqs, queue_url, VisibilityTimeout=300)
    sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert queue_counts(sqs, queue_url) == (1, 0, 0)
    assert receive_one(sqs, queue_url)["MessageId"] == message["MessageId"]


def test_change_visibility_of_message_not_in_flight(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="expired")
    message = receive_one(sqs, queue_url, VisibilityTimeout=5)
    clock.advance(5)
    expect_error(sqs.change_message_visibility, "AWS.SimpleQueueService.MessageNotInflight", 400,
                 shape="MessageNotInflight", client=sqs, QueueUrl=queue_url,
                 ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=30)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (1, 0, 0)


def test_change_visibility_beyond_twelve_hours(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="long")
    message = receive_one(sqs, queue_url, VisibilityTimeout=600)
    clock.advance(100)
    handle = message["ReceiptHandle"]
    # 100 s have passed since the receive: 43,100 more is exactly 12 h in all
    expect_error(sqs.change_message_visibility, "InvalidParameterValue", 400,
                 QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=43_101)  # fmt: skip
    expect_error(sqs.change_message_visibility, "InvalidParameterValue", 400,
                 QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=43_201)  # fmt: skip
    sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=43_100)
    clock.advance(43_099)
    assert queue_counts(sqs, queue_url) == (0, 1, 0)
    clock.advance(1)
    assert queue_counts(sqs, queue_url) == (1, 0, 0)


def test_change_visibility_with_stale_or_invalid_handle(sqs: Any, queue_url: str, clock: Any) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="held")
    first = receive_one(sqs, queue_url, VisibilityTimeout=5)
    clock.advance(5)
    receive_one(sqs, queue_url, VisibilityTimeout=60)
    # the stale handle must not touch the message the second receiver holds
    with pytest.raises(Exception) as info:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
    assert info.value.response["Error"]["Code"] in {"InvalidParameterValue", "ReceiptHandleIsInvalid"}
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert queue_counts(sqs, queue_url) == (0, 1, 0)
    expect_error(sqs.change_message_visibility, "ReceiptHandleIsInvalid", 400, shape="ReceiptHandleIsInvalid",
                 client=sqs, QueueUrl=queue_url, ReceiptHandle="garbage", VisibilityTimeout=0)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 1, 0)


def test_change_visibility_out_of_range(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="m")
    handle = receive_one(sqs, queue_url)["ReceiptHandle"]
    for bad in (-1, 43_201):
        expect_error(sqs.change_message_visibility, "InvalidParameterValue", 400,
                     QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=bad)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (0, 1, 0)


def test_change_message_visibility_batch(sqs: Any, queue_url: str, clock: Any) -> None:
    for i in range(3):
        sqs.send_message(QueueUrl=queue_url, MessageBody=f"m{i}")
    messages = receive_all(sqs, queue_url, VisibilityTimeout=10)
    by_body = {m["Body"]: m for m in messages}
    result = sqs.change_message_visibility_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": "extend", "ReceiptHandle": by_body["m0"]["ReceiptHandle"], "VisibilityTimeout": 100},
            {"Id": "release", "ReceiptHandle": by_body["m1"]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "toolong", "ReceiptHandle": by_body["m2"]["ReceiptHandle"], "VisibilityTimeout": 50_000},
            {"Id": "bogus", "ReceiptHandle": "garbage", "VisibilityTimeout": 5},
        ],
    )
    assert sorted(e["Id"] for e in result["Successful"]) == ["extend", "release"]
    failed = {e["Id"]: e for e in result["Failed"]}
    assert set(failed) == {"toolong", "bogus"}
    assert failed["bogus"]["Code"] == "ReceiptHandleIsInvalid"
    assert failed["toolong"]["Code"] == "InvalidParameterValue"
    assert all(e["SenderFault"] is True for e in failed.values())
    assert queue_counts(sqs, queue_url) == (1, 2, 0)
    clock.advance(10)  # m2 keeps its original timeout
    assert sorted(m["Body"] for m in receive_all(sqs, queue_url, VisibilityTimeout=600)) == ["m1", "m2"]
    clock.advance(90)
    assert [m["Body"] for m in receive_all(sqs, queue_url)] == ["m0"]


def test_change_message_visibility_batch_request_errors(sqs: Any, queue_url: str) -> None:
    expect_error(sqs.change_message_visibility_batch, "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                 shape="EmptyBatchRequest", client=sqs, QueueUrl=queue_url, Entries=[])  # fmt: skip
    entries = [{"Id": "x", "ReceiptHandle": "h", "VisibilityTimeout": 1}] * 2
    expect_error(sqs.change_message_visibility_batch, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400,
                 QueueUrl=queue_url, Entries=entries)  # fmt: skip
    entries = [{"Id": f"x{i}", "ReceiptHandle": "h", "VisibilityTimeout": 1} for i in range(11)]
    expect_error(sqs.change_message_visibility_batch, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
                 QueueUrl=queue_url, Entries=entries)  # fmt: skip
