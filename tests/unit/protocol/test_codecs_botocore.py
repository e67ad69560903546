"""The codecs against botocore's real serializers and parsers, for every SQS action.

JSON uses the current model; query uses the last query-protocol model (botocore 1.31.80),
which is what older SDKs were generated from.
"""

from __future__ import annotations

import gzip
import json
import pathlib
from typing import Any
from urllib.parse import urlencode

import botocore
import pytest
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from protocol_samples import AWKWARD, REQUESTS, RESULTS, to_wire, without_empty

from conveyor.http.types import HttpRequest
from conveyor.protocol.json_codec import decode_json_request, encode_json_result
from conveyor.protocol.query_codec import decode_query_request, encode_query_result, parse_form
from conveyor.protocol.shapes import OPERATIONS
from tests.support.query_model import query_model_file

ACTIONS = sorted(OPERATIONS)


@pytest.fixture(scope="module")
def json_model() -> ServiceModel:
    path = pathlib.Path(botocore.__file__).parent / "data/sqs/2012-11-05/service-2.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return ServiceModel(json.load(f), service_name="sqs")


@pytest.fixture(scope="module")
def query_model() -> ServiceModel:
    return ServiceModel(json.loads(query_model_file().read_text(encoding="utf-8")), service_name="sqs")


def test_all_23_actions_have_samples() -> None:
    assert len(ACTIONS) == 23
    assert set(REQUESTS) == set(ACTIONS)
    outputs = {a for a, op in OPERATIONS.items() if op["output"]}
    assert set(RESULTS) == outputs


def _json_request(model: ServiceModel, action: str, params: dict[str, Any]) -> HttpRequest:
    wire = create_serializer("json").serialize_to_request(params, model.operation_model(action))
    headers = {k.lower(): v for k, v in wire["headers"].items()}
    return HttpRequest("POST", "/", "", headers, wire["body"])


def _query_request(model: ServiceModel, action: str, params: dict[str, Any]) -> HttpRequest:
    wire = create_serializer("query").serialize_to_request(params, model.operation_model(action))
    headers = {k.lower(): v for k, v in wire["headers"].items()}
    return HttpRequest("POST", "/", "", headers, urlencode(wire["body"]).encode())


@pytest.mark.parametrize("action", ACTIONS)
def test_json_request_decodes_to_the_same_params(json_model: ServiceModel, action: str) -> None:
    params = REQUESTS[action]
    decoded_action, decoded = decode_json_request(_json_request(json_model, action, params))
    assert decoded_action == action
    assert decoded == to_wire(params)


@pytest.mark.parametrize("action", ACTIONS)
def test_query_request_decodes_to_json_shape(query_model: ServiceModel, action: str) -> None:
    params = REQUESTS[action]
    request = _query_request(query_model, action, params)
    decoded_action, decoded = decode_query_request(parse_form(request))
    assert decoded_action == action
    assert decoded == to_wire(params)


def test_query_receive_message_system_attribute_names() -> None:
    """Added after the JSON switch, so no old model has it; AWS names it MessageSystemAttributeName.N."""
    form = {
        "Action": "ReceiveMessage",
        "QueueUrl": "u",
        "MessageSystemAttributeName.2": "SentTimestamp",
        "MessageSystemAttributeName.1": "SenderId",
    }
    expected = {"QueueUrl": "u", "MessageSystemAttributeNames": ["SenderId", "SentTimestamp"]}
    assert decode_query_request(form)[1] == expected


def _parse(protocol: str, model: ServiceModel, action: str, status: int, headers: Any, body: bytes) -> dict[str, Any]:
    response = {"status_code": status, "headers": {k.lower(): v for k, v in headers}, "body": body}
    parsed = create_parser(protocol).parse(response, model.operation_model(action).output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


@pytest.mark.parametrize("action", ACTIONS)
def test_json_result_parses_back(json_model: ServiceModel, action: str) -> None:
    result = RESULTS.get(action, {})
    response = encode_json_result(to_wire(result), "req-1")
    assert response.status == 200
    assert response.content_type == "application/x-amz-json-1.0"
    assert ("x-amzn-RequestId", "req-1") in response.headers
    assert _parse("json", json_model, action, 200, response.headers, response.body) == result


@pytest.mark.parametrize("action", ACTIONS)
def test_query_result_parses_back(query_model: ServiceModel, action: str) -> None:
    result = RESULTS.get(action, {})
    response = encode_query_result(action, to_wire(result), "req-2")
    assert response.status == 200
    assert ("x-amzn-RequestId", "req-2") in response.headers
    parsed = _parse("query", query_model, action, 200, response.headers, response.body)
    assert parsed == without_empty(result)
    meta = create_parser("query").parse(
        {"status_code": 200, "headers": {}, "body": response.body}, query_model.operation_model(action).output_shape
    )["ResponseMetadata"]
    assert meta["RequestId"] == "req-2"


def test_query_envelope_names() -> None:
    body = encode_query_result("ReceiveMessage", to_wire(RESULTS["ReceiveMessage"]), "r").body.decode()
    assert '<ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">' in body
    assert "<ReceiveMessageResult><Message><MessageId>" in body
    assert "<Attribute><Name>SenderId</Name><Value>AIDAIT2UOQQY3AUEKVGXU</Value></Attribute>" in body
    assert "<MessageAttribute><Name>str</Name><Value><StringValue>v &lt;&amp;&gt;</StringValue>" in body
    assert "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ReceiveMessageResponse>" in body
    empty = encode_query_result("DeleteQueue", None, "r").body.decode()
    assert "<DeleteQueueResult>" not in empty and "<DeleteQueueResponse" in empty


@pytest.mark.parametrize(
    "body",
    [AWKWARD, "<&>\"'", "\r\n", "\r", "\t", "😀🎉", "]]>", "&amp; is not decoded twice", "  leading and trailing  "],
)
def test_awkward_bodies_round_trip_through_xml(query_model: ServiceModel, body: str) -> None:
    result = {"Messages": [{"MessageId": "m", "Body": body, "MD5OfBody": "x"}]}
    response = encode_query_result("ReceiveMessage", result, "r")
    assert _parse("query", query_model, "ReceiveMessage", 200, response.headers, response.body) == result


@pytest.mark.parametrize("body", [AWKWARD, "\u0000-free but \x7f and \ud7ff"])
def test_awkward_bodies_round_trip_through_json(json_model: ServiceModel, body: str) -> None:
    request = _json_request(json_model, "SendMessage", {"QueueUrl": "u", "MessageBody": body})
    assert decode_json_request(request)[1]["MessageBody"] == body
    result = {"Messages": [{"MessageId": "m", "Body": body}]}
    response = encode_json_result(result, "r")
    assert _parse("json", json_model, "ReceiveMessage", 200, response.headers, response.body) == result
