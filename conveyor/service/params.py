"""Reading request parameters (in the JSON protocol's shape) with SQS's own errors."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from conveyor.errors import InvalidParameterValue, MissingParameter


def required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None:
        raise MissingParameter(f"The request must contain the parameter {name}.")
    return value


def required_str(params: dict[str, Any], name: str) -> str:
    value = required(params, name)
    if not isinstance(value, str):
        raise InvalidParameterValue(f"Value {value!r} for parameter {name} is invalid. Reason: must be a string.")
    return value


def optional_int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise InvalidParameterValue(f"Value {value} for parameter {name} is invalid. Reason: must be an integer.")
    return value


def int_in_range(params: dict[str, Any], name: str, low: int, high: int, default: int) -> int:
    value = optional_int(params, name)
    if value is None:
        return default
    if not low <= value <= high:
        raise InvalidParameterValue(
            f"Value {value} for parameter {name} is invalid. Reason: Must be between {low} and {high}, if provided."
        )
    return value


def str_list(params: dict[str, Any], name: str) -> list[str]:
    value = params.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidParameterValue(f"Value {value!r} for parameter {name} is invalid. Reason: must be a list.")
    return value


def str_map(params: dict[str, Any], name: str) -> dict[str, str]:
    value = params.get(name) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidParameterValue(f"Value {value!r} for parameter {name} is invalid. Reason: must be a map.")
    return value


def entry_list(params: dict[str, Any], name: str = "Entries") -> list[dict[str, Any]]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidParameterValue(f"Value for parameter {name} is invalid. Reason: must be a list of entries.")
    return value


def encode_page_token(last_name: str) -> str:
    """NextToken of a listing by name: where the next page starts, opaque to the client."""
    return base64.urlsafe_b64encode(last_name.encode("utf-8")).decode("ascii")


def decode_page_token(token: Any) -> str | None:
    """The name a NextToken points after; InvalidParameterValue for anything we did not hand out."""
    if token is None:
        return None
    try:  # validate: urlsafe_b64decode alone drops junk characters and accepts anything
        name = base64.b64decode(str(token).encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        name = ""
    if not name:
        raise InvalidParameterValue("Invalid NextToken value.")
    return name
