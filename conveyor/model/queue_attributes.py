"""Queue attributes: defaults, validation for CreateQueue/SetQueueAttributes, selection.

Values are stored as the canonical strings GetQueueAttributes returns, so normalising here
("020" -> "20", "True" -> "true") keeps every later read trivial.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from conveyor.errors import InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue
from conveyor.model import limits

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "QUEUE_ATTRIBUTE_NAMES",
    "READABLE_ATTRIBUTE_NAMES",
    "check_attribute_combination",
    "defaults_for",
    "select_queue_attribute_names",
    "validate_queue_attributes",
]

DEFAULT_ATTRIBUTES: dict[str, str] = {
    "VisibilityTimeout": str(limits.DEFAULT_VISIBILITY_TIMEOUT),
    "DelaySeconds": "0",
    "MessageRetentionPeriod": str(limits.DEFAULT_RETENTION),
    "MaximumMessageSize": str(limits.DEFAULT_MESSAGE_SIZE),
    "ReceiveMessageWaitTimeSeconds": "0",
    "SqsManagedSseEnabled": "true",
}
_FIFO_DEFAULTS: dict[str, str] = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
_READ_ONLY = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)
_SETTABLE = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "Policy",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)
_FIFO_ONLY = frozenset(_FIFO_DEFAULTS)
READABLE_ATTRIBUTE_NAMES: tuple[str, ...] = _SETTABLE + _READ_ONLY
#: Every name in the service model's QueueAttributeName enum, "All" included.
QUEUE_ATTRIBUTE_NAMES: frozenset[str] = frozenset(READABLE_ATTRIBUTE_NAMES) | {"All"}

_INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "DelaySeconds": (limits.MIN_DELAY_SECONDS, limits.MAX_DELAY_SECONDS),
    "MaximumMessageSize": (limits.MIN_MESSAGE_SIZE, limits.MAX_MESSAGE_SIZE),
    "MessageRetentionPeriod": (limits.MIN_RETENTION, limits.MAX_RETENTION),
    "ReceiveMessageWaitTimeSeconds": (limits.MIN_WAIT_TIME, limits.MAX_WAIT_TIME),
    "VisibilityTimeout": (limits.MIN_VISIBILITY_TIMEOUT, limits.MAX_VISIBILITY_TIMEOUT),
    "KmsDataKeyReusePeriodSeconds": (limits.MIN_KMS_REUSE_PERIOD, limits.MAX_KMS_REUSE_PERIOD),
}
_BOOLEANS = frozenset({"SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication"})
_CHOICES: dict[str, tuple[str, ...]] = {
    "DeduplicationScope": ("queue", "messageGroup"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
_INTEGER_TEXT = re.compile(r"-?\d+")
_REDRIVE_KEYS = frozenset({"deadLetterTargetArn", "maxReceiveCount"})
_ALLOW_PERMISSIONS = ("allowAll", "denyAll", "byQueue")
_ALLOW_KEYS = frozenset({"redrivePermission", "sourceQueueArns"})


def defaults_for(fifo: bool) -> dict[str, str]:
    """Attributes of a freshly created queue before the request's own attributes apply."""
    return {**DEFAULT_ATTRIBUTES, **_FIFO_DEFAULTS} if fifo else dict(DEFAULT_ATTRIBUTES)


def _bad_value(name: str) -> InvalidAttributeValue:
    return InvalidAttributeValue(f"Invalid value for the parameter {name}.")


def _unknown(name: str) -> InvalidAttributeName:
    return InvalidAttributeName(f"Unknown Attribute {name}.")


# ---------------------------------------------------------------------------- validation


