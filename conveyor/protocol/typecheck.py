"""Type-checks a JSON request against the action's input shape before any action code sees it.

The query codec builds parameters from the model, so they always have the right types; JSON
bodies are whatever the sender wrote. Checking them here, once, lets the action layer trust
that a string member holds a string — the way AWS's front end rejects a mistyped member
before SQS itself runs. Every request passes through here, so each shape is compiled once
into a small checking function instead of being interpreted from the model per request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from conveyor.errors import MalformedRequest
from conveyor.protocol.shapes import OPERATIONS, SHAPES, input_shape

Checker = Callable[[Any], None]


class _Mismatch(Exception):
    """A value of the wrong type; the path to it is added on the way out, only when it happens."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected
        self.path: list[str] = []

_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
}


def check_input(action: str, params: dict[str, Any]) -> None:
    """Raise MalformedRequest when a member of ``params`` does not have its modeled type."""
    if action in OPERATIONS:
        try:
            _operation_checker(action)(params)
        except _Mismatch as mismatch:
            where = ".".join(reversed(mismatch.path)).replace(".[", "[") or "the request"
            raise MalformedRequest(f"Value for {where} must be {mismatch.expected}.") from None


@cache
def _operation_checker(action: str) -> Checker:
    return _structure_checker(input_shape(action))


@cache
def _checker(type_name: str) -> Checker:
    if type_name in _SCALAR_TYPES:
        return _scalar_checker(type_name)
    shape = SHAPES[type_name]
    kind = shape["type"]
    if kind == "structure":
        return _structure_checker(shape)
    if kind == "list":
        return _list_checker(shape["member"])
    return _map_checker(shape["value"])


def _scalar_checker(type_name: str) -> Checker:
    accepted = _SCALAR_TYPES[type_name]
    numeric = type_name in ("integer", "long")

    def check(value: Any) -> None:
        if not isinstance(value, accepted) or (numeric and isinstance(value, bool)):
            raise _Mismatch(f"of type {type_name}")

    return check


def _structure_checker(shape: dict[str, Any]) -> Checker:
    members = {name: member["type"] for name, member in shape.get("members", {}).items()}

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            raise _Mismatch("an object")
        for name, item in value.items():
            type_name = members.get(name)
            if type_name is not None and item is not None:
                try:
                    _checker(type_name)(item)
                except _Mismatch as mismatch:
                    mismatch.path.append(name)
                    raise

    return check


def _list_checker(member_type: str) -> Checker:
    def check(value: Any) -> None:
        if not isinstance(value, list):
            raise _Mismatch("a list")
        member = _checker(member_type)
        for index, item in enumerate(value):
            if item is not None:
                try:
                    member(item)
                except _Mismatch as mismatch:
                    mismatch.path.append(f"[{index}]")
                    raise

    return check


def _map_checker(value_type: str) -> Checker:
    def check(value: Any) -> None:
        if not isinstance(value, dict):
            raise _Mismatch("a map")
        member = _checker(value_type)
        for key, item in value.items():
            if item is not None:
                try:
                    member(item)
                except _Mismatch as mismatch:
                    mismatch.path.append(str(key))
                    raise

    return check
