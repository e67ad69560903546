"""Runtime tests: a real Conveyor on a loopback port (system clock), real boto3 clients,
and handlers from ``seed_handlers/`` (the user's, verbatim) and ``handlers/`` (probes)."""

from __future__ import annotations

import pathlib
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so ``tests.runtime.support`` imports under plain ``pytest`` too
    sys.path.insert(0, str(ROOT))

from conveyor.config import ServerConfig  # noqa: E402
from conveyor.embedded import EmbeddedServer  # noqa: E402
from conveyor.runtime.runtime import sqs_client  # noqa: E402


@pytest.fixture(scope="session")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(store="memory", port=0)) as embedded:
        yield embedded


@pytest.fixture(scope="session")
def sqs(server: EmbeddedServer) -> Any:
    return sqs_client(server.endpoint_url, "us-east-1")


@pytest.fixture(autouse=True)
def _worker_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    """Workers inherit the environment: give handlers credentials and a place to write."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("PROBE_DIR", str(tmp_path))


@pytest.fixture
def make_queue(sqs: Any) -> Callable[..., str]:
    def make(fifo: bool = False, **attributes: str) -> str:
        name = f"rt-{uuid.uuid4().hex[:12]}" + (".fifo" if fifo else "")
        if fifo:
            attributes.setdefault("FifoQueue", "true")
        return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return make
