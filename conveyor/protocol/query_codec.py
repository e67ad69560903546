"""The query protocol: form-encoded ``Action=...`` requests answered with XML.

Older SDKs (and many tools) still speak it.  Flattened names (``Attribute.1.Name``,
``MessageAttribute.1.Value.StringValue``, ``<Message>``...) come from ``sqs_shapes.json``;
requests are turned into the JSON protocol's shape so the action layer sees one form only.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

from conveyor.errors import InvalidAction, InvalidParameterValue, MissingParameter
from conveyor.http.types import HttpRequest, HttpResponse
from conveyor.protocol.errors import wire_error
from conveyor.protocol.shapes import OPERATIONS, SCALARS, SHAPES, XML_NAMESPACE, input_shape, output_shape

CONTENT_TYPE = "text/xml"
_LEAF = None  # key under which a tree node keeps the value sent for exactly that name
_XML_DECL = '<?xml version="1.0"?>'

Tree = dict[Any, Any]


# ---------------------------------------------------------------- requests


def parse_form(request: HttpRequest) -> dict[str, str]:
    """Query-string parameters plus, for a form-encoded body, the body's (body wins)."""
    form: dict[str, str] = {}
    if request.query:
        form.update(parse_qsl(request.query, keep_blank_values=True))
    body = request.body
    if body and "json" not in request.headers.get("content-type", ""):
        form.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return form


def decode_query_request(
    form: dict[str, str], *, scheme: str = "http", host: str = "", path: str = "/"
) -> tuple[str, dict[str, Any]]:
    """Return (action, params in the JSON protocol's shape).

    A request sent to a queue URL path (``/<account-id>/<queue-name>``) without a ``QueueUrl``
    parameter gets ``QueueUrl`` built from the URL it was sent to.
    """
    action = form.get("Action")
    if not action:
        raise InvalidAction("The request must contain the parameter Action.")
    if action not in OPERATIONS:
        raise InvalidAction(f"The action {action} is not valid for this endpoint.")
    shape = input_shape(action)
    params = _decode_struct(shape, _tree(form), "")
    if "QueueUrl" not in params and "QueueUrl" in shape["members"] and path.strip("/"):
        params["QueueUrl"] = f"{scheme}://{host}{path}"
    return action, params


def _tree(form: dict[str, str]) -> Tree:
    """``{"A.1.B": v}`` -> ``{"A": {"1": {"B": {None: v}}}}``, so shapes can be walked."""
    root: Tree = {}
    for key, value in form.items():
        node = root
        for part in key.split("."):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        node[_LEAF] = value
    return root


