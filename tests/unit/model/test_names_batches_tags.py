"""Queue names, URLs and ARNs; batch request rules; tag rules."""

from __future__ import annotations

import re

import pytest

from conveyor.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidAddress,
    InvalidBatchEntryId,
    InvalidParameterValue,
    MissingParameter,
    QueueDoesNotExist,
    TooManyEntriesInBatchRequest,
)
from conveyor.model.batches import check_batch_size, validate_batch_entries
from conveyor.model.names import parse_queue_arn, parse_queue_url, queue_arn, validate_queue_name
from conveyor.model.tags import check_tag_count, validate_tag_keys, validate_tags

# ---------------------------------------------------------------------------- queue names


@pytest.mark.parametrize(("name", "fifo"), [("a", False), ("A-b_9", False), ("x" * 80, False),
                                            ("q.fifo", True), ("x" * 75 + ".fifo", True)])
def test_valid_queue_names(name: str, fifo: bool) -> None:
    assert validate_queue_name(name) is fifo


@pytest.mark.parametrize("name", ["x" * 81, "a b", "a.b", "caf\u00e9", "a/b", ".fifo.x"])
def test_invalid_standard_names(name: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        validate_queue_name(name)
    assert info.value.message == "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"


@pytest.mark.parametrize("name", ["x" * 76 + ".fifo", ".fifo", "a b.fifo", "a.b.fifo"])
def test_invalid_fifo_names(name: str) -> None:
    with pytest.raises(InvalidParameterValue, match="The name of a FIFO queue can only include"):
        validate_queue_name(name)


def test_missing_and_empty_names() -> None:
    with pytest.raises(MissingParameter, match="parameter QueueName"):
        validate_queue_name(None)
    with pytest.raises(InvalidParameterValue, match=re.escape("Must specify a queue name.")):
        validate_queue_name("")


# ---------------------------------------------------------------------------- URLs and ARNs


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:9324/123456789012/orders",
        "https://sqs.eu-west-1.amazonaws.com/123456789012/orders",
        "http://conveyor.internal/123456789012/orders/",
        "http://localhost:4566/queue/us-east-1/123456789012/orders",
        "/123456789012/orders",
    ],
)
def test_parse_queue_url_ignores_host(url: str) -> None:
    assert parse_queue_url(url) == ("123456789012", "orders")


def test_parse_queue_url_bare_name_and_fifo() -> None:
    assert parse_queue_url("orders") == ("", "orders")
    assert parse_queue_url("http://h/orders.fifo") == ("", "orders.fifo")
    assert parse_queue_url("http://h/1/orders.fifo") == ("1", "orders.fifo")


def test_parse_queue_url_errors() -> None:
    with pytest.raises(MissingParameter, match="parameter QueueUrl"):
        parse_queue_url("")
    with pytest.raises(InvalidAddress):
        parse_queue_url("http://localhost:9324/")
    with pytest.raises(InvalidAddress):
        parse_queue_url("not a/url")
    with pytest.raises(QueueDoesNotExist, match=re.escape("The specified queue does not exist.")):
        parse_queue_url("http://h/123/bad name")
    with pytest.raises(QueueDoesNotExist):
        parse_queue_url("x" * 81)


def test_queue_arn_round_trip() -> None:
    arn = queue_arn("us-east-1", "123456789012", "orders.fifo")
    assert arn == "arn:aws:sqs:us-east-1:123456789012:orders.fifo"
    assert parse_queue_arn(arn) == ("us-east-1", "123456789012", "orders.fifo")
    assert parse_queue_arn("arn:aws-cn:sqs:cn-north-1:1:q") == ("cn-north-1", "1", "q")


@pytest.mark.parametrize(
    "arn", [None, "", "arn:aws:sns:us-east-1:1:q", "arn:aws:sqs:us-east-1:1", "arn:aws:sqs::1:q", "nope:aws:sqs:r:1:q"]
)
def test_parse_queue_arn_rejects(arn: str | None) -> None:
    with pytest.raises(InvalidParameterValue, match="You must use this format to specify the SourceArn"):
        parse_queue_arn(arn, parameter="SourceArn")


