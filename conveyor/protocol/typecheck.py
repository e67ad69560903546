"""Type-checks a JSON request against the action's input shape before any action code sees it.

The query codec builds parameters from the model, so they always have the right types; JSON
bodies are whatever the sender wrote. Checking them here, once, lets the action layer trust
that a string member holds a string — the way AWS's front end rejects a mistyped member
before SQS itself runs.
"""

from __future__ import annotations

from typing import Any

from conveyor.errors import MalformedRequest
from conveyor.protocol.shapes import OPERATIONS, SHAPES, input_shape

_SCALAR_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "blob": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def check_input(action: str, params: dict[str, Any]) -> None:
    """Raise MalformedRequest when a member of ``params`` does not have its modeled type."""
    if action in OPERATIONS:
        _check_structure(input_shape(action), params, "")


def _check(type_name: str, value: Any, where: str) -> None:
    if value is None:
        return
    scalar = _SCALAR_CHECKS.get(type_name)
    if scalar is not None:
        if not scalar(value):
            raise MalformedRequest(f"Value for {where} must be of type {type_name}.")
        return
    shape = SHAPES[type_name]
    kind = shape["type"]
    if kind == "structure":
        _check_structure(shape, value, where)
    elif kind == "list":
        if not isinstance(value, list):
            raise MalformedRequest(f"Value for {where} must be a list.")
        for index, item in enumerate(value):
            _check(shape["member"], item, f"{where}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            raise MalformedRequest(f"Value for {where} must be a map.")
        for key, item in value.items():
            _check(shape["value"], item, f"{where}.{key}")


def _check_structure(shape: dict[str, Any], value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise MalformedRequest(f"Value for {where or 'the request'} must be an object.")
    members = shape.get("members", {})
    for name, item in value.items():
        member = members.get(name)
        if member is not None:
            _check(member["type"], item, f"{where}.{name}" if where else name)
