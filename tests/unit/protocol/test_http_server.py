"""The HTTP server end to end: real SDK clients over TCP, and raw sockets for HTTP corner cases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import boto3
import pytest

from conveyor.errors import QueueDoesNotExist
from conveyor.http.app import make_app
from conveyor.http.server import start_server
from conveyor.http.types import HttpRequest, HttpResponse
from conveyor.service.context import RequestContext
from tests.support.query_model import query_client


async def dispatch(action: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    if action == "GetQueueUrl":
        if params["QueueName"] == "missing":
            raise QueueDoesNotExist()
        return {"QueueUrl": f"{ctx.scheme}://{ctx.host}/000000000000/{params['QueueName']}"}
    if action == "ReceiveMessage":
        attrs = {"bin": {"DataType": "Binary", "BinaryValue": "AAH+/w=="}}
        body = "echo <&>\r\n😀"
        return {"Messages": [{"MessageId": "m1", "ReceiptHandle": "r", "Body": body, "MessageAttributes": attrs}]}
    return {}


async def echo(request: HttpRequest) -> HttpResponse:
    """Answers with method, path and body, so raw-socket tests can see what arrived."""
    if request.path == "/crash":
        raise RuntimeError("handler bug")
    if request.path == "/slow":
        await asyncio.sleep(0.05)
    return HttpResponse(200, f"{request.method} {request.path} ".encode() + request.body)


@pytest.fixture
async def sqs_url() -> AsyncIterator[str]:
    server = await start_server(make_app(dispatch), "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    yield f"http://{host}:{port}"
    server.close()
    await server.wait_closed()


@pytest.fixture
async def echo_port() -> AsyncIterator[int]:
    server = await start_server(echo, "127.0.0.1", 0, max_body=1000)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def _json_client(url: str) -> Any:
    return boto3.client(
        "sqs", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def _exercise(client: Any) -> tuple[str, dict[str, Any], Any]:
    url = client.get_queue_url(QueueName="orders")["QueueUrl"]
    message = client.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    with pytest.raises(client.exceptions.QueueDoesNotExist) as raised:
        client.get_queue_url(QueueName="missing")
    return url, message, raised.value


@pytest.mark.parametrize("make_client", [_json_client, query_client], ids=["json", "query"])
async def test_real_sdk_clients(sqs_url: str, make_client: Any) -> None:
    client = make_client(sqs_url)
    url, message, error = await asyncio.to_thread(_exercise, client)
    assert url == f"{sqs_url}/000000000000/orders"
    assert message["Body"] == "echo <&>\r\n😀"
    assert message["MessageAttributes"]["bin"]["BinaryValue"] == b"\x00\x01\xfe\xff"
    assert error.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["ResponseMetadata"]["RequestId"]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers, body


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def test_keep_alive_serves_many_requests_on_one_connection(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    for i in range(3):
        writer.write(f"POST /k{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi".encode())
        status, headers, body = await _read_response(reader)
        assert (status, body) == (200, f"POST /k{i} hi".encode())
        assert "connection" not in headers
    writer.close()


async def test_pipelined_requests_are_answered_in_order(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    requests = b"".join(
        f"POST /{'slow' if i % 2 == 0 else f'p{i}'} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n{i}".encode()
        for i in range(6)
    )
    writer.write(requests)
    bodies = [(await _read_response(reader))[2] for _ in range(6)]
    assert bodies == [f"POST /{'slow' if i % 2 == 0 else f'p{i}'} {i}".encode() for i in range(6)]
    writer.close()


async def test_chunked_body_and_percent_decoded_path(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    writer.write(b"POST /a%20b?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    writer.write(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    status, _, body = await _read_response(reader)
    assert (status, body) == (200, b"POST /a b hello world")
    writer.close()


async def test_expect_100_continue(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    writer.write(b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    writer.write(b"abc")
    assert (await _read_response(reader))[2] == b"POST /e abc"
    writer.close()


async def test_body_over_limit_is_413_and_closes(echo_port: int) -> None:
    for framing in (b"Content-Length: 5000\r\n\r\n" + b"x" * 5000, b"Transfer-Encoding: chunked\r\n\r\n"
                    + b"".join(b"200\r\n" + b"y" * 512 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"):  # fmt: skip
        reader, writer = await _connect(echo_port)
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\n" + framing)
        status, headers, _ = await _read_response(reader)
        assert status == 413 and headers["connection"] == "close"
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()


async def test_malformed_request_is_400_and_server_survives(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    writer.write(b"THIS IS NOT HTTP\r\n\r\n")
    status, headers, _ = await _read_response(reader)
    assert status == 400 and headers["connection"] == "close"
    writer.close()
    reader, writer = await _connect(echo_port)
    writer.write(b"GET /still-alive HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (await _read_response(reader))[:1] == (200,)
    writer.close()


async def test_handler_exception_is_500_and_connection_stays_usable(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    writer.write(b"GET /crash HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (await _read_response(reader))[0] == 500
    assert (await _read_response(reader))[2] == b"GET /after "
    writer.close()


async def test_connection_close_and_http_1_0(echo_port: int) -> None:
    for request in (b"GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"GET /c HTTP/1.0\r\n\r\n"):
        reader, writer = await _connect(echo_port)
        writer.write(request)
        status, headers, _ = await _read_response(reader)
        assert status == 200 and headers["connection"] == "close"
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()


async def test_close_shuts_idle_keep_alive_connections_promptly() -> None:
    server = await start_server(echo, "127.0.0.1", 0)
    reader, writer = await _connect(server.sockets[0].getsockname()[1])
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await _read_response(reader)
    server.close()
    await asyncio.wait_for(server.wait_closed(), 2)
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()


async def test_idle_timeout_closes_quiet_connections() -> None:
    server = await start_server(echo, "127.0.0.1", 0, idle_timeout=0.2)
    reader, _writer = await _connect(server.sockets[0].getsockname()[1])
    assert await asyncio.wait_for(reader.read(), 3) == b""
    server.close()
    await server.wait_closed()


async def test_expect_100_continue_waits_for_earlier_answers(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    writer.write(b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
    assert (await _read_response(reader))[2] == b"GET /slow "
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    writer.write(b"ok")
    assert (await _read_response(reader))[2] == b"POST /e ok"
    writer.close()


async def test_head_answer_has_length_but_no_body(echo_port: int) -> None:
    reader, writer = await _connect(echo_port)
    writer.write(b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: 8\r\n" in head
    assert (await _read_response(reader))[2] == b"GET /g "
    writer.close()
