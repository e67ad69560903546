"""Queue actions through real clients: create, find, list, delete, attributes, purge, tags, permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import expect_error, queue_counts, unique_name

NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"
STANDARD_ALL = {
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
}
FIFO_EXTRA = {"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}


def attributes(sqs: Any, url: str, *names: str) -> dict[str, str]:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names or ["All"])).get("Attributes", {})


# ------------------------------------------------------------------------------------ CreateQueue


def test_create_queue_returns_url_and_applies_attributes(sqs: Any, server: Any) -> None:
    name = unique_name()
    response = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "45", "DelaySeconds": "3", "MaximumMessageSize": "2048"},
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    url = response["QueueUrl"]
    assert url == server.queue_url(name)
    attrs = attributes(sqs, url)
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["DelaySeconds"] == "3"
    assert attrs["MaximumMessageSize"] == "2048"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"


def test_create_queue_with_tags(sqs: Any) -> None:
    name = unique_name()
    url = sqs.create_queue(QueueName=name, tags={"team": "payments", "env": "test"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "payments", "env": "test"}


def test_create_queue_is_idempotent_when_attributes_match(sqs: Any) -> None:
    name = unique_name()
    first = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    again = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    assert again == first
    # and without attributes at all it just returns the existing queue
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == first


def test_create_queue_with_different_attributes_is_queue_already_exists(sqs: Any) -> None:
    name = unique_name()
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    expect_error(
        sqs.create_queue, "QueueAlreadyExists", 400, shape="QueueNameExists", client=sqs,
        QueueName=name, Attributes={"VisibilityTimeout": "61"},
    )  # fmt: skip
    assert attributes(sqs, url, "VisibilityTimeout")["VisibilityTimeout"] == "60"


def test_create_fifo_queue(sqs: Any) -> None:
    name = unique_name() + ".fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})[
        "QueueUrl"
    ]
    attrs = attributes(sqs, url)
    assert set(attrs) == STANDARD_ALL | FIFO_EXTRA
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "true"
    assert attrs["DeduplicationScope"] == "queue"
    assert attrs["FifoThroughputLimit"] == "perQueue"


# ------------------------------------------------------------------------------------ GetQueueUrl


def test_get_queue_url(sqs: Any, queue_url: str) -> None:
    name = queue_url.rsplit("/", 1)[1]
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == queue_url
    assert sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId="000000000000")["QueueUrl"] == queue_url


def test_get_queue_url_of_another_account_does_not_exist(sqs: Any, queue_url: str) -> None:
    name = queue_url.rsplit("/", 1)[1]
    expect_error(
        sqs.get_queue_url, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs,
        QueueName=name, QueueOwnerAWSAccountId="111122223333",
    )  # fmt: skip


def test_get_queue_url_of_missing_queue(sqs: Any) -> None:
    expect_error(sqs.get_queue_url, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs, QueueName=unique_name())


# ------------------------------------------------------------------------------------ ListQueues


def test_list_queues_by_prefix(sqs: Any) -> None:
    prefix = unique_name("lp")
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3))
    sqs.create_queue(QueueName=unique_name("other"))
    assert sorted(sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]) == urls
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=unique_name("none"))


def test_list_queues_pages_with_max_results_and_next_token(sqs: Any) -> None:
    prefix = unique_name("page")
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i:02d}")["QueueUrl"] for i in range(25))
    seen: list[str] = []
    pages: list[int] = []
    kwargs: dict[str, Any] = {"QueueNamePrefix": prefix, "MaxResults": 10}
    while True:
        page = sqs.list_queues(**kwargs)
        seen.extend(page["QueueUrls"])
        pages.append(len(page["QueueUrls"]))
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
        assert len(pages) < 10
    assert pages == [10, 10, 5]
    assert sorted(seen) == urls
    assert len(set(seen)) == 25
    # without MaxResults: everything, no token
    whole = sqs.list_queues(QueueNamePrefix=prefix)
    assert sorted(whole["QueueUrls"]) == urls
    assert "NextToken" not in whole


@pytest.mark.parametrize("token", ["!!!", "not base64 at all", "===="])
def test_list_queues_invalid_next_token(sqs: Any, token: str) -> None:
    expect_error(sqs.list_queues, "InvalidParameterValue", 400, MaxResults=5, NextToken=token)


def test_list_queues_max_results_out_of_range(sqs: Any) -> None:
    for bad in (0, 1001, -1):
        expect_error(sqs.list_queues, "InvalidParameterValue", 400, MaxResults=bad)


# ------------------------------------------------------------------------------------ DeleteQueue


def test_delete_queue_then_recreate_waits_sixty_seconds(sqs: Any, clock: Any) -> None:
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="gone with the queue")
    sqs.delete_queue(QueueUrl=url)
    expect_error(sqs.get_queue_url, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs, QueueName=name)
    expect_error(sqs.send_message, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs,
                 QueueUrl=url, MessageBody="x")  # fmt: skip
    expect_error(
        sqs.create_queue, "AWS.SimpleQueueService.QueueDeletedRecently", 400,
        shape="QueueDeletedRecently", client=sqs, QueueName=name,
    )  # fmt: skip
    clock.advance(30)
    expect_error(sqs.create_queue, "AWS.SimpleQueueService.QueueDeletedRecently", 400, QueueName=name)
    clock.advance(31)
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    # the new queue is empty: the old one's messages went with it
    assert queue_counts(sqs, url) == (0, 0, 0)


def test_delete_missing_queue(sqs: Any, server: Any) -> None:
    expect_error(sqs.delete_queue, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs,
                 QueueUrl=server.queue_url(unique_name()))  # fmt: skip


# ------------------------------------------------------------------------------------ GetQueueAttributes


def test_get_queue_attributes_all_on_a_new_queue(sqs: Any, queue_url: str, clock: Any) -> None:
    attrs = attributes(sqs, queue_url, "All")
    assert set(attrs) == STANDARD_ALL
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["MaximumMessageSize"] == "1048576"
    assert attrs["DelaySeconds"] == "0"
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert attrs["CreatedTimestamp"] == attrs["LastModifiedTimestamp"] == str(clock.now() // 1000)
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def test_get_queue_attributes_each_name(sqs: Any, queue_url: str) -> None:
    everything = attributes(sqs, queue_url, "All")
    for name in sorted(STANDARD_ALL):
        assert attributes(sqs, queue_url, name) == {name: everything[name]}
    two = attributes(sqs, queue_url, "VisibilityTimeout", "QueueArn")
    assert two == {"VisibilityTimeout": "30", "QueueArn": everything["QueueArn"]}


def test_get_queue_attributes_without_names_returns_none(sqs: Any, queue_url: str) -> None:
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=queue_url)


def test_get_queue_attributes_unknown_name(sqs: Any, queue_url: str) -> None:
    expect_error(sqs.get_queue_attributes, "InvalidAttributeName", 400, shape="InvalidAttributeName", client=sqs,
                 QueueUrl=queue_url, AttributeNames=["NoSuchAttribute"])  # fmt: skip


def test_counters_after_traffic(sqs: Any, queue_url: str, clock: Any) -> None:
    for i in range(4):
        sqs.send_message(QueueUrl=queue_url, MessageBody=f"visible {i}")
    sqs.send_message(QueueUrl=queue_url, MessageBody="delayed", DelaySeconds=60)
    assert queue_counts(sqs, queue_url) == (4, 0, 1)
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=3, VisibilityTimeout=30)["Messages"]
    assert len(got) == 3
    assert queue_counts(sqs, queue_url) == (1, 3, 1)
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert queue_counts(sqs, queue_url) == (1, 2, 1)
    clock.advance(30)  # in-flight ones come back
    assert queue_counts(sqs, queue_url) == (3, 0, 1)
    clock.advance(30)  # the delay ends
    assert queue_counts(sqs, queue_url) == (4, 0, 0)


def test_get_queue_attributes_of_missing_queue(sqs: Any, server: Any) -> None:
    expect_error(sqs.get_queue_attributes, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs,
                 QueueUrl=server.queue_url(unique_name()), AttributeNames=["All"])  # fmt: skip


# ------------------------------------------------------------------------------------ SetQueueAttributes


def test_set_queue_attributes(sqs: Any, queue_url: str, clock: Any) -> None:
    before = attributes(sqs, queue_url)
    clock.advance(5)
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={"VisibilityTimeout": "120", "DelaySeconds": "7", "MessageRetentionPeriod": "3600",
                    "ReceiveMessageWaitTimeSeconds": "4", "MaximumMessageSize": "4096"},
    )  # fmt: skip
    after = attributes(sqs, queue_url)
    assert after["VisibilityTimeout"] == "120"
    assert after["DelaySeconds"] == "7"
    assert after["MessageRetentionPeriod"] == "3600"
    assert after["ReceiveMessageWaitTimeSeconds"] == "4"
    assert after["MaximumMessageSize"] == "4096"
    assert after["CreatedTimestamp"] == before["CreatedTimestamp"]
    assert int(after["LastModifiedTimestamp"]) == int(before["LastModifiedTimestamp"]) + 5


def test_set_queue_attributes_errors_change_nothing(sqs: Any, queue_url: str) -> None:
    before = attributes(sqs, queue_url)
    expect_error(sqs.set_queue_attributes, "InvalidAttributeName", 400, shape="InvalidAttributeName", client=sqs,
                 QueueUrl=queue_url, Attributes={"VisibilityTimeout": "99", "Colour": "blue"})  # fmt: skip
    expect_error(sqs.set_queue_attributes, "InvalidAttributeValue", 400, shape="InvalidAttributeValue", client=sqs,
                 QueueUrl=queue_url, Attributes={"VisibilityTimeout": "99", "DelaySeconds": "901"})  # fmt: skip
    expect_error(sqs.set_queue_attributes, "InvalidAttributeValue", 400,
                 QueueUrl=queue_url, Attributes={"MessageRetentionPeriod": "59"})  # fmt: skip
    # a FIFO-only attribute on a standard queue is not an attribute of that queue
    expect_error(sqs.set_queue_attributes, "InvalidAttributeName", 400,
                 QueueUrl=queue_url, Attributes={"ContentBasedDeduplication": "true"})  # fmt: skip
    assert attributes(sqs, queue_url) == before


def test_set_queue_attributes_of_missing_queue(sqs: Any, server: Any) -> None:
    expect_error(sqs.set_queue_attributes, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs,
                 QueueUrl=server.queue_url(unique_name()), Attributes={"VisibilityTimeout": "1"})  # fmt: skip


# ------------------------------------------------------------------------------------ PurgeQueue


def test_purge_queue_empties_and_is_limited_to_once_a_minute(sqs: Any, queue_url: str, clock: Any) -> None:
    for i in range(3):
        sqs.send_message(QueueUrl=queue_url, MessageBody=f"m{i}")
    sqs.send_message(QueueUrl=queue_url, MessageBody="late", DelaySeconds=5)
    sqs.receive_message(QueueUrl=queue_url)
    assert queue_counts(sqs, queue_url) == (2, 1, 1)
    sqs.purge_queue(QueueUrl=queue_url)
    assert queue_counts(sqs, queue_url) == (0, 0, 0)
    clock.advance(10)
    assert sqs.receive_message(QueueUrl=queue_url).get("Messages", []) == []

    sqs.send_message(QueueUrl=queue_url, MessageBody="after purge")
    expect_error(sqs.purge_queue, "AWS.SimpleQueueService.PurgeQueueInProgress", 403,
                 shape="PurgeQueueInProgress", client=sqs, QueueUrl=queue_url)  # fmt: skip
    assert queue_counts(sqs, queue_url) == (1, 0, 0)  # the refused purge deleted nothing
    clock.advance(51)
    sqs.purge_queue(QueueUrl=queue_url)
    assert queue_counts(sqs, queue_url) == (0, 0, 0)


def test_purge_missing_queue(sqs: Any, server: Any) -> None:
    expect_error(sqs.purge_queue, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs,
                 QueueUrl=server.queue_url(unique_name()))  # fmt: skip


# ------------------------------------------------------------------------------------ tags


def test_tag_untag_list(sqs: Any, queue_url: str) -> None:
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=queue_url)
    sqs.tag_queue(QueueUrl=queue_url, Tags={"a": "1", "b": "2"})
    sqs.tag_queue(QueueUrl=queue_url, Tags={"b": "20", "c": ""})
    assert sqs.list_queue_tags(QueueUrl=queue_url)["Tags"] == {"a": "1", "b": "20", "c": ""}
    sqs.untag_queue(QueueUrl=queue_url, TagKeys=["a", "missing"])
    assert sqs.list_queue_tags(QueueUrl=queue_url)["Tags"] == {"b": "20", "c": ""}
    sqs.untag_queue(QueueUrl=queue_url, TagKeys=["b", "c"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=queue_url)


def test_tag_errors_change_nothing(sqs: Any, queue_url: str, server: Any) -> None:
    sqs.tag_queue(QueueUrl=queue_url, Tags={"keep": "me"})
    too_many = {f"k{i}": "v" for i in range(50)}
    expect_error(sqs.tag_queue, "InvalidParameterValue", 400, QueueUrl=queue_url, Tags=too_many)
    expect_error(sqs.tag_queue, "InvalidParameterValue", 400, QueueUrl=queue_url, Tags={"k" * 129: "v"})
    expect_error(sqs.tag_queue, "InvalidParameterValue", 400, QueueUrl=queue_url, Tags={"k": "v" * 257})
    assert sqs.list_queue_tags(QueueUrl=queue_url)["Tags"] == {"keep": "me"}
    for call, kwargs in (
        (sqs.tag_queue, {"Tags": {"a": "b"}}),
        (sqs.untag_queue, {"TagKeys": ["a"]}),
        (sqs.list_queue_tags, {}),
    ):
        expect_error(call, NON_EXISTENT, 400, shape="QueueDoesNotExist", client=sqs,
                     QueueUrl=server.queue_url(unique_name()), **kwargs)  # fmt: skip


# ------------------------------------------------------------------------------------ permissions


def _statements(sqs: Any, url: str) -> list[dict[str, Any]]:
    policy = attributes(sqs, url, "Policy").get("Policy")
    if policy is None:
        return []
    statements = json.loads(policy)["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_add_and_remove_permission(sqs: Any, queue_url: str) -> None:
    arn = attributes(sqs, queue_url, "QueueArn")["QueueArn"]
    sqs.add_permission(QueueUrl=queue_url, Label="senders", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    sqs.add_permission(
        QueueUrl=queue_url, Label="readers", AWSAccountIds=["111122223333", "444455556666"],
        Actions=["ReceiveMessage", "DeleteMessage"],
    )  # fmt: skip
    statements = {s["Sid"]: s for s in _statements(sqs, queue_url)}
    assert set(statements) == {"senders", "readers"}
    senders = statements["senders"]
    assert senders["Effect"] == "Allow"
    assert _as_list(senders["Principal"]["AWS"]) == ["arn:aws:iam::111122223333:root"]
    assert _as_list(senders["Action"]) == ["SQS:SendMessage"]
    assert senders["Resource"] == arn
    assert sorted(_as_list(statements["readers"]["Action"])) == ["SQS:DeleteMessage", "SQS:ReceiveMessage"]

    sqs.remove_permission(QueueUrl=queue_url, Label="senders")
    assert [s["Sid"] for s in _statements(sqs, queue_url)] == ["readers"]
    sqs.remove_permission(QueueUrl=queue_url, Label="readers")
    assert _statements(sqs, queue_url) == []


def test_permission_errors(sqs: Any, queue_url: str) -> None:
    sqs.add_permission(QueueUrl=queue_url, Label="only", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    before = attributes(sqs, queue_url, "Policy")
    expect_error(sqs.add_permission, "InvalidParameterValue", 400, QueueUrl=queue_url, Label="only",
                 AWSAccountIds=["111122223333"], Actions=["ReceiveMessage"])  # fmt: skip
    expect_error(sqs.remove_permission, "InvalidParameterValue", 400, QueueUrl=queue_url, Label="unknown")
    expect_error(sqs.add_permission, "InvalidParameterValue", 400, QueueUrl=queue_url, Label="bad label!",
                 AWSAccountIds=["111122223333"], Actions=["SendMessage"])  # fmt: skip
    assert attributes(sqs, queue_url, "Policy") == before


def test_policy_attribute_round_trip(sqs: Any, queue_url: str) -> None:
    arn = attributes(sqs, queue_url, "QueueArn")["QueueArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "own", "Effect": "Allow", "Principal": "*", "Action": "SQS:SendMessage",
                       "Resource": arn}],
    }  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    assert json.loads(attributes(sqs, queue_url, "Policy")["Policy"]) == policy
    sqs.add_permission(QueueUrl=queue_url, Label="more", AWSAccountIds=["111122223333"], Actions=["*"])
    assert [s["Sid"] for s in _statements(sqs, queue_url)] == ["own", "more"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": ""})
    assert "Policy" not in attributes(sqs, queue_url)
