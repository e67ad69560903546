"""The JSON 1.0 protocol (``X-Amz-Target: AmazonSQS.<Action>``), as current AWS SDKs speak it.

Request parameters already arrive in the shape the action layer wants, so decoding is only
parsing; type checks on members are left to the action layer, which knows the rules.
"""

from __future__ import annotations

import json
from typing import Any

from conveyor.errors import InvalidAction, MalformedRequest
from conveyor.http.types import HttpRequest, HttpResponse
from conveyor.protocol.errors import wire_error
from conveyor.protocol.shapes import OPERATIONS
from conveyor.protocol.typecheck import check_input

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "AmazonSQS."

_loads = json.loads
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_dumps_ascii = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def action_from_target(target: str) -> str:
    """``AmazonSQS.SendMessage`` -> ``SendMessage``; anything else is an InvalidAction."""
    if target.startswith(TARGET_PREFIX):
        action = target[len(TARGET_PREFIX) :]
        if action in OPERATIONS:
            return action
    raise InvalidAction(f"The action {target.rpartition('.')[2] or target} is not valid for this endpoint.")


def decode_json_request(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """Return (action, params) or raise InvalidAction / MalformedRequest."""
    action = action_from_target(request.headers.get("x-amz-target", ""))
    body = request.body
    if not body or body.isspace():
        return action, {}
    try:
        params = _loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedRequest("The request body could not be parsed as JSON.") from None
    if not isinstance(params, dict):
        raise MalformedRequest("The request body must be a JSON object.")
    check_input(action, params)
    return action, params


def _encode_json(value: Any) -> bytes:
    try:
        return _dumps(value).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only escaped JSON can carry it
        return _dumps_ascii(value).encode("ascii")


def encode_json_result(result: dict[str, Any] | None, request_id: str) -> HttpResponse:
    """A 200 response with the result object (``{}`` when there is none)."""
    body = _encode_json(result) if result else b"{}"
    return HttpResponse(200, body, CONTENT_TYPE, [("x-amzn-RequestId", request_id)])


def encode_json_error(error: BaseException, request_id: str) -> HttpResponse:
    """An error the way SQS sends it: status, ``__type`` + ``message``, ``x-amzn-query-error``."""
    wire = wire_error(error)
    body = _encode_json({"__type": wire.json_type, "message": wire.message})
    fault = "Sender" if wire.sender_fault else "Receiver"
    headers = [("x-amzn-RequestId", request_id), ("x-amzn-query-error", f"{wire.code};{fault}")]
    return HttpResponse(wire.status, body, CONTENT_TYPE, headers)
