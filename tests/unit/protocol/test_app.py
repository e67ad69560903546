"""The application handler: protocol choice, context, request ids, error forms."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from conveyor.errors import QueueDoesNotExist
from conveyor.http.app import make_app
from conveyor.http.types import HttpRequest, HttpResponse
from conveyor.service.context import RequestContext

calls: list[tuple[str, dict[str, Any], RequestContext]] = []


async def dispatch(action: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    calls.append((action, params, ctx))
    if params.get("QueueName") == "missing":
        raise QueueDoesNotExist()
    if params.get("QueueName") == "boom":
        raise RuntimeError("database on fire")
    if action == "GetQueueUrl":
        return {"QueueUrl": f"{ctx.scheme}://{ctx.host}/000000000000/{params['QueueName']}"}
    return {}


app = make_app(dispatch, request_id_factory=lambda: "rid-1")


def _json(action: str, body: bytes, host: str = "localhost:9324") -> HttpRequest:
    headers = {"x-amz-target": f"AmazonSQS.{action}", "content-type": "application/x-amz-json-1.0", "host": host}
    return HttpRequest("POST", "/", "", headers, body)


def _form(params: dict[str, str], path: str = "/", method: str = "POST") -> HttpRequest:
    headers = {"content-type": "application/x-www-form-urlencoded", "host": "sqs.local:9324"}
    if method == "GET":
        return HttpRequest("GET", path, urlencode(params), {"host": "sqs.local:9324"}, b"")
    return HttpRequest(method, path, "", headers, urlencode(params).encode())


def _rid(response: HttpResponse) -> str:
    return dict(response.headers)["x-amzn-RequestId"]


async def test_json_success_builds_context_from_the_request() -> None:
    response = await app(_json("GetQueueUrl", b'{"QueueName": "q1"}', host="example:1"))
    assert response.status == 200
    assert json.loads(response.body) == {"QueueUrl": "http://example:1/000000000000/q1"}
    action, params, ctx = calls[-1]
    assert (action, params) == ("GetQueueUrl", {"QueueName": "q1"})
    assert (ctx.request_id, ctx.host, ctx.scheme, ctx.path) == ("rid-1", "example:1", "http", "/")
    assert _rid(response) == "rid-1"


async def test_json_empty_result_is_empty_object() -> None:
    response = await app(_json("DeleteQueue", b'{"QueueUrl": "u"}'))
    assert (response.status, response.body) == (200, b"{}")


async def test_json_empty_body_means_no_params() -> None:
    await app(_json("ListQueues", b""))
    assert calls[-1][:2] == ("ListQueues", {})


async def test_json_malformed_body() -> None:
    for body in (b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe{"):
        response = await app(_json("ListQueues", body))
        assert response.status == 400
        assert json.loads(response.body)["__type"].endswith("#SerializationException")
        assert _rid(response) == "rid-1"


async def test_json_unknown_action() -> None:
    response = await app(_json("FlyToTheMoon", b"{}"))
    assert response.status == 400
    assert dict(response.headers)["x-amzn-query-error"] == "InvalidAction;Sender"


async def test_json_domain_and_unexpected_errors() -> None:
    missing = await app(_json("GetQueueUrl", b'{"QueueName": "missing"}'))
    assert missing.status == 400
    assert json.loads(missing.body) == {
        "__type": "com.amazonaws.sqs#QueueDoesNotExist",
        "message": "The specified queue does not exist.",
    }
    boom = await app(_json("GetQueueUrl", b'{"QueueName": "boom"}'))
    assert boom.status == 500
    assert dict(boom.headers)["x-amzn-query-error"] == "InternalError;Receiver"
    assert b"fire" not in boom.body


async def test_query_post_and_get() -> None:
    post = await app(_form({"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": "q"}))
    get = await app(_form({"Action": "GetQueueUrl", "QueueName": "q"}, method="GET"))
    for response in (post, get):
        assert response.status == 200
        assert response.content_type == "text/xml"
        assert b"<QueueUrl>http://sqs.local:9324/000000000000/q</QueueUrl>" in response.body
        assert _rid(response) == "rid-1"


async def test_query_to_a_queue_url_fills_queue_url() -> None:
    await app(_form({"Action": "SendMessage", "MessageBody": "hi"}, path="/000000000000/orders"))
    assert calls[-1][1] == {"QueueUrl": "http://sqs.local:9324/000000000000/orders", "MessageBody": "hi"}
    await app(_form({"Action": "SendMessage", "QueueUrl": "http://x/1/q", "MessageBody": "hi"}, path="/1/other"))
    assert calls[-1][1]["QueueUrl"] == "http://x/1/q"


async def test_query_converts_integers_and_rejects_bad_ones() -> None:
    form = {"Action": "ReceiveMessage", "QueueUrl": "u", "MaxNumberOfMessages": "10", "WaitTimeSeconds": "-1"}
    await app(_form(form))
    assert calls[-1][1] == {"QueueUrl": "u", "MaxNumberOfMessages": 10, "WaitTimeSeconds": -1}
    bad = await app(_form({"Action": "ReceiveMessage", "QueueUrl": "u", "MaxNumberOfMessages": "ten"}))
    assert bad.status == 400
    assert b"<Code>InvalidParameterValue</Code>" in bad.body
    assert b"MaxNumberOfMessages" in bad.body


async def test_query_errors() -> None:
    unknown = await app(_form({"Action": "FlyToTheMoon"}))
    assert unknown.status == 400 and b"<Code>InvalidAction</Code>" in unknown.body
    missing = await app(_form({"Action": "GetQueueUrl", "QueueName": "missing"}))
    assert missing.status == 400
    assert b"<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>" in missing.body
    boom = await app(_form({"Action": "GetQueueUrl", "QueueName": "boom"}))
    assert boom.status == 500 and b"<Type>Receiver</Type><Code>InternalError</Code>" in boom.body
    assert _rid(boom) == "rid-1" and b"<RequestId>rid-1</RequestId>" in boom.body


async def test_non_sqs_requests() -> None:
    health = await app(HttpRequest("GET", "/health", "", {}, b""))
    assert (health.status, health.body) == (200, b"ok")
    stray = await app(HttpRequest("POST", "/", "", {"content-type": "application/x-www-form-urlencoded"}, b"a=b"))
    assert stray.status == 400 and b"InvalidAction" in stray.body
