"""Message bodies, sizes, delays, receive parameters and system attribute selection."""

from __future__ import annotations

import re

import pytest

from conveyor.errors import InvalidAttributeName, InvalidMessageContents, InvalidParameterValue, MissingParameter
from conveyor.model.message_attributes import MessageAttribute
from conveyor.model.messages import (
    SYSTEM_ATTRIBUTE_NAMES,
    check_message_size,
    message_size,
    select_system_attribute_names,
    validate_body,
    validate_delay_seconds,
    validate_receive_params,
    validate_visibility_timeout,
)


@pytest.mark.parametrize(
    "body",
    ["x", "\t\n\r", " ~", "\u00e9\u4e2d", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0010ffff", "a" * 100_000],
)
def test_accepts_allowed_characters(body: str) -> None:
    validate_body(body)


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"])
def test_rejects_forbidden_characters(bad: str) -> None:
    with pytest.raises(InvalidMessageContents) as info:
        validate_body(f"ok{bad}ok")
    assert info.value.message.startswith("Invalid characters found. Valid unicode characters are #x9")


@pytest.mark.parametrize("body", [None, ""])
def test_body_is_required(body: str | None) -> None:
    with pytest.raises(MissingParameter, match=re.escape("The request must contain the parameter MessageBody.")):
        validate_body(body)


def test_message_size_is_utf8_body_plus_attributes() -> None:
    attrs = {"ab": MessageAttribute("String", string_value="xyz")}
    assert message_size("hello", {}) == 5
    assert message_size("\u20ac", {}) == 3
    assert message_size("hi", attrs) == 2 + 2 + 6 + 3


def test_check_message_size_edges() -> None:
    check_message_size(1024, 1024)
    with pytest.raises(InvalidParameterValue) as info:
        check_message_size(1025, 1024)
    assert info.value.message == "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (900, 900), ("15", 15)])
def test_delay_seconds_accepts_range(value: object, expected: int) -> None:
    assert validate_delay_seconds(value) == expected


@pytest.mark.parametrize("value", [-1, 901, True, "x", 1.5, None])
def test_delay_seconds_rejects(value: object) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        validate_delay_seconds(value)
    assert info.value.message == (
        f"Value {value} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
    )


def test_visibility_timeout_range() -> None:
    assert validate_visibility_timeout(0) == 0
    assert validate_visibility_timeout(43_200) == 43_200
    for bad in (-1, 43_201, "abc"):
        with pytest.raises(InvalidParameterValue, match="for parameter VisibilityTimeout is invalid"):
            validate_visibility_timeout(bad)


def test_receive_params_accept_edges_and_absence() -> None:
    validate_receive_params(None, None, None)
    validate_receive_params(1, 0, 0)
    validate_receive_params(10, 43_200, 20)


def test_receive_params_reject_max_number() -> None:
    for bad in (0, 11):
        with pytest.raises(InvalidParameterValue) as info:
            validate_receive_params(bad, None, None)
        assert info.value.message == (
            f"Value {bad} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
        )


def test_receive_params_reject_wait_time_and_visibility() -> None:
    with pytest.raises(InvalidParameterValue, match="Value 21 for parameter WaitTimeSeconds is invalid"):
        validate_receive_params(None, None, 21)
    with pytest.raises(InvalidParameterValue, match="parameter WaitTimeSeconds"):
        validate_receive_params(None, None, -1)
    with pytest.raises(InvalidParameterValue, match="parameter VisibilityTimeout"):
        validate_receive_params(None, 43_201, None)


def test_system_attribute_names_union_and_all() -> None:
    assert select_system_attribute_names(None, None) == frozenset()
    assert select_system_attribute_names(["SenderId"], ["SentTimestamp"]) == {"SenderId", "SentTimestamp"}
    everything = select_system_attribute_names(["All"], None)
    assert everything == SYSTEM_ATTRIBUTE_NAMES - {"All"}
    assert select_system_attribute_names(None, ["All", "SenderId"]) == everything


def test_queue_attribute_names_in_deprecated_list_select_nothing() -> None:
    assert select_system_attribute_names(["Policy", "VisibilityTimeout"], None) == frozenset()


def test_unknown_system_attribute_names_are_rejected() -> None:
    with pytest.raises(InvalidAttributeName, match=re.escape("Unknown Attribute Bogus.")):
        select_system_attribute_names(["Bogus"], None)
    with pytest.raises(InvalidAttributeName, match=re.escape("Unknown Attribute Policy.")):
        select_system_attribute_names(None, ["Policy"])
