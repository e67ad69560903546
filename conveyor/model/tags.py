"""Queue tag rules (TagQueue, UntagQueue, CreateQueue's ``tags``).

The 50-tag ceiling applies to the queue's tags after the change, so the caller, which knows
the existing tags, calls :func:`check_tag_count` with both sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from conveyor.errors import InvalidParameterValue, MissingParameter
from conveyor.model import limits

__all__ = ["check_tag_count", "validate_tag_keys", "validate_tags"]

# Unicode letters, digits, whitespace and _ . : / = + - @, as the SQS quotas page lists.
_TAG_CHARS = re.compile(r"[\w\s.:/=+\-@]*")
_RESERVED_PREFIX = "aws:"


def validate_tags(tags: Mapping[str, Any] | None, *, required: bool = True) -> dict[str, str]:
    """Validate a tag map; with ``required=False`` (CreateQueue) an absent map is just empty."""
    if not tags:
        if required:
            raise MissingParameter("The request must contain the parameter Tags.")
        return {}
    result: dict[str, str] = {}
    for key, value in tags.items():
        _check_key(key)
        result[key] = _check_value(key, value)
    return result


def validate_tag_keys(keys: Iterable[Any] | None) -> list[str]:
    """UntagQueue's ``TagKeys``: at least one key, each a valid key."""
    result = list(keys or ())
    if not result:
        raise InvalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
    for key in result:
        _check_key(key)
    return result


def check_tag_count(existing: Mapping[str, str], new: Mapping[str, str], *, queue_name: str = "") -> None:
    """At most 50 tags on a queue once ``new`` is merged into ``existing``."""
    if len(existing.keys() | new.keys()) > limits.MAX_TAGS:
        target = f" {queue_name}" if queue_name else ""
        raise InvalidParameterValue(f"Too many tags added for queue{target}.")


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= limits.MAX_TAG_KEY_LENGTH:
        raise InvalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
    if not _TAG_CHARS.fullmatch(key):
        raise InvalidParameterValue(
            f"Tag key '{key}' contains invalid characters. Tags can include letters, digits, white space "
            "and _ . : / = + - @"
        )
    if key.lower().startswith(_RESERVED_PREFIX):
        raise InvalidParameterValue(f"Tag key '{key}' uses the reserved prefix 'aws:'.")


def _check_value(key: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limits.MAX_TAG_VALUE_LENGTH:
        raise InvalidParameterValue("Tag values must be between 0 and 256 characters in length.")
    if not _TAG_CHARS.fullmatch(value):
        raise InvalidParameterValue(
            f"The value of tag '{key}' contains invalid characters. Tags can include letters, digits, "
            "white space and _ . : / = + - @"
        )
    return value