def validate_queue_attributes(
    attrs: Mapping[str, Any] | None, *, fifo: bool, creating: bool
) -> dict[str, str]:
    """Validate request attributes and return them normalised.

    ``fifo`` is whether the queue is (or, when creating, is named as) a FIFO queue. Cross-field
    rules that need the queue's current values are in :func:`check_attribute_combination`;
    it runs here against the defaults when creating, and the caller runs it on the merged
    attributes for SetQueueAttributes.
    """
    raw = dict(attrs or {})
    for name in raw:
        _check_name(name, fifo=fifo, creating=creating)
    if creating:
        _check_fifo_flag(raw.get("FifoQueue"), fifo=fifo)
    result = {name: _normalise(name, value, fifo) for name, value in raw.items()}
    if not fifo:
        result.pop("FifoQueue", None)
    if result.get("KmsMasterKeyId") and "SqsManagedSseEnabled" not in result:
        result["SqsManagedSseEnabled"] = "false"  # choosing KMS SSE switches SQS-managed SSE off
    if creating:
        check_attribute_combination({**defaults_for(fifo), **result})
    else:
        _check_sse_pair(result)
    return result


def _check_name(name: str, *, fifo: bool, creating: bool) -> None:
    if name not in _SETTABLE:
        raise _unknown(name)
    if name == "FifoQueue" and not creating:
        raise _unknown(name)
    if name in _FIFO_ONLY and name != "FifoQueue" and not fifo:
        raise _unknown(name)


def _check_fifo_flag(value: Any, *, fifo: bool) -> None:
    """A ``.fifo`` name needs FifoQueue=true and FifoQueue=true needs a ``.fifo`` name."""
    flag = _text(value).lower() if value is not None else None
    if flag not in (None, "true", "false"):
        raise _bad_value("FifoQueue")
    if flag == "true" and not fifo:
        raise InvalidParameterValue(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
            "must end with .fifo suffix and be 1 to 80 in length."
        )
    if fifo and flag != "true":
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )


