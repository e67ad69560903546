"""Fixtures for the end-to-end suite: real ``conveyor serve`` subprocesses, real SDK and CLI clients."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so ``tests.support`` imports under plain ``pytest`` too
    sys.path.insert(0, str(ROOT))

from tests.support.process import ServerProcess, sqs_client  # noqa: E402


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """``start_server(data_dir=..., args=[...])`` starts a server; all are stopped after the test."""
    servers: list[ServerProcess] = []

    def start(data_dir: str | os.PathLike[str] | None = "default", args: list[str] | tuple[str, ...] = (),
              **kwargs: object) -> ServerProcess:
        if data_dir == "default":
            data_dir = tmp_path / f"data-{len(servers)}"
        server = ServerProcess(data_dir, args, **kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in servers:
            log = server.stderr_text()
            if log:
                print(f"--- stderr of server on port {server.port} ---\n{log}")
            server.close()


@pytest.fixture
def server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    return start_server()


@pytest.fixture
def sqs(server: ServerProcess):
    return sqs_client(server.endpoint_url)


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen]]:
    """Child processes a test starts (workers, ...): killed after the test if still running."""
    procs: list[subprocess.Popen] = []
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
