"""Wire-level details of both protocols, with raw HTTP requests where an SDK would hide them."""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from .conftest import md5_hex, queue_counts, unique_name

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"
JSON_TYPE = "application/x-amz-json-1.0"


class Raw:
    """A few raw HTTP calls to the embedded server."""

    def __init__(self, endpoint_url: str) -> None:
        parts = urlsplit(endpoint_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def query(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], ET.Element]:
        form = urlencode({"Version": "2012-11-05", **params})
        if method == "GET":
            status, headers, body = self.request("GET", f"{path}?{form}")
        else:
            status, headers, body = self.request(
                "POST", path, form.encode(), {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
            )
        assert headers["content-type"].startswith("text/xml")
        return status, headers, ET.fromstring(body)

    def json(self, action: str, payload: Any) -> tuple[int, dict[str, str], Any]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        status, headers, raw = self.request(
            "POST", "/", body, {"Content-Type": JSON_TYPE, "X-Amz-Target": f"AmazonSQS.{action}"}
        )
        return status, headers, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def raw(server: Any) -> Raw:
    return Raw(server.endpoint_url)


@pytest.fixture
def queue(clients: dict[str, Any]) -> tuple[str, str]:
    """(name, url) of a fresh queue, made with the JSON client."""
    name = unique_name("raw")
    return name, clients["json"].create_queue(QueueName=name)["QueueUrl"]


def text(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, f"{path} missing in {ET.tostring(element)!r}"
    return found.text or ""


def assert_query_success(status: int, headers: dict[str, str], root: ET.Element, action: str) -> ET.Element:
    assert status == 200
    assert root.tag == f"{NS}{action}Response"
    request_id = text(root, f"{NS}ResponseMetadata/{NS}RequestId")
    assert request_id
    assert headers["x-amzn-requestid"] == request_id
    result = root.find(f"{NS}{action}Result")
    return result if result is not None else root


def assert_query_error(
    status: int, headers: dict[str, str], root: ET.Element, code: str, expected_status: int = 400
) -> str:
    assert status == expected_status
    assert root.tag == f"{NS}ErrorResponse"
    assert text(root, f"{NS}Error/{NS}Type") == "Sender"
    assert text(root, f"{NS}Error/{NS}Code") == code
    message = text(root, f"{NS}Error/{NS}Message")
    request_id = text(root, f"{NS}RequestId")
    assert request_id and headers["x-amzn-requestid"] == request_id
    return message


# ------------------------------------------------------------------------------------ query by GET and POST


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_to_the_queue_url_path(raw: Raw, clients: dict[str, Any], queue: tuple[str, str], method: str) -> None:
    name, url = queue
    path = urlsplit(url).path
    assert path == f"/000000000000/{name}"
    body = "sent <by> raw & query\r\n🎉"
    status, headers, root = raw.query(method, path, {"Action": "SendMessage", "MessageBody": body})
    result = assert_query_success(status, headers, root, "SendMessage")
    assert text(result, f"{NS}MD5OfMessageBody") == md5_hex(body.encode())
    message_id = text(result, f"{NS}MessageId")

    status, headers, root = raw.query(method, path, {"Action": "ReceiveMessage", "AttributeName.1": "All"})
    result = assert_query_success(status, headers, root, "ReceiveMessage")
    message = result.find(f"{NS}Message")
    assert message is not None
    assert text(message, f"{NS}MessageId") == message_id
    assert text(message, f"{NS}Body") == body
    attributes = {text(a, f"{NS}Name"): text(a, f"{NS}Value") for a in message.findall(f"{NS}Attribute")}
    assert attributes["ApproximateReceiveCount"] == "1"
    handle = text(message, f"{NS}ReceiptHandle")

    status, headers, root = raw.query(method, path, {"Action": "DeleteMessage", "ReceiptHandle": handle})
    assert_query_success(status, headers, root, "DeleteMessage")
    assert queue_counts(clients["json"], url) == (0, 0, 0)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_to_the_root_with_queue_url(raw: Raw, queue: tuple[str, str], method: str) -> None:
    _, url = queue
    status, headers, root = raw.query(method, "/", {"Action": "GetQueueAttributes", "QueueUrl": url,
                                                    "AttributeName.1": "VisibilityTimeout"})  # fmt: skip
    result = assert_query_success(status, headers, root, "GetQueueAttributes")
    (attribute,) = result.findall(f"{NS}Attribute")
    assert (text(attribute, f"{NS}Name"), text(attribute, f"{NS}Value")) == ("VisibilityTimeout", "30")


def test_query_flattened_batch_and_attributes(raw: Raw, clients: dict[str, Any], queue: tuple[str, str]) -> None:
    _, url = queue
    params = {
        "Action": "SendMessageBatch",
        "QueueUrl": url,
        "SendMessageBatchRequestEntry.1.Id": "one",
        "SendMessageBatchRequestEntry.1.MessageBody": "first",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "colour",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "String",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "blue",
        "SendMessageBatchRequestEntry.2.Id": "two",
        "SendMessageBatchRequestEntry.2.MessageBody": "\x00",
    }
    status, headers, root = raw.query("POST", "/", params)
    result = assert_query_success(status, headers, root, "SendMessageBatch")
    ok = result.findall(f"{NS}SendMessageBatchResultEntry")
    bad = result.findall(f"{NS}BatchResultErrorEntry")
    assert [text(e, f"{NS}Id") for e in ok] == ["one"]
    assert [(text(e, f"{NS}Id"), text(e, f"{NS}Code"), text(e, f"{NS}SenderFault")) for e in bad] == [
        ("two", "InvalidMessageContents", "true")
    ]
    (message,) = clients["json"].receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"] == {"colour": {"DataType": "String", "StringValue": "blue"}}


def test_query_error_response(raw: Raw, server: Any) -> None:
    missing = server.queue_url(unique_name())
    status, headers, root = raw.query("POST", "/", {"Action": "GetQueueAttributes", "QueueUrl": missing})
    assert_query_error(status, headers, root, "AWS.SimpleQueueService.NonExistentQueue")
    status, headers, root = raw.query("GET", urlsplit(missing).path, {"Action": "SendMessage", "MessageBody": "x"})
    assert_query_error(status, headers, root, "AWS.SimpleQueueService.NonExistentQueue")


def test_query_error_status_403(raw: Raw, queue: tuple[str, str]) -> None:
    _, url = queue
    assert_query_success(*raw.query("POST", "/", {"Action": "PurgeQueue", "QueueUrl": url}), "PurgeQueue")
    status, headers, root = raw.query("POST", "/", {"Action": "PurgeQueue", "QueueUrl": url})
    assert_query_error(status, headers, root, "AWS.SimpleQueueService.PurgeQueueInProgress", 403)


def test_query_unknown_action(raw: Raw) -> None:
    for method in ("GET", "POST"):
        status, headers, root = raw.query(method, "/", {"Action": "MakeCoffee"})
        assert_query_error(status, headers, root, "InvalidAction")


def test_query_missing_parameter(raw: Raw, queue: tuple[str, str]) -> None:
    _, url = queue
    status, headers, root = raw.query("POST", "/", {"Action": "SendMessage", "QueueUrl": url})
    assert_query_error(status, headers, root, "MissingParameter")


# ------------------------------------------------------------------------------------ JSON


def test_json_success_has_request_id(raw: Raw, queue: tuple[str, str]) -> None:
    _, url = queue
    status, headers, body = raw.json("SendMessage", {"QueueUrl": url, "MessageBody": "json"})
    assert status == 200
    assert headers["content-type"].startswith(JSON_TYPE)
    assert headers["x-amzn-requestid"]
    assert body["MD5OfMessageBody"] == md5_hex(b"json")
    status, headers, body = raw.json("DeleteQueue", {"QueueUrl": url})
    assert status == 200
    assert headers["x-amzn-requestid"]


def test_json_error_shape_and_query_error_header(raw: Raw, server: Any) -> None:
    status, headers, body = raw.json("GetQueueUrl", {"QueueName": unique_name()})
    assert status == 400
    assert headers["x-amzn-requestid"]
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert body["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert body["message"]


def test_json_error_403_header(raw: Raw, queue: tuple[str, str]) -> None:
    _, url = queue
    assert raw.json("PurgeQueue", {"QueueUrl": url})[0] == 200
    status, headers, body = raw.json("PurgeQueue", {"QueueUrl": url})
    assert status == 403
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.PurgeQueueInProgress;Sender"
    assert body["__type"] == "com.amazonaws.sqs#PurgeQueueInProgress"


def test_json_unknown_action(raw: Raw) -> None:
    status, headers, body = raw.json("MakeCoffee", {})
    assert status == 400
    assert headers["x-amzn-requestid"]
    assert body["__type"].endswith("UnknownOperationException")


def test_json_malformed_body(raw: Raw, queue: tuple[str, str], clients: dict[str, Any]) -> None:
    _, url = queue
    for payload in (b'{"QueueUrl": ', b"not json at all", b"[1, 2, 3]", b"\xff\xfe"):
        status, headers, body = raw.json("SendMessage", payload)
        assert status == 400, payload
        assert headers["x-amzn-requestid"]
        assert body["__type"].endswith("SerializationException"), body
    assert queue_counts(clients["json"], url) == (0, 0, 0)


def test_json_wrong_member_types_are_rejected(raw: Raw, queue: tuple[str, str], clients: dict[str, Any]) -> None:
    _, url = queue
    for payload in (
        {"QueueUrl": url, "MessageBody": 12},
        {"QueueUrl": url, "MessageBody": "m", "DelaySeconds": "soon"},
        {"QueueUrl": url, "MessageBody": "m", "MessageAttributes": "not a map"},
    ):
        status, headers, body = raw.json("SendMessage", payload)
        assert status == 400, (payload, body)
        assert headers["x-amzn-requestid"]
    assert queue_counts(clients["json"], url) == (0, 0, 0)


# ------------------------------------------------------------------------------------ queue URLs


def test_queue_url_with_another_host_reaches_the_queue(
    sqs: Any, clients: dict[str, Any], queue: tuple[str, str]
) -> None:
    name, url = queue
    aws_url = f"https://sqs.us-east-1.amazonaws.com/000000000000/{name}"
    sqs.send_message(QueueUrl=aws_url, MessageBody="via the AWS-style URL")
    (message,) = sqs.receive_message(QueueUrl=aws_url, VisibilityTimeout=600)["Messages"]
    assert message["Body"] == "via the AWS-style URL"
    assert queue_counts(clients["json"], url) == (0, 1, 0)
    sqs.delete_message(QueueUrl=aws_url, ReceiptHandle=message["ReceiptHandle"])
    assert queue_counts(sqs, url) == (0, 0, 0)
    docker_url = f"http://elasticmq:9324/000000000000/{name}"
    assert sqs.get_queue_attributes(QueueUrl=docker_url, AttributeNames=["QueueArn"])["Attributes"] == {
        "QueueArn": f"arn:aws:sqs:us-east-1:000000000000:{name}"
    }


def test_every_response_has_a_request_id(raw: Raw, clients: dict[str, Any], queue: tuple[str, str]) -> None:
    _, url = queue
    for client in clients.values():
        ids = {
            client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["ResponseMetadata"]["RequestId"]
            for _ in range(3)
        }
        assert len(ids) == 3 and all(ids)
    status, _, _ = raw.request("GET", "/")
    assert status == 200
