"""No input crashes the server or earns a 500: every action, every member, hostile values.

Requests are sent raw (not through an SDK, which would refuse to serialize most of these) in
both protocols. Each must get a well-formed client error or success, the server must keep
serving, and a queue's messages must be untouched by the rejected requests.
"""

from __future__ import annotations

import http.client
import json
import random
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from conveyor.config import ServerConfig
from conveyor.embedded import EmbeddedServer
from conveyor.protocol.shapes import OPERATIONS, input_shape

HOSTILE: list[Any] = [
    None, 0, -1, 2**70, 1.5, "", " ", "x" * 70_000, "\x00", "\ud7ff\ue000", "All", ".*",
    [], [None], [1, "a"], ["x" * 300] * 20, {}, {"": ""}, {"a": {"DataType": 3}}, True,
    [{"Id": "1"}], [{"Id": "1", "ReceiptHandle": 5}], {"Name": {"DataType": "Binary", "BinaryValue": "%%"}},
]


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(store="memory", port=0)) as embedded:
        yield embedded


def post(server: EmbeddedServer, body: bytes, headers: dict[str, str], path: str = "/") -> tuple[int, bytes]:
    host, port = server.endpoint_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def json_call(server: EmbeddedServer, action: str, params: Any) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{action}"}
    return post(server, json.dumps(params).encode(), headers)


def query_call(server: EmbeddedServer, action: str, form: dict[str, str]) -> tuple[int, bytes]:
    body = urllib.parse.urlencode({"Action": action, "Version": "2012-11-05", **form}).encode()
    return post(server, body, {"Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture(scope="module")
def victim(server: EmbeddedServer) -> str:
    """A queue holding one message, which no rejected request may disturb."""
    status, _ = json_call(server, "CreateQueue", {"QueueName": "victim"})
    assert status == 200
    url = server.queue_url("victim")
    assert json_call(server, "SendMessage", {"QueueUrl": url, "MessageBody": "keep me"})[0] == 200
    return url


@pytest.mark.parametrize("action", sorted(OPERATIONS))
def test_hostile_json_members_never_cause_500(server: EmbeddedServer, victim: str, action: str) -> None:
    members = list(input_shape(action).get("members", {}))
    rng = random.Random(action)
    if action.startswith("Send"):  # hostile-looking bodies like " " or "All" are valid: send them elsewhere
        victim = server.queue_url("sink")
        assert json_call(server, "CreateQueue", {"QueueName": "sink"})[0] == 200
    statuses = set()
    for member in members:
        for value in HOSTILE:
            params = {"QueueUrl": victim, member: value} if rng.random() < 0.7 else {member: value}
            if action in {"DeleteQueue", "PurgeQueue"} and params.get("QueueUrl") == victim:
                continue  # these would legitimately succeed on the victim
            status, body = json_call(server, action, params)
            assert status != 500 and status < 500, (action, member, value, body[:300])
            statuses.add(status)
    for garbage in [b"", b"{", b"[]", b'"x"', b"null", b"\xff\xfe", b'{"QueueUrl": {"$": 1}}']:
        status, body = post(server, garbage, {"Content-Type": "application/x-amz-json-1.0",
                                              "X-Amz-Target": f"AmazonSQS.{action}"})
        assert status < 500, (action, garbage, body[:300])
    assert statuses <= {200, 400, 403, 404}


@pytest.mark.parametrize("action", sorted(OPERATIONS))
def test_hostile_query_forms_never_cause_500(server: EmbeddedServer, victim: str, action: str) -> None:
    rng = random.Random(f"query-{action}")
    keys = ["QueueUrl", "QueueName", "MessageBody", "Attribute.1.Name", "Attribute.1.Value", "AttributeName.1",
            "MessageAttribute.1.Name", "MessageAttribute.1.Value.DataType", "MessageAttribute.1.Value.BinaryValue",
            "SendMessageBatchRequestEntry.1.Id", "DeleteMessageBatchRequestEntry.1.ReceiptHandle",
            "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "MaxNumberOfMessages",
            "VisibilityTimeout", "WaitTimeSeconds", "ReceiptHandle", "Tag.1.Key", "TagKey.1", "Label",
            "AWSAccountId.1", "ActionName.1", "MaxResults", "NextToken", "DelaySeconds", "Entries.7.Id"]
    values = ["", "x", "-5", "99999999999999999999", "true", "\x01", "a" * 5000, victim, "All", "%zz"]
    for _ in range(60):
        form = {key: rng.choice(values) for key in rng.sample(keys, rng.randint(1, 5))}
        if action in {"DeleteQueue", "PurgeQueue"}:
            form["QueueUrl"] = server.queue_url("no-such-queue")
        status, body = query_call(server, action, form)
        assert status < 500, (action, form, body[:300])
        assert body.startswith(b"<?xml") or body.startswith(b"<"), body[:100]


def test_victim_survives_everything(server: EmbeddedServer, victim: str) -> None:
    """Some hostile requests were valid receives, so the message may be in flight: count both."""
    status, body = json_call(server, "GetQueueAttributes", {"QueueUrl": victim, "AttributeNames": ["All"]})
    assert status == 200
    attributes = json.loads(body)["Attributes"]
    held = int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
    assert held == 1
    assert attributes["VisibilityTimeout"] == "30" and attributes["DelaySeconds"] == "0"