def _text(value: Any) -> str:
    """Attribute values are strings; JSON clients sometimes send bare numbers, which SQS accepts."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InvalidAttributeValue("Invalid value for the parameter.")


def _normalise(name: str, value: Any, fifo: bool) -> str:
    try:
        text = _text(value)
    except InvalidAttributeValue:
        raise _bad_value(name) from None
    if name in _INTEGER_RANGES:
        return _integer(name, text)
    if name in _BOOLEANS:
        return _boolean(name, text)
    if name in _CHOICES:
        if text not in _CHOICES[name]:
            raise _bad_value(name)
        return text
    handler = _SPECIAL.get(name)
    return handler(text, fifo) if handler else text


def _integer(name: str, text: str) -> str:
    low, high = _INTEGER_RANGES[name]
    if not _INTEGER_TEXT.fullmatch(text) or not low <= int(text) <= high:
        raise _bad_value(name)
    return str(int(text))


def _boolean(name: str, text: str) -> str:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise _bad_value(name)
    return lowered


def _policy(text: str, _fifo: bool) -> str:
    if text == "":
        return text  # an empty Policy removes the queue's policy
    try:
        document = json.loads(text)
    except ValueError:
        raise _bad_value("Policy") from None
    if not isinstance(document, dict) or not document.get("Statement"):
        raise _bad_value("Policy")
    return text


def _redrive_policy(text: str, fifo: bool) -> str:
    """Form of a RedrivePolicy; whether the target queue exists is the caller's business.

    SQS answers a policy that is not a JSON map with InvalidAttributeValue ("Invalid value for the
    parameter …") but a map it cannot accept with InvalidParameterValue ("Value … for parameter
    RedrivePolicy is invalid. Reason: …"), as for every other parameter value it rejects.
    """
    if text == "":
        return text  # an empty RedrivePolicy removes dead-lettering
    policy = _json_map(text)
    if policy is None:
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map."
        )

    def reject(reason: str) -> InvalidParameterValue:
        return InvalidParameterValue(f"Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}")

    for key in ("maxReceiveCount", "deadLetterTargetArn"):
        if key not in policy:
            raise reject(f"Redrive policy does not contain mandatory attribute: {key}.")
    if set(policy) - _REDRIVE_KEYS:
        raise reject("Only following attributes are supported: [maxReceiveCount, deadLetterTargetArn].")
    count = _max_receive_count(policy["maxReceiveCount"])
    if count is None:
        raise reject(
            f"Invalid value for maxReceiveCount: {policy['maxReceiveCount']}, "
            "valid values are from 1 to 1000 both inclusive."
        )
    target = policy["deadLetterTargetArn"]
    pieces = target.split(":") if isinstance(target, str) else []
    if len(pieces) != 6 or pieces[0] != "arn" or pieces[2] != "sqs" or not all(pieces[3:]):
        raise reject("Only SQS queues are valid resources for deadLetterTargetArn.")
    if pieces[5].endswith(limits.FIFO_SUFFIX) != fifo:
        raise reject("Dead-letter queue must be same type of queue as the source..")
    return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}, separators=(",", ":"))


def _json_map(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _max_receive_count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, int) and limits.MIN_MAX_RECEIVE_COUNT <= value <= limits.MAX_MAX_RECEIVE_COUNT:
        return value
    return None


def _redrive_allow_policy(text: str, _fifo: bool) -> str:
    unsupported = InvalidAttributeValue(
        "Invalid value for the parameter RedriveAllowPolicy. Reason: Amazon SQS can't create the redrive "
        "allow policy, as it\u2019s in an unsupported format."
    )
    policy = _json_map(text)
    if policy is None or set(policy) - _ALLOW_KEYS:
        raise unsupported
    if policy.get("redrivePermission") not in _ALLOW_PERMISSIONS:
        raise unsupported
    arns = policy.get("sourceQueueArns")
    if arns is not None and (not isinstance(arns, list) or not all(isinstance(a, str) for a in arns)):
        raise unsupported

    def reject(reason: str) -> InvalidAttributeValue:
        return InvalidAttributeValue(
            f"Value {text} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create "
            f"the redrive allow policy. {reason}"
        )

    if policy["redrivePermission"] == "byQueue":
        if not arns:
            raise reject(
                "When you specify the byQueue permission type, you must also specify one or more "
                "sourceQueueArns values."
            )
        if len(arns) > limits.MAX_REDRIVE_SOURCE_ARNS:
            limit = limits.MAX_REDRIVE_SOURCE_ARNS
            raise reject(f"The maximum number of source queue ARNs you can specify is {limit}.")
    elif arns:
        raise reject("To specify one or more source queue ARNs, you must set redrivePermission to byQueue.")
    return text


_SPECIAL: dict[str, Callable[[str, bool], str]] = {
    "Policy": _policy,
    "RedrivePolicy": _redrive_policy,
    "RedriveAllowPolicy": _redrive_allow_policy,
}


def _check_sse_pair(attrs: Mapping[str, str]) -> None:
    if attrs.get("SqsManagedSseEnabled") == "true" and attrs.get("KmsMasterKeyId"):
        raise InvalidAttributeValue(
            "You can use one type of server-side encryption (SSE) at one time. "
            "You can either enable KMS SSE or SQS SSE."
        )


def check_attribute_combination(merged: Mapping[str, str]) -> None:
    """Rules across attributes, checked on the queue's attributes after the change applies."""
    _check_sse_pair(merged)
    per_group = merged.get("FifoThroughputLimit") == "perMessageGroupId"
    if per_group and merged.get("DeduplicationScope") != "messageGroup":
        raise InvalidAttributeValue(
            "Invalid value for the parameter FifoThroughputLimit. Reason: The perMessageGroupId value is "
            "allowed only when the value for DeduplicationScope is messageGroup."
        )


# ---------------------------------------------------------------------------- selection


def select_queue_attribute_names(names: Iterable[str] | None) -> list[str]:
    """GetQueueAttributes' ``AttributeNames``: each readable name, or All; order kept, deduplicated."""
    selected: dict[str, None] = {}
    for name in names or ():
        if name == "All":
            selected.update(dict.fromkeys(READABLE_ATTRIBUTE_NAMES))
        elif name in READABLE_ATTRIBUTE_NAMES:
            selected[name] = None
        else:
            raise _unknown(name)
    return list(selected)
