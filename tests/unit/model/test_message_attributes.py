"""Message attributes: AWS's validation rules, MD5 vectors, size, wire and storage forms."""

from __future__ import annotations

import base64
import hashlib
import re
import struct

import pytest

from conveyor.errors import InvalidParameterValue
from conveyor.model.message_attributes import (
    MessageAttribute,
    attributes_size,
    attributes_to_wire,
    decode_from_storage,
    encode_for_storage,
    md5_of_body,
    md5_of_message_attributes,
    parse_message_attributes,
    parse_message_system_attributes,
    select_attributes,
)


def s(value: str, data_type: str = "String") -> dict[str, str]:
    return {"DataType": data_type, "StringValue": value}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def reject(raw: dict, fragment: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_message_attributes(raw)
    assert fragment in info.value.message


# ---------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["a", "A-b_c.d", "x" * 256, "awsome", "amazonia", "AWS", "a.b.c"])
def test_accepts_valid_names(name: str) -> None:
    assert set(parse_message_attributes({name: s("v")})) == {name}


def test_names_are_case_sensitive() -> None:
    parsed = parse_message_attributes({"Key": s("1"), "key": s("2")})
    assert parsed["Key"].string_value == "1" and parsed["key"].string_value == "2"


def test_rejects_empty_name() -> None:
    reject({"": s("v")}, "non-empty message (user) attribute names")


def test_rejects_name_over_256() -> None:
    reject({"x" * 257: s("v")}, "must be shorter than 256 bytes")


@pytest.mark.parametrize("name", ["has space", "slash/", "ümlaut", "star*"])
def test_rejects_name_characters(name: str) -> None:
    reject({name: s("v")}, "can only contain upper and lower score characters")


@pytest.mark.parametrize("name", ["AWS.x", "aws.x", "Amazon.x", "AMAZON.y"])
def test_rejects_reserved_prefixes(name: str) -> None:
    reject({name: s("v")}, "reserved for internal use")


@pytest.mark.parametrize("name", [".a", "a.", "a..b"])
def test_rejects_bad_periods(name: str) -> None:
    reject({name: s("v")}, "period")


def test_ten_attributes_pass_eleven_fail() -> None:
    ten = {f"a{i}": s("v") for i in range(10)}
    assert len(parse_message_attributes(ten)) == 10
    reject({**ten, "a10": s("v")}, "Number of message attributes [11] exceeds the allowed maximum [10].")


def test_none_and_empty_are_no_attributes() -> None:
    assert parse_message_attributes(None) == {}
    assert parse_message_attributes({}) == {}


# ---------------------------------------------------------------------------- types and values


@pytest.mark.parametrize("data_type", ["String", "Number", "Binary", "String.json", "Number.float", "Binary.gz"])
def test_accepts_types_with_labels(data_type: str) -> None:
    value = {"DataType": data_type}
    value["BinaryValue" if data_type.startswith("Binary") else "StringValue"] = (
        b64(b"x") if data_type.startswith("Binary") else "1"
    )
    assert parse_message_attributes({"n": value})["n"].data_type == data_type


@pytest.mark.parametrize("data_type", ["string", "Int", "StringX", "String.", "Str"])
def test_rejects_unknown_types(data_type: str) -> None:
    reject({"n": s("1", data_type)}, "supported type prefixes: Binary, Number, String.")


def test_rejects_missing_data_type() -> None:
    reject({"n": {"StringValue": "v"}}, "non-empty attribute type")


def test_rejects_type_over_256() -> None:
    reject({"n": s("v", "String." + "a" * 250)}, "type must be shorter than 256 bytes")


def test_type_of_exactly_256_is_fine() -> None:
    data_type = "String." + "a" * 249
    assert parse_message_attributes({"n": s("v", data_type)})["n"].data_type == data_type


def test_rejects_missing_value() -> None:
    reject({"n": {"DataType": "String"}}, "must contain a non-empty message attribute value")


@pytest.mark.parametrize("base", ["String", "Number"])
def test_rejects_empty_string_value(base: str) -> None:
    reject({"piyo": s("", base)}, f"Message (user) attribute 'piyo' must contain a non-empty value of type '{base}'.")


def test_rejects_empty_binary_value() -> None:
    reject({"n": {"DataType": "Binary", "BinaryValue": ""}}, "non-empty value of type 'Binary'")


def test_rejects_value_in_wrong_field() -> None:
    reject({"n": {"DataType": "Binary", "StringValue": "x"}}, "must use field 'Binary'")
    reject({"n": {"DataType": "String", "BinaryValue": b64(b"x")}}, "must use field 'String'")


def test_rejects_list_values() -> None:
    reject({"n": {"DataType": "String", "StringListValues": ["a"]}}, "list values")
    reject({"n": {"DataType": "Binary", "BinaryListValues": [b64(b"a")]}}, "list values")


def test_binary_value_is_base64_decoded() -> None:
    parsed = parse_message_attributes({"n": {"DataType": "Binary", "BinaryValue": b64(b"\x00\xff")}})
    assert parsed["n"] == MessageAttribute("Binary", binary_value=b"\x00\xff")


def test_rejects_invalid_base64() -> None:
    reject({"n": {"DataType": "Binary", "BinaryValue": "not base64!"}}, "not valid base64")


def test_rejects_forbidden_characters_in_string_value() -> None:
    reject({"n": s("bad\x00")}, "invalid characters")
    reject({"n": s("lone \ud800")}, "invalid characters")
    assert parse_message_attributes({"n": s("tab\t \U0001f600 \ufffd")})


@pytest.mark.parametrize(
    "number", ["0", "-1", "+1", "1.5", ".5", "5.", "1e10", "-2.5E-3", "9" * 38, "1e126", "1e-128", "0e999"]
)
def test_accepts_numbers(number: str) -> None:
    assert parse_message_attributes({"n": s(number, "Number")})["n"].string_value == number


@pytest.mark.parametrize("number", ["world", "1,5", "NaN", "Infinity", "0x10", " 1", "1 ", "--1", "e5"])
def test_rejects_non_numbers(number: str) -> None:
    reject({"Hello": s(number, "Number")}, "Can't cast the value of message (user) attribute 'Hello' to a number.")


@pytest.mark.parametrize("number", ["9" * 39, "1e127", "1e-129", "-1e127"])
def test_rejects_numbers_out_of_range(number: str) -> None:
    reject({"n": s(number, "Number")}, "out of range")


def test_trailing_zeros_do_not_count_as_precision() -> None:
    assert parse_message_attributes({"n": s("1" + "0" * 60, "Number")})


# ---------------------------------------------------------------------------- system attributes


def test_system_attributes_accept_only_trace_header() -> None:
    parsed = parse_message_system_attributes({"AWSTraceHeader": s("Root=1-abc")})
    assert parsed == {"AWSTraceHeader": MessageAttribute("String", string_value="Root=1-abc")}
    with pytest.raises(InvalidParameterValue, match=re.escape("Message system attribute name 'Hello' is invalid.")):
        parse_message_system_attributes({"Hello": s("World")})


def test_system_trace_header_must_be_string() -> None:
    with pytest.raises(InvalidParameterValue, match="must be of type 'String'"):
        parse_message_system_attributes({"AWSTraceHeader": s("1", "Number")})
    assert parse_message_system_attributes(None) == {}


# ---------------------------------------------------------------------------- MD5


def reference_md5(attrs: dict[str, tuple[str, int, list[bytes]]]) -> str:
    """Independent build of the documented buffer, one struct.pack at a time."""
    buffer = b""
    for name in sorted(attrs):
        data_type, transport, values = attrs[name]
        buffer += struct.pack("!I", len(name.encode())) + name.encode()
        buffer += struct.pack("!I", len(data_type.encode())) + data_type.encode()
        buffer += bytes([transport])
        for value in values:
            buffer += struct.pack("!I", len(value)) + value
    return hashlib.md5(buffer).hexdigest()


# Vectors that the AWS SDK for JavaScript v3 accepted (it verifies MD5OfMessageAttributes and
# MD5OfMessageSystemAttributes on every SendMessage), as recorded in an SDK-driven test suite.
SDK_VECTORS = [
    ({"Hello": s("World")}, "7db7fb1ba7f41366a8ea5eb18220b26d"),
    ({"UserId": s("1234567890123456789012", "Number.bigint")}, "797ab158d73dcb5242dedc4412c8e855"),
    ({"attrib1": s("2345"), "attrib2": s("true")}, "c92eae09ef2c14cd949cc265ebc9cb50"),
]


@pytest.mark.parametrize(("raw", "expected"), SDK_VECTORS)
def test_md5_matches_sdk_vectors(raw: dict, expected: str) -> None:
    assert md5_of_message_attributes(parse_message_attributes(raw)) == expected


def test_md5_of_system_attributes_matches_sdk_vector() -> None:
    parsed = parse_message_system_attributes({"AWSTraceHeader": s("some-trace-id")})
    assert md5_of_message_attributes(parsed) == "fdce4f2818803f2f73becc09a54792c0"


def test_md5_matches_independent_build_for_mixed_types() -> None:
    attrs = {
        "zeta": MessageAttribute("Binary.gz", binary_value=b"\x00\x01\xfe"),
        "alpha": MessageAttribute("Number", string_value="42"),
        "mid": MessageAttribute("String", string_value="h\u00e9llo \U0001f600"),
        "lists": MessageAttribute("StringList", string_list_values=("a", "bc")),
        "blobs": MessageAttribute("BinaryList", binary_list_values=(b"\x01", b"")),
    }
    expected = reference_md5(
        {
            "zeta": ("Binary.gz", 2, [b"\x00\x01\xfe"]),
            "alpha": ("Number", 1, [b"42"]),
            "mid": ("String", 1, ["h\u00e9llo \U0001f600".encode()]),
            "lists": ("StringList", 3, [b"a", b"bc"]),
            "blobs": ("BinaryList", 4, [b"\x01", b""]),
        }
    )
    assert md5_of_message_attributes(attrs) == expected


def test_md5_sorts_names_by_code_point() -> None:
    attrs = {"b": MessageAttribute("String", string_value="1"), "B": MessageAttribute("String", string_value="2")}
    expected = reference_md5({"B": ("String", 1, [b"2"]), "b": ("String", 1, [b"1"])})
    assert md5_of_message_attributes(attrs) == expected


def test_md5_of_body() -> None:
    assert md5_of_body("Test Message") == "d1d4180b7e411c4be86b00fb2ee103eb"
    assert md5_of_body("0") == "cfcd208495d565ef66e7dff9f98764da"
    assert md5_of_body("h\u00e9") == hashlib.md5("h\u00e9".encode()).hexdigest()


# ---------------------------------------------------------------------------- size, wire, storage


def test_attributes_size_counts_name_type_and_value_bytes() -> None:
    attrs = {
        "n\u00e9": MessageAttribute("String", string_value="\u20ac"),  # 3 + 6 + 3
        "bin": MessageAttribute("Binary", binary_value=b"1234"),  # 3 + 6 + 4
    }
    assert attributes_size(attrs) == 12 + 13
    assert attributes_size({}) == 0


def test_wire_shape() -> None:
    attrs = {
        "s": MessageAttribute("String", string_value="v"),
        "b": MessageAttribute("Binary", binary_value=b"\x00"),
    }
    assert attributes_to_wire(attrs) == {
        "s": {"StringValue": "v", "DataType": "String"},
        "b": {"BinaryValue": "AA==", "DataType": "Binary"},
    }
    lists = {"l": MessageAttribute("StringList", string_list_values=("x",))}
    assert attributes_to_wire(lists) == {"l": {"StringListValues": ["x"], "DataType": "StringList"}}


def test_storage_round_trip() -> None:
    attrs = {
        "s": MessageAttribute("String.json", string_value='{"k": "\u00e9\U0001f600"}'),
        "n": MessageAttribute("Number", string_value="1.5"),
        "b": MessageAttribute("Binary", binary_value=bytes(range(256))),
        "sl": MessageAttribute("StringList", string_list_values=("a", "b")),
        "bl": MessageAttribute("BinaryList", binary_list_values=(b"\x00", b"\xff")),
    }
    text = encode_for_storage(attrs)
    assert decode_from_storage(text) == attrs
    assert list(decode_from_storage(text)) == list(attrs)
    assert encode_for_storage({}) == "" and decode_from_storage("") == {}


# ---------------------------------------------------------------------------- selection


ATTRS = {name: MessageAttribute("String", string_value=name) for name in ("foo.a", "foo.b", "foobar", "bar")}


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (None, set()),
        ([], set()),
        (["All"], set(ATTRS)),
        ([".*"], set(ATTRS)),
        (["bar"], {"bar"}),
        (["foo.*"], {"foo.a", "foo.b"}),
        (["foo.*", "bar"], {"foo.a", "foo.b", "bar"}),
        (["missing"], set()),
        (["Bar"], set()),
    ],
)
def test_select_attributes(requested: list[str] | None, expected: set[str]) -> None:
    assert set(select_attributes(ATTRS, requested)) == expected
