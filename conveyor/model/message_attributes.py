"""User and system message attributes: validation, size, MD5, wire and storage forms.

Attributes arrive in the JSON protocol's shape (``{"DataType": ..., "StringValue": ...,
"BinaryValue": <base64 str>}``) and leave this module as frozen :class:`MessageAttribute`
values, so the rest of the server never sees an unvalidated attribute.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from conveyor.errors import InvalidParameterValue
from conveyor.model import limits

__all__ = [
    "MessageAttribute",
    "attributes_size",
    "attributes_to_wire",
    "decode_from_storage",
    "encode_for_storage",
    "md5_of_body",
    "md5_of_message_attributes",
    "parse_message_attributes",
    "parse_message_system_attributes",
    "select_attributes",
]


@dataclass(frozen=True, slots=True)
class MessageAttribute:
    data_type: str
    string_value: str | None = None
    binary_value: bytes | None = None
    string_list_values: tuple[str, ...] = ()
    binary_list_values: tuple[bytes, ...] = ()


_NAME_CHARS = re.compile(r"[A-Za-z0-9_.\-]+")
_RESERVED_PREFIXES = ("aws.", "amazon.")
_BASE_TYPES = ("String", "Number", "Binary")
# Characters allowed in message bodies and string values (XML 1.0 Char production).
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TRANSPORT = {"String": 1, "Number": 1, "Binary": 2}
_SYSTEM_NAMES = ("AWSTraceHeader",)


def _invalid(message: str) -> InvalidParameterValue:
    return InvalidParameterValue(message)


def _no_value(name: str) -> InvalidParameterValue:
    return _invalid(
        f"The message (user) attribute '{name}' must contain a non-empty message attribute value."
    )


def _wrong_field(name: str, data_type: str, field: str) -> InvalidParameterValue:
    return _invalid(
        f"The message (user) attribute '{name}' with type '{data_type}' must use field '{field}'."
    )


# ---------------------------------------------------------------------------- parsing


def parse_message_attributes(raw: dict[str, Any] | None) -> dict[str, MessageAttribute]:
    """Validate SendMessage's ``MessageAttributes`` the way SQS does, in SQS's order."""
    if not raw:
        return {}
    if len(raw) > limits.MAX_MESSAGE_ATTRIBUTES:
        raise _invalid(
            f"Number of message attributes [{len(raw)}] exceeds the allowed maximum "
            f"[{limits.MAX_MESSAGE_ATTRIBUTES}]."
        )
    result: dict[str, MessageAttribute] = {}
    for name, value in raw.items():
        _check_name(name)
        result[name] = _parse_value(name, value)
    return result


def parse_message_system_attributes(raw: dict[str, Any] | None) -> dict[str, MessageAttribute]:
    """Validate ``MessageSystemAttributes``: SQS accepts only ``AWSTraceHeader``, a String."""
    if not raw:
        return {}
    result: dict[str, MessageAttribute] = {}
    for name, value in raw.items():
        if name not in _SYSTEM_NAMES:
            raise _invalid(f"Message system attribute name '{name}' is invalid.")
        attr = _parse_value(name, value)
        if attr.data_type != "String":
            raise _invalid(f"Message system attribute '{name}' must be of type 'String'.")
        result[name] = attr
    return result


def _check_name(name: str) -> None:
    if not name:
        raise _invalid("The request must contain non-empty message (user) attribute names.")
    if len(name) > limits.MAX_ATTRIBUTE_NAME_LENGTH:
        raise _invalid("Message (user) attribute name must be shorter than 256 bytes.")
    if not _NAME_CHARS.fullmatch(name):
        raise _invalid(
            "Message (user) attributes name can only contain upper and lower score characters, "
            "digits, periods, hyphens and underscores. "
        )
    if name.lower().startswith(_RESERVED_PREFIXES):
        raise _invalid(
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon'. "
            "These strings are reserved for internal use."
        )
    if name.startswith(".") or name.endswith(".") or ".." in name:
        raise _invalid(
            f"Message (user) attribute name '{name}' is invalid: it can't start or end with a "
            "period or contain two periods in a row."
        )


def _parse_value(name: str, value: Any) -> MessageAttribute:
    if not isinstance(value, Mapping):
        raise _no_value(name)
    if value.get("StringListValues") or value.get("BinaryListValues"):
        raise _invalid("Message attribute list values in SendMessage operation are not supported.")
    base = _check_data_type(name, value.get("DataType"))
    data_type: str = value["DataType"]
    string_value, binary_value = value.get("StringValue"), value.get("BinaryValue")
    if string_value is None and binary_value is None:
        raise _no_value(name)
    if base == "Binary":
        return MessageAttribute(data_type, binary_value=_binary_value(name, data_type, binary_value))
    text = _string_value(name, base, data_type, string_value)
    if base == "Number":
        _check_number(name, text)
    return MessageAttribute(data_type, string_value=text)


def _check_data_type(name: str, data_type: Any) -> str:
    if not isinstance(data_type, str) or not data_type:
        raise _invalid(f"The message (user) attribute '{name}' must contain a non-empty attribute type.")
    if len(data_type) > limits.MAX_ATTRIBUTE_TYPE_LENGTH:
        raise _invalid("Message (user) attribute type must be shorter than 256 bytes.")
    base, dot, label = data_type.partition(".")
    if base not in _BASE_TYPES or (dot and (not label or _FORBIDDEN.search(label))):
        raise _invalid(
            f"The type of message (user) attribute '{name}' is invalid. You must use only the "
            "following supported type prefixes: Binary, Number, String."
        )
    return base


def _binary_value(name: str, data_type: str, raw: Any) -> bytes:
    if raw is None:
        raise _wrong_field(name, data_type, "Binary")
    if isinstance(raw, bytes | bytearray):
        data = bytes(raw)
    else:
        try:
            data = base64.b64decode(str(raw), validate=True)
        except (binascii.Error, ValueError):
            message = f"The binary value of message (user) attribute '{name}' is not valid base64."
            raise _invalid(message) from None
    if not data:
        raise _invalid(f"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'.")
    return data


def _string_value(name: str, base: str, data_type: str, raw: Any) -> str:
    if raw is None:
        raise _wrong_field(name, data_type, "String")
    if not isinstance(raw, str):
        raise _no_value(name)
    if not raw:
        raise _invalid(f"Message (user) attribute '{name}' must contain a non-empty value of type '{base}'.")
    if _FORBIDDEN.search(raw):
        raise _invalid(
            f"Message (user) attribute '{name}' contains invalid characters. Valid unicode characters are "
            "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    return raw


def _check_number(name: str, text: str) -> None:
    """SQS numbers: up to 38 significant digits, magnitude 10^-128 .. 10^+126 (or zero)."""
    if not _NUMBER.fullmatch(text):
        raise _invalid(f"Can't cast the value of message (user) attribute '{name}' to a number.")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only decimal literals
        raise _invalid(f"Can't cast the value of message (user) attribute '{name}' to a number.") from None
    if number.is_zero():
        return
    # Count significant digits from the exact tuple: normalize() would round to 28 digits.
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")
    magnitude = number.copy_abs()
    too_precise = len(digits) > limits.MAX_NUMBER_PRECISION
    out_of_range = not (
        Decimal(10) ** limits.MIN_NUMBER_EXPONENT <= magnitude <= Decimal(10) ** limits.MAX_NUMBER_EXPONENT
    )
    if too_precise or out_of_range:
        raise _invalid(
            f"Value of message (user) attribute '{name}' is out of range: a Number can have up to 38 "
            "digits of precision and be between 10^-128 and 10^+126."
        )


# ---------------------------------------------------------------------------- hashing and size


def md5_of_body(body: str) -> str:
    """MD5OfMessageBody: lowercase hex MD5 of the body's UTF-8 bytes (surrogates passed through)."""
    return hashlib.md5(body.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def md5_of_message_attributes(attrs: Mapping[str, MessageAttribute]) -> str:
    """MD5OfMessageAttributes, byte for byte as the SDKs recompute it to verify the response."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attrs):
        attr = attrs[name]
        _update_length_prefixed(digest, name.encode("utf-8"))
        _update_length_prefixed(digest, attr.data_type.encode("utf-8"))
        _update_value(digest, attr)
    return digest.hexdigest()


def _update_length_prefixed(digest: Any, data: bytes) -> None:
    digest.update(struct.pack(">I", len(data)))
    digest.update(data)


def _update_value(digest: Any, attr: MessageAttribute) -> None:
    if attr.string_value is not None:
        digest.update(b"\x01")
        _update_length_prefixed(digest, attr.string_value.encode("utf-8"))
    elif attr.binary_value is not None:
        digest.update(b"\x02")
        _update_length_prefixed(digest, attr.binary_value)
    elif attr.string_list_values:
        digest.update(b"\x03")
        for item in attr.string_list_values:
            _update_length_prefixed(digest, item.encode("utf-8"))
    elif attr.binary_list_values:
        digest.update(b"\x04")
        for blob in attr.binary_list_values:
            _update_length_prefixed(digest, blob)


def attributes_size(attrs: Mapping[str, MessageAttribute]) -> int:
    """Bytes the attributes add to the message size: name, data type and value, in UTF-8."""
    total = 0
    for name, attr in attrs.items():
        total += len(name.encode("utf-8")) + len(attr.data_type.encode("utf-8"))
        if attr.string_value is not None:
            total += len(attr.string_value.encode("utf-8"))
        if attr.binary_value is not None:
            total += len(attr.binary_value)
        total += sum(len(s.encode("utf-8")) for s in attr.string_list_values)
        total += sum(len(b) for b in attr.binary_list_values)
    return total


# ---------------------------------------------------------------------------- wire and storage


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def attributes_to_wire(attrs: Mapping[str, MessageAttribute]) -> dict[str, dict[str, Any]]:
    """JSON-protocol shape of the attributes, as ReceiveMessage returns them."""
    wire: dict[str, dict[str, Any]] = {}
    for name, attr in attrs.items():
        entry: dict[str, Any] = {}
        if attr.string_value is not None:
            entry["StringValue"] = attr.string_value
        if attr.binary_value is not None:
            entry["BinaryValue"] = _b64(attr.binary_value)
        if attr.string_list_values:
            entry["StringListValues"] = list(attr.string_list_values)
        if attr.binary_list_values:
            entry["BinaryListValues"] = [_b64(b) for b in attr.binary_list_values]
        entry["DataType"] = attr.data_type
        wire[name] = entry
    return wire


def encode_for_storage(attrs: Mapping[str, MessageAttribute]) -> str:
    """Compact text for the database: ``[[name, type, kind, value], ...]``; "" when empty.

    ``kind`` is ``s``/``b`` for a string or base64 binary value and ``S``/``B`` for lists, so
    decoding needs no per-key dictionaries and stays cheap on the receive path.
    """
    if not attrs:
        return ""
    rows: list[list[Any]] = []
    for name, attr in attrs.items():
        if attr.string_value is not None:
            rows.append([name, attr.data_type, "s", attr.string_value])
        elif attr.binary_value is not None:
            rows.append([name, attr.data_type, "b", _b64(attr.binary_value)])
        elif attr.string_list_values:
            rows.append([name, attr.data_type, "S", list(attr.string_list_values)])
        else:
            rows.append([name, attr.data_type, "B", [_b64(b) for b in attr.binary_list_values]])
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def decode_from_storage(text: str) -> dict[str, MessageAttribute]:
    """Inverse of :func:`encode_for_storage`; trusts its input (we wrote it)."""
    if not text:
        return {}
    result: dict[str, MessageAttribute] = {}
    for name, data_type, kind, value in json.loads(text):
        if kind == "s":
            result[name] = MessageAttribute(data_type, string_value=value)
        elif kind == "b":
            result[name] = MessageAttribute(data_type, binary_value=base64.b64decode(value))
        elif kind == "S":
            result[name] = MessageAttribute(data_type, string_list_values=tuple(value))
        else:
            blobs = tuple(base64.b64decode(v) for v in value)
            result[name] = MessageAttribute(data_type, binary_list_values=blobs)
    return result


# ---------------------------------------------------------------------------- selection


def select_attributes(
    attrs: Mapping[str, MessageAttribute], requested: Iterable[str] | None
) -> dict[str, MessageAttribute]:
    """Apply ReceiveMessage's ``MessageAttributeNames``: All, ``.*``, exact names, ``prefix.*``."""
    if not requested or not attrs:
        return {}
    exact: set[str] = set()
    prefixes: list[str] = []
    for item in requested:
        if item in ("All", ".*"):
            return dict(attrs)
        if item.endswith(".*"):
            prefixes.append(item[:-1])  # keep the dot: "foo.*" selects "foo.bar", not "foobar"
        else:
            exact.add(item)
    return {
        name: attr
        for name, attr in attrs.items()
        if name in exact or any(name.startswith(p) for p in prefixes)
    }
