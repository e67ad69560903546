"""Queue attributes: defaults, validation and normalisation, selection for GetQueueAttributes."""

from __future__ import annotations

import json
import re

import pytest

from conveyor.errors import InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue
from conveyor.model import limits
from conveyor.model.queue_attributes import (
    DEFAULT_ATTRIBUTES,
    READABLE_ATTRIBUTE_NAMES,
    check_attribute_combination,
    defaults_for,
    select_queue_attribute_names,
    validate_queue_attributes,
)

DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"


def std(attrs: dict, creating: bool = True) -> dict[str, str]:
    return validate_queue_attributes(attrs, fifo=False, creating=creating)


def fifo(attrs: dict, creating: bool = True) -> dict[str, str]:
    given = {"FifoQueue": "true", **attrs} if creating else attrs
    return validate_queue_attributes(given, fifo=True, creating=creating)


def bad_value(attrs: dict, name: str) -> None:
    with pytest.raises(InvalidAttributeValue) as info:
        std(attrs)
    assert info.value.message == f"Invalid value for the parameter {name}."


def test_defaults() -> None:
    assert DEFAULT_ATTRIBUTES == {
        "VisibilityTimeout": "30",
        "DelaySeconds": "0",
        "MessageRetentionPeriod": "345600",
        "MaximumMessageSize": "1048576",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
    }
    assert defaults_for(False) == DEFAULT_ATTRIBUTES
    assert defaults_for(True) == {
        **DEFAULT_ATTRIBUTES,
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    defaults_for(False)["VisibilityTimeout"] = "1"
    assert DEFAULT_ATTRIBUTES["VisibilityTimeout"] == "30"


RANGES = [
    ("DelaySeconds", 0, 900),
    ("MaximumMessageSize", 1024, 1_048_576),
    ("MessageRetentionPeriod", 60, 1_209_600),
    ("ReceiveMessageWaitTimeSeconds", 0, 20),
    ("VisibilityTimeout", 0, 43_200),
    ("KmsDataKeyReusePeriodSeconds", 60, 86_400),
]


@pytest.mark.parametrize(("name", "low", "high"), RANGES)
def test_integer_edges(name: str, low: int, high: int) -> None:
    assert std({name: str(low)}) == {name: str(low)}
    assert std({name: str(high)}) == {name: str(high)}
    bad_value({name: str(low - 1)}, name)
    bad_value({name: str(high + 1)}, name)


@pytest.mark.parametrize("text", ["", " 2", "2 ", "1.5", "abc", "0x1"])
def test_integers_must_be_plain_decimals(text: str) -> None:
    bad_value({"VisibilityTimeout": text}, "VisibilityTimeout")


def test_integers_are_normalised() -> None:
    assert std({"VisibilityTimeout": "020", "DelaySeconds": 5}) == {"VisibilityTimeout": "20", "DelaySeconds": "5"}
    bad_value({"VisibilityTimeout": True}, "VisibilityTimeout")


def test_booleans_are_normalised() -> None:
    assert std({"SqsManagedSseEnabled": "False"}) == {"SqsManagedSseEnabled": "false"}
    assert fifo({"ContentBasedDeduplication": "TRUE"})["ContentBasedDeduplication"] == "true"
    bad_value({"SqsManagedSseEnabled": "yes"}, "SqsManagedSseEnabled")


def test_unknown_and_read_only_names() -> None:
    for name in ("Bogus", "QueueArn", "ApproximateNumberOfMessages", "CreatedTimestamp", "All"):
        with pytest.raises(InvalidAttributeName) as info:
            std({name: "1"})
        assert info.value.message == f"Unknown Attribute {name}."


def test_policy() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})
    assert std({"Policy": policy}) == {"Policy": policy}
    assert std({"Policy": ""}, creating=False) == {"Policy": ""}
    for bad in ("badjson", "[]", '"s"', "null", json.dumps({"Version": "2012-10-17", "Statement": []})):
        bad_value({"Policy": bad}, "Policy")


# ---------------------------------------------------------------------------- redrive


def test_redrive_policy_is_normalised() -> None:
    given = json.dumps({"maxReceiveCount": "5", "deadLetterTargetArn": DLQ})
    assert std({"RedrivePolicy": given}) == {
        "RedrivePolicy": f'{{"deadLetterTargetArn":"{DLQ}","maxReceiveCount":5}}'
    }
    assert std({"RedrivePolicy": ""}, creating=False) == {"RedrivePolicy": ""}


