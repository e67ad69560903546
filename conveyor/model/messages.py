"""Message-level rules: body characters, size, delays and ReceiveMessage parameters.

Pure checks with AWS's own error classes and messages; the action layer calls them before
touching storage so a rejected request never leaves a trace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from conveyor.errors import (
    InvalidAttributeName,
    InvalidMessageContents,
    InvalidParameterValue,
    MissingParameter,
)
from conveyor.model import limits
from conveyor.model.message_attributes import MessageAttribute, attributes_size
from conveyor.model.queue_attributes import QUEUE_ATTRIBUTE_NAMES

__all__ = [
    "SYSTEM_ATTRIBUTE_NAMES",
    "check_message_size",
    "message_size",
    "select_system_attribute_names",
    "validate_body",
    "validate_delay_seconds",
    "validate_fifo_id",
    "validate_receive_params",
    "validate_visibility_timeout",
]

SYSTEM_ATTRIBUTE_NAMES: frozenset[str] = frozenset(
    {
        "All",
        "SenderId",
        "SentTimestamp",
        "ApproximateReceiveCount",
        "ApproximateFirstReceiveTimestamp",
        "SequenceNumber",
        "MessageDeduplicationId",
        "MessageGroupId",
        "AWSTraceHeader",
        "DeadLetterQueueSourceArn",
    }
)
_CONCRETE_SYSTEM_NAMES = SYSTEM_ATTRIBUTE_NAMES - {"All"}

# Searching for a *forbidden* character lets the regex engine scan ASCII bodies in one pass.
_FORBIDDEN_BODY = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BODY_ERROR = (
    "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
    "#xE000 to #xFFFD | #x10000 to #x10FFFF"
)


def validate_body(body: str | None) -> None:
    """A body must be present, non-empty, and made only of XML 1.0 characters."""
    if body is None or body == "":
        raise MissingParameter("The request must contain the parameter MessageBody.")
    if _FORBIDDEN_BODY.search(body) is not None:
        raise InvalidMessageContents(_BODY_ERROR)


def message_size(body: str, attrs: Mapping[str, MessageAttribute]) -> int:
    """Bytes counted against MaximumMessageSize: UTF-8 body plus every attribute's parts."""
    body_bytes = len(body) if body.isascii() else len(body.encode("utf-8"))
    return body_bytes + attributes_size(attrs) if attrs else body_bytes


def check_message_size(size: int, max_size: int) -> None:
    """Reject a message larger than the queue's MaximumMessageSize."""
    if size > max_size:
        raise InvalidParameterValue(
            f"One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
        )


def _as_int(value: Any) -> int | None:
    """Integers as the JSON protocol delivers them (bool is not one); None if not an integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None


def _bounded(value: Any, parameter: str, low: int, high: int, reason: str) -> int:
    """An integer parameter within [low, high], else AWS's InvalidParameterValue with ``reason``."""
    number = _as_int(value)
    if number is None or not low <= number <= high:
        raise InvalidParameterValue(f"Value {value} for parameter {parameter} is invalid. Reason: {reason}")
    return number


def validate_delay_seconds(value: Any) -> int:
    """Per-message DelaySeconds, 0..900."""
    return _bounded(value, "DelaySeconds", limits.MIN_DELAY_SECONDS, limits.MAX_DELAY_SECONDS,
                    f"DelaySeconds must be >= 0 and <= {limits.MAX_DELAY_SECONDS}.")


def validate_visibility_timeout(value: Any) -> int:
    """VisibilityTimeout of ChangeMessageVisibility (and ReceiveMessage), 0..43200 seconds."""
    return _bounded(value, "VisibilityTimeout", limits.MIN_VISIBILITY_TIMEOUT, limits.MAX_VISIBILITY_TIMEOUT,
                    f"Must be between 0 and {limits.MAX_VISIBILITY_TIMEOUT}, if provided.")


def validate_receive_params(max_number: Any, visibility_timeout: Any, wait_time: Any) -> None:
    """ReceiveMessage's numeric parameters; None means "not provided" and is always fine."""
    if max_number is not None:
        number = _as_int(max_number)
        if number is None or not limits.MIN_RECEIVE_MESSAGES <= number <= limits.MAX_RECEIVE_MESSAGES:
            raise InvalidParameterValue(
                f"Value {max_number} for parameter MaxNumberOfMessages is invalid. "
                f"Reason: Must be between 1 and {limits.MAX_RECEIVE_MESSAGES}, if provided."
            )
    if visibility_timeout is not None:
        validate_visibility_timeout(visibility_timeout)
    if wait_time is not None:
        number = _as_int(wait_time)
        if number is None or not limits.MIN_WAIT_TIME <= number <= limits.MAX_WAIT_TIME:
            raise InvalidParameterValue(
                f"Value {wait_time} for parameter WaitTimeSeconds is invalid. "
                f"Reason: Must be >= 0 and <= {limits.MAX_WAIT_TIME}, if provided."
            )


def validate_fifo_id(value: Any, parameter: str) -> str | None:
    """MessageGroupId, MessageDeduplicationId, ReceiveRequestAttemptId: 1..128 of letters, digits, punctuation."""
    if value is None:
        return None
    # Letters, digits and punctuation are exactly the printable ASCII characters but the space.
    if not isinstance(value, str) or not (0 < len(value) <= 128 and value.isascii() and value.isprintable()) \
            or " " in value:
        raise InvalidParameterValue(
            f"Value {value} for parameter {parameter} is invalid. Reason: {parameter} can only include alphanumeric "
            "and punctuation characters. 1 to 128 in length."
        )
    return value


def select_system_attribute_names(
    attribute_names: Iterable[str] | None, system_attribute_names: Iterable[str] | None
) -> frozenset[str]:
    """Which system attributes a receive returns: the union of both request lists.

    The deprecated ``AttributeNames`` is typed as *queue* attribute names in the service
    model, so queue names there (``Policy``, ``VisibilityTimeout``...) are accepted and
    simply select nothing; a name that is neither kind is ``InvalidAttributeName``.
    """
    selected: set[str] = set()
    for name in attribute_names or ():
        if name in SYSTEM_ATTRIBUTE_NAMES:
            selected.add(name)
        elif name not in QUEUE_ATTRIBUTE_NAMES:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
    for name in system_attribute_names or ():
        if name not in SYSTEM_ATTRIBUTE_NAMES:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        selected.add(name)
    if "All" in selected:
        return frozenset(_CONCRETE_SYSTEM_NAMES)
    return frozenset(selected)
