"""pytest plugin: a real SQS server for your tests (registered through the ``pytest11`` entry point).

Nothing starts unless a test asks for a fixture:

* ``conveyor_server`` (session): a :class:`~conveyor.testing.ConveyorServer`; its clock is the
  system clock unless the ini option ``conveyor_clock = manual`` (or ``--conveyor-clock
  manual``) asks for a manual one. ``AWS_ENDPOINT_URL_SQS`` points at it for the session, so
  code under test that builds its own boto3 clients finds it.
* ``conveyor_sqs``: a boto3 SQS client; every queue is gone before each test that uses it.
* ``conveyor_clock``: the manual clock (``advance(seconds)``).
* ``conveyor_queues``: queues declared with the ``conveyor_queues`` marker, as name → URL::

      @pytest.mark.conveyor_queues("orders", {"name": "jobs.fifo", "dead_letter": {"max_receive_count": 3}})
      def test_orders(conveyor_sqs, conveyor_queues): ...

  A dict may give ``attributes`` and a ``dead_letter`` (an extra ``<name>-dlq`` queue of the
  same type, wired with a RedrivePolicy).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conveyor.clock import ManualClock
from conveyor.testing import ConveyorServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("conveyor_clock", "clock of the conveyor_server fixture: system or manual", default="system")
    parser.addoption("--conveyor-clock", choices=["system", "manual"], default=None,
                     help="clock of the conveyor_server fixture (overrides the conveyor_clock ini option)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conveyor_queues(*queues): queues to create for this test (see conveyor docs)")


@pytest.fixture(scope="session")
def conveyor_server(pytestconfig: pytest.Config) -> Iterator[ConveyorServer]:
    clock = pytestconfig.getoption("--conveyor-clock") or pytestconfig.getini("conveyor_clock")
    with ConveyorServer(clock=clock, set_env=True) as server:
        yield server


@pytest.fixture
def conveyor_sqs(conveyor_server: ConveyorServer) -> Any:
    conveyor_server.reset()
    return conveyor_server.client()


@pytest.fixture
def conveyor_clock(conveyor_server: ConveyorServer) -> ManualClock:
    return conveyor_server.manual_clock


@pytest.fixture
def conveyor_queues(request: pytest.FixtureRequest, conveyor_sqs: Any) -> dict[str, str]:
    urls: dict[str, str] = {}
    for marker in request.node.iter_markers("conveyor_queues"):
        for declaration in marker.args:
            _declare(conveyor_sqs, declaration, urls)
    return urls


def _declare(sqs: Any, declaration: str | dict[str, Any], urls: dict[str, str]) -> None:
    spec = {"name": declaration} if isinstance(declaration, str) else dict(declaration)
    name: str = spec["name"]
    fifo = name.endswith(".fifo")
    attributes = {key: str(value) for key, value in spec.get("attributes", {}).items()}
    if fifo:
        attributes.setdefault("FifoQueue", "true")
    dead_letter = spec.get("dead_letter")
    if dead_letter is not None:
        dlq_name = dead_letter.get("name") or (name.removesuffix(".fifo") + "-dlq" + (".fifo" if fifo else ""))
        dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes={"FifoQueue": "true"} if fifo else {})["QueueUrl"]
        urls[dlq_name] = dlq_url
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": int(dead_letter.get("max_receive_count", 3))}
        )
    urls[name] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