@pytest.mark.parametrize("count", [1, 1000, "1", "1000"])
def test_redrive_count_edges_pass(count: object) -> None:
    std({"RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ, "maxReceiveCount": count})})


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ({}, "Redrive policy does not contain mandatory attribute: maxReceiveCount."),
        ({"maxReceiveCount": 5}, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn."),
        ({"deadLetterTargetArn": DLQ, "maxReceiveCount": 0}, "Invalid value for maxReceiveCount: 0, valid values"),
        ({"deadLetterTargetArn": DLQ, "maxReceiveCount": 1001}, "Invalid value for maxReceiveCount: 1001"),
        ({"deadLetterTargetArn": DLQ, "maxReceiveCount": True}, "Invalid value for maxReceiveCount"),
        ({"deadLetterTargetArn": "arn:aws:sns:us-east-1:1:t", "maxReceiveCount": 5}, "Only SQS queues are valid"),
        ({"deadLetterTargetArn": DLQ + ".fifo", "maxReceiveCount": 5}, "same type of queue as the source"),
        ({"deadLetterTargetArn": DLQ, "maxReceiveCount": 5, "x": 1}, "Only following attributes are supported"),
    ],
)
def test_redrive_policy_rejections(policy: dict, reason: str) -> None:
    text = json.dumps(policy)
    with pytest.raises(InvalidParameterValue) as info:
        std({"RedrivePolicy": text})
    assert info.value.message.startswith(f"Value {text} for parameter RedrivePolicy is invalid. Reason: ")
    assert reason in info.value.message


def test_redrive_policy_not_a_map() -> None:
    for bad in (" ", "[]", "4"):
        with pytest.raises(InvalidAttributeValue, match=re.escape("Redrive policy is not a valid JSON map.")):
            std({"RedrivePolicy": bad})


def test_fifo_redrive_needs_fifo_dlq() -> None:
    text = json.dumps({"deadLetterTargetArn": DLQ + ".fifo", "maxReceiveCount": 3})
    assert "RedrivePolicy" in fifo({"RedrivePolicy": text})
    with pytest.raises(InvalidParameterValue, match="same type"):
        fifo({"RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ, "maxReceiveCount": 3})})


@pytest.mark.parametrize(
    "policy",
    [
        {"redrivePermission": "allowAll"},
        {"redrivePermission": "denyAll"},
        {"redrivePermission": "byQueue", "sourceQueueArns": [DLQ] * 10},
    ],
)
def test_redrive_allow_policy_accepts(policy: dict) -> None:
    text = json.dumps(policy)
    assert std({"RedriveAllowPolicy": text}) == {"RedriveAllowPolicy": text}


@pytest.mark.parametrize(
    "text", ["badjson", "[]", "{}", '{"redrivePermission":"dummy"}', '{"redrivePermission":"allowAll","x":1}',
             '{"redrivePermission":"byQueue","sourceQueueArns":"arn"}']
)
def test_redrive_allow_policy_unsupported_format(text: str) -> None:
    with pytest.raises(InvalidAttributeValue) as info:
        std({"RedriveAllowPolicy": text})
    assert info.value.message == (
        "Invalid value for the parameter RedriveAllowPolicy. Reason: Amazon SQS can't create the redrive "
        "allow policy, as it\u2019s in an unsupported format."
    )


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ({"redrivePermission": "byQueue"}, "you must also specify one or more sourceQueueArns values."),
        ({"redrivePermission": "byQueue", "sourceQueueArns": []}, "one or more sourceQueueArns"),
        ({"redrivePermission": "byQueue", "sourceQueueArns": [DLQ] * 11}, "maximum number of source queue ARNs"),
        ({"redrivePermission": "allowAll", "sourceQueueArns": [DLQ]}, "you must set redrivePermission to byQueue."),
        ({"redrivePermission": "denyAll", "sourceQueueArns": [DLQ]}, "you must set redrivePermission to byQueue."),
    ],
)
def test_redrive_allow_policy_rules(policy: dict, reason: str) -> None:
    text = json.dumps(policy)
    with pytest.raises(InvalidAttributeValue) as info:
        std({"RedriveAllowPolicy": text})
    assert info.value.message.startswith(f"Value {text} for parameter RedriveAllowPolicy is invalid.")
    assert reason in info.value.message


# ---------------------------------------------------------------------------- encryption


def test_kms_key_turns_sqs_sse_off() -> None:
    expected = {"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "false"}
    assert std({"KmsMasterKeyId": "alias/aws/sqs"}) == expected
    with pytest.raises(InvalidAttributeValue, match="You can use one type of server-side encryption"):
        std({"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "true"})


# ---------------------------------------------------------------------------- FIFO


def test_fifo_flag_must_agree_with_name() -> None:
    assert fifo({}) == {"FifoQueue": "true"}
    assert std({"FifoQueue": "false"}) == {}
    with pytest.raises(InvalidParameterValue, match="The name of a FIFO queue"):
        std({"FifoQueue": "true"})
    with pytest.raises(InvalidParameterValue, match="Can only include alphanumeric"):
        validate_queue_attributes({}, fifo=True, creating=True)
    with pytest.raises(InvalidParameterValue, match="Can only include alphanumeric"):
        validate_queue_attributes({"FifoQueue": "false"}, fifo=True, creating=True)
    with pytest.raises(InvalidAttributeValue, match="parameter FifoQueue"):
        validate_queue_attributes({"FifoQueue": "maybe"}, fifo=True, creating=True)


def test_fifo_queue_cannot_be_set_later() -> None:
    with pytest.raises(InvalidAttributeName, match=re.escape("Unknown Attribute FifoQueue.")):
        validate_queue_attributes({"FifoQueue": "true"}, fifo=True, creating=False)


@pytest.mark.parametrize("name", ["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"])
def test_fifo_only_attributes_on_standard_queue(name: str) -> None:
    with pytest.raises(InvalidAttributeName, match=f"Unknown Attribute {name}."):
        std({name: "queue"})


def test_high_throughput_settings() -> None:
    result = fifo({"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
    assert result["FifoThroughputLimit"] == "perMessageGroupId"
    with pytest.raises(InvalidAttributeValue, match="perMessageGroupId value is allowed only"):
        fifo({"FifoThroughputLimit": "perMessageGroupId"})
    with pytest.raises(InvalidAttributeValue, match=re.escape("Invalid value for the parameter DeduplicationScope.")):
        fifo({"DeduplicationScope": "group"})
    # SetQueueAttributes leaves the cross-check to the caller, on the merged attributes.
    assert fifo({"FifoThroughputLimit": "perMessageGroupId"}, creating=False)
    check_attribute_combination({"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
    with pytest.raises(InvalidAttributeValue):
        check_attribute_combination({"DeduplicationScope": "queue", "FifoThroughputLimit": "perMessageGroupId"})


# ---------------------------------------------------------------------------- selection


def test_select_queue_attribute_names() -> None:
    assert select_queue_attribute_names(None) == []
    assert select_queue_attribute_names([]) == []
    chosen = select_queue_attribute_names(["QueueArn", "VisibilityTimeout", "QueueArn"])
    assert chosen == ["QueueArn", "VisibilityTimeout"]
    everything = select_queue_attribute_names(["All"])
    assert everything == list(READABLE_ATTRIBUTE_NAMES) and "All" not in everything
    assert set(select_queue_attribute_names(["VisibilityTimeout", "All"])) == set(READABLE_ATTRIBUTE_NAMES)
    with pytest.raises(InvalidAttributeName, match=re.escape("Unknown Attribute Bogus.")):
        select_queue_attribute_names(["Bogus"])


def test_readable_names_match_botocore_enum() -> None:
    botocore = pytest.importorskip("botocore.session")
    model = botocore.get_session().get_service_model("sqs")
    enum = set(model.shape_for("QueueAttributeName").enum)
    assert enum - {"All"} == set(READABLE_ATTRIBUTE_NAMES)


def test_limits_constants() -> None:
    assert (limits.MAX_INFLIGHT_STANDARD, limits.MAX_INFLIGHT_FIFO) == (120_000, 120_000)
    assert limits.MAX_MESSAGE_SIZE == limits.MAX_BATCH_BYTES == 1_048_576
