"""Acceptance fixtures: one real Conveyor on a loopback socket, driven by real SDK clients.

Every test that takes ``sqs`` runs twice: once with boto3's current JSON 1.0 client and once
with a query-protocol (XML) client built from the last query-era botocore model. The server is
shared by the whole session and runs on a :class:`~conveyor.clock.ManualClock`, so tests never
sleep; each test makes its own uniquely named queues and stays independent of the others.
"""

from __future__ import annotations

import base64
import hashlib
import pathlib
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conveyor.clock import ManualClock
from conveyor.config import ServerConfig
from conveyor.embedded import EmbeddedServer

_REPO = str(pathlib.Path(__file__).resolve().parents[2])
if _REPO not in sys.path:  # ``tests.support`` however pytest was started
    sys.path.insert(0, _REPO)

from tests.support.query_model import query_client  # noqa: E402

PROTOCOLS = ["json", "query"]


@pytest.fixture(scope="session")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(store="memory", port=0), clock=ManualClock()) as embedded:
        yield embedded


@pytest.fixture(scope="session")
def clock(server: EmbeddedServer) -> ManualClock:
    assert isinstance(server.clock, ManualClock)
    return server.clock


def json_client(endpoint_url: str) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


@pytest.fixture(scope="session")
def clients(server: EmbeddedServer) -> dict[str, Any]:
    made = {"json": json_client(server.endpoint_url), "query": query_client(server.endpoint_url)}
    assert made["json"].meta.service_model.protocol == "json"
    assert made["query"].meta.service_model.protocol == "query"
    return made


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def sqs(clients: dict[str, Any], protocol: str) -> Any:
    """The client under test, in the protocol of this parametrization."""
    return clients[protocol]


def unique_name(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def make_queue(sqs: Any) -> Callable[..., str]:
    """Create a uniquely named queue through the client under test; returns its URL."""

    def make(attributes: dict[str, str] | None = None, *, fifo: bool = False, prefix: str = "q", **kwargs: Any) -> str:
        name = unique_name(prefix) + (".fifo" if fifo else "")
        attrs = dict(attributes or {})
        if fifo:
            attrs.setdefault("FifoQueue", "true")
        return sqs.create_queue(QueueName=name, Attributes=attrs, **kwargs)["QueueUrl"]

    return make


@pytest.fixture
def queue_url(make_queue: Callable[..., str]) -> str:
    return make_queue()


# ------------------------------------------------------------------------------------ errors


def expect_error(
    call: Callable[..., Any],
    code: str,
    status: int = 400,
    *,
    shape: str | None = None,
    client: Any = None,
    **kwargs: Any,
) -> ClientError:
    """Call and insist on the error user code sees: legacy code, HTTP status and, for the
    JSON client, the typed exception named ``shape`` (``client.exceptions.<shape>``)."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value
    assert error.response["Error"]["Code"] == code, error.response
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status, error.response
    if shape is not None and client is not None and client.meta.service_model.protocol == "json":
        assert isinstance(error, getattr(client.exceptions, shape)), type(error)
    return error


# ------------------------------------------------------------------------------------ checks


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def attributes_md5(attributes: dict[str, dict[str, Any]]) -> str:
    """MD5OfMessageAttributes, computed from the SQS developer guide's algorithm."""
    buffer = bytearray()

    def chunk(data: bytes) -> None:
        buffer.extend(struct.pack(">I", len(data)))
        buffer.extend(data)

    for name in sorted(attributes):
        value = attributes[name]
        chunk(name.encode("utf-8"))
        chunk(value["DataType"].encode("utf-8"))
        if "StringValue" in value:
            buffer.append(1)
            chunk(value["StringValue"].encode("utf-8"))
        else:
            buffer.append(2)
            binary = value["BinaryValue"]
            chunk(binary if isinstance(binary, bytes) else base64.b64decode(binary))
    return md5_hex(bytes(buffer))


def queue_counts(sqs: Any, url: str) -> tuple[int, int, int]:
    """(visible, not visible, delayed) from GetQueueAttributes."""
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
        int(attrs["ApproximateNumberOfMessagesDelayed"]),
    )


def receive_all(sqs: Any, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Short-poll receives until an empty answer (the manual clock never moves meanwhile)."""
    messages: list[dict[str, Any]] = []
    for _ in range(1000):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages", [])
        if not got:
            return messages
        messages.extend(got)
    raise AssertionError("the queue never ran dry (VisibilityTimeout=0?)")


# ------------------------------------------------------------------------------------ long polls


def waiting_receivers(server: EmbeddedServer) -> int:
    """How many long polls the server is holding right now (read on the server's loop)."""
    service = server.server.service
    assert service is not None

    async def count() -> int:
        return sum(len(waiting) for waiting in service.waiters._waiting.values())

    return server.call(count())


class Background:
    """Runs a blocking client call on a thread and times it."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished_at: float | None = None
        self._call = call
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.result = self._call()
        except BaseException as exc:
            self.error = exc
        finally:
            self.finished_at = time.monotonic()

    def start(self) -> Background:
        self._thread.start()
        return self

    def join(self, timeout: float = 10) -> Any:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the long poll did not return"
        if self.error is not None:
            raise self.error
        return self.result

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()


def start_long_poll(server: EmbeddedServer, call: Callable[[], Any], *, before: int | None = None) -> Background:
    """Start ``call`` (a receive that will wait) and return once the server is holding it."""
    baseline = waiting_receivers(server) if before is None else before
    poll = Background(call).start()
    deadline = time.monotonic() + 10
    while waiting_receivers(server) <= baseline:
        assert not poll.done or poll.error is None, poll.error
        assert not poll.done, f"the receive returned without waiting: {poll.result}"
        assert time.monotonic() < deadline, "the receive never started waiting"
        time.sleep(0.002)
    return poll
