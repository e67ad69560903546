"""Fixtures for the client libraries: a real Conveyor server, a real redis-server, running workers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so ``tests.support`` imports under plain ``pytest`` too
    sys.path.insert(0, str(ROOT))

from conveyor.embedded import EmbeddedServer  # noqa: E402
from conveyor.idempotency import RedisStore, SQLiteStore  # noqa: E402
from conveyor.worker import Worker  # noqa: E402
from tests.support.process import die_with_parent, free_port, sqs_client  # noqa: E402
from tests.worker.support import make_store, wait_for  # noqa: E402


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as embedded:
        yield embedded


@pytest.fixture
def sqs(server: EmbeddedServer) -> Any:
    return sqs_client(server.endpoint_url)


@pytest.fixture
def queue_url(sqs: Any) -> str:
    return sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:12]}")["QueueUrl"]


@pytest.fixture
def start_worker(sqs: Any) -> Iterator[Callable[[Worker], threading.Thread]]:
    """Runs workers on background threads; any still running are stopped after the test."""
    started: list[tuple[Worker, threading.Thread]] = []

    def start(worker: Worker) -> threading.Thread:
        thread = threading.Thread(target=worker.run, name="test-worker", daemon=True)
        thread.start()
        started.append((worker, thread))
        return thread

    yield start
    for worker, thread in started:
        worker.stop()
        worker.stop()  # second stop: do not wait out the grace period on a test's blocked handler
        thread.join(30)


# -- idempotency stores ---------------------------------------------------------------------

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="session")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private redis-server on a free port (CI installs the binary: see .ci/run), stopped afterwards."""
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed (apt-get install redis-server; .ci/run installs it in CI)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
    )
    try:
        wait_for(lambda: _answers(port) or process.poll() is not None, 10, "redis-server to listen")
        if process.poll() is not None:
            pytest.fail(f"redis-server exited with {process.returncode}")
        yield port
    finally:
        process.terminate()
        process.wait(10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(kind, location): a SQLite file, or a Redis URL (with this test's own key prefix in the store)."""
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "idempotency.sqlite3")
    return "redis", f"redis://127.0.0.1:{request.getfixturevalue('redis_port')}/0"


@pytest.fixture
def store(store_spec: tuple[str, str]) -> SQLiteStore | RedisStore:
    return make_store(*store_spec, prefix=f"test-{uuid.uuid4().hex}:")