# ---------------------------------------------------------------------------- batches


def entries(*ids: str) -> list[dict[str, str]]:
    return [{"Id": i} for i in ids]


def test_valid_batches() -> None:
    validate_batch_entries(entries("a"))
    validate_batch_entries(entries(*[f"id-{i}" for i in range(10)]))
    validate_batch_entries(entries("x" * 80, "A_b-9"))


def test_missing_and_empty_batches() -> None:
    with pytest.raises(MissingParameter):
        validate_batch_entries(None)
    with pytest.raises(EmptyBatchRequest, match="There should be at least one SendMessageBatchRequestEntry"):
        validate_batch_entries([], entry_name="SendMessageBatchRequestEntry")


def test_too_many_entries() -> None:
    with pytest.raises(TooManyEntriesInBatchRequest) as info:
        validate_batch_entries(entries(*[str(i) for i in range(11)]))
    assert info.value.message == "Maximum number of entries per request are 10. You have sent 11."


@pytest.mark.parametrize("bad", ["", "x" * 81, "a b", "a.b", "\u00e9"])
def test_invalid_entry_ids(bad: str) -> None:
    with pytest.raises(InvalidBatchEntryId, match="A batch entry id can only contain alphanumeric characters"):
        validate_batch_entries(entries("ok", bad))


def test_entry_without_id_is_invalid() -> None:
    with pytest.raises(InvalidBatchEntryId):
        validate_batch_entries([{"MessageBody": "x"}])


def test_duplicate_ids() -> None:
    with pytest.raises(BatchEntryIdsNotDistinct, match=re.escape("Id a repeated.")):
        validate_batch_entries(entries("a", "b", "a"))


def test_ids_are_case_sensitive() -> None:
    validate_batch_entries(entries("a", "A"))


def test_batch_size() -> None:
    check_batch_size(1_048_576)
    with pytest.raises(BatchRequestTooLong) as info:
        check_batch_size(1_048_577)
    assert info.value.message == "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes."


# ---------------------------------------------------------------------------- tags


def test_valid_tags() -> None:
    tags = {"k": "", "x" * 128: "v" * 256, "team name": "a_b.c:d/e=f+g-h@i", "\u00e9t\u00e9": "\u4e2d"}
    assert validate_tags(tags) == tags


def test_tags_required_unless_optional() -> None:
    with pytest.raises(MissingParameter, match=re.escape("The request must contain the parameter Tags.")):
        validate_tags({})
    assert validate_tags(None, required=False) == {}


@pytest.mark.parametrize("key", ["", "x" * 129])
def test_tag_key_length(key: str) -> None:
    with pytest.raises(InvalidParameterValue, match="Tag keys must be between 1 and 128"):
        validate_tags({key: "v"})


def test_tag_value_length_and_characters() -> None:
    with pytest.raises(InvalidParameterValue, match="Tag values must be between 0 and 256"):
        validate_tags({"k": "v" * 257})
    with pytest.raises(InvalidParameterValue, match="invalid characters"):
        validate_tags({"k": "semi;colon"})
    with pytest.raises(InvalidParameterValue, match="invalid characters"):
        validate_tags({"a*b": "v"})


def test_reserved_tag_prefix() -> None:
    with pytest.raises(InvalidParameterValue, match="reserved prefix"):
        validate_tags({"aws:team": "v"})


def test_tag_keys() -> None:
    assert validate_tag_keys(["a", "b"]) == ["a", "b"]
    with pytest.raises(InvalidParameterValue, match="Tag keys must be between 1 and 128"):
        validate_tag_keys([])
    with pytest.raises(InvalidParameterValue):
        validate_tag_keys(["x" * 129])


def test_tag_count_counts_overwrites_once() -> None:
    existing = {f"k{i}": "v" for i in range(49)}
    check_tag_count(existing, {"k0": "new", "k49": "v"})
    with pytest.raises(InvalidParameterValue, match=re.escape("Too many tags added for queue orders.")):
        check_tag_count(existing, {"k49": "v", "k50": "v"}, queue_name="orders")