def _decode_struct(shape: dict[str, Any], node: Tree, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member, info in shape["members"].items():
        name = info["name"]
        child = node.get(name)
        if child is not None:
            value = _decode_value(info["type"], child, prefix + name)
            if value is not None:
                out[member] = value
    return out


def _decode_value(type_name: str, node: Tree, name: str) -> Any:
    if type_name in SCALARS:
        raw = node.get(_LEAF)
        return None if raw is None else _scalar_from_text(type_name, raw, name)
    shape = SHAPES[type_name]
    kind = shape["type"]
    if kind == "structure":
        return _decode_struct(shape, node, name + ".")
    if kind == "list":
        return [_decode_value(shape["member"], item, f"{name}.{i}") for i, item in _indexed(node)]
    return _decode_map(shape, node, name)


def _decode_map(shape: dict[str, Any], node: Tree, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    key_name, value_name = shape["key_name"], shape["value_name"]
    for i, entry in _indexed(node):
        key_node = entry.get(key_name)
        key = None if key_node is None else key_node.get(_LEAF)
        if key is None:
            raise MissingParameter(f"The request must contain the parameter {name}.{i}.{key_name}.")
        value_node = entry.get(value_name)
        value_path = f"{name}.{i}.{value_name}"
        value = None if value_node is None else _decode_value(shape["value"], value_node, value_path)
        if value is None:
            raise MissingParameter(f"The request must contain the parameter {name}.{i}.{value_name}.")
        out[key] = value
    return out


def _indexed(node: Tree) -> list[tuple[int, Tree]]:
    """The numbered children of a flattened list or map, in index order."""
    items = [(int(k), v) for k, v in node.items() if k is not _LEAF and k.isdigit() and k.isascii()]
    items.sort(key=lambda item: item[0])
    return items


def _scalar_from_text(type_name: str, raw: str, name: str) -> Any:
    if type_name == "string" or type_name == "blob":
        return raw  # blobs stay base64 text, exactly as the JSON protocol carries them
    if type_name == "boolean":
        lowered = raw.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        reason = "Must be a boolean."
        raise InvalidParameterValue(f"Value {raw} for parameter {name} is invalid. Reason: {reason}")
    digits = raw[1:] if raw[:1] == "-" else raw
    if digits.isdigit() and digits.isascii():
        return int(raw)
    raise InvalidParameterValue(f"Value {raw} for parameter {name} is invalid. Reason: Must be an integer.")


# ---------------------------------------------------------------- responses


def escape_xml(text: str) -> str:
    """Escape element text; ``\\r`` becomes ``&#xD;`` so XML parsers keep it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def encode_query_result(action: str, result: dict[str, Any] | None, request_id: str) -> HttpResponse:
    """``<{Action}Response>`` with the result (if the action has one) and the request id."""
    out = [_XML_DECL, f'<{action}Response xmlns="{XML_NAMESPACE}">']
    shape = output_shape(action)
    if shape is not None:
        out.append(f"<{action}Result>")
        if result:
            _encode_struct(shape, result, out)
        out.append(f"</{action}Result>")
    out.append(f"<ResponseMetadata><RequestId>{escape_xml(request_id)}</RequestId></ResponseMetadata>")
    out.append(f"</{action}Response>")
    return _xml_response(200, out, request_id)


def encode_query_error(error: BaseException, request_id: str) -> HttpResponse:
    """``<ErrorResponse>`` with Type, the legacy Code, and Message."""
    wire = wire_error(error)
    fault = "Sender" if wire.sender_fault else "Receiver"
    out = [
        _XML_DECL,
        f'<ErrorResponse xmlns="{XML_NAMESPACE}"><Error><Type>{fault}</Type>',
        f"<Code>{escape_xml(wire.code)}</Code><Message>{escape_xml(wire.message)}</Message>",
        f"<Detail/></Error><RequestId>{escape_xml(request_id)}</RequestId></ErrorResponse>",
    ]
    return _xml_response(wire.status, out, request_id)


def _xml_response(status: int, parts: list[str], request_id: str) -> HttpResponse:
    body = "".join(parts).encode("utf-8", "xmlcharrefreplace")
    return HttpResponse(status, body, CONTENT_TYPE, [("x-amzn-RequestId", request_id)])


def _encode_struct(shape: dict[str, Any], value: dict[str, Any], out: list[str]) -> None:
    for member, info in shape["members"].items():
        item = value.get(member)
        if item is not None:
            _encode_value(info["name"], info["type"], item, out)


def _encode_value(name: str, type_name: str, value: Any, out: list[str]) -> None:
    if type_name in SCALARS:
        out.append(f"<{name}>{_scalar_to_text(type_name, value)}</{name}>")
        return
    shape = SHAPES[type_name]
    kind = shape["type"]
    if kind == "structure":
        out.append(f"<{name}>")
        _encode_struct(shape, value, out)
        out.append(f"</{name}>")
    elif kind == "list":  # flattened: one element per item, named like the member
        for item in value:
            _encode_value(name, shape["member"], item, out)
    else:  # flattened map: one <name><Key/><Value/></name> per entry
        key_name, value_name, value_type = shape["key_name"], shape["value_name"], shape["value"]
        for key, item in value.items():
            out.append(f"<{name}><{key_name}>{escape_xml(key)}</{key_name}>")
            _encode_value(value_name, value_type, item, out)
            out.append(f"</{name}>")


def _scalar_to_text(type_name: str, value: Any) -> str:
    if type_name == "boolean":
        return "true" if value else "false"
    if isinstance(value, str):
        return escape_xml(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return str(value)
