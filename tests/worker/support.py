"""Helpers shared by the worker and idempotency tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from conveyor.idempotency import RedisStore, SQLiteStore
from conveyor.worker import ShutdownReport, Worker


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def queue_depth(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages."""
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def stop_worker(worker: Worker, thread: threading.Thread) -> ShutdownReport:
    worker.stop()
    thread.join(30)
    assert not thread.is_alive(), "worker did not stop"
    assert worker.report is not None
    return worker.report


def worker_options(sqs: Any, **options: Any) -> dict[str, Any]:
    """Short long polls so an idle worker stops at once in tests; the test's client, no retries."""
    return {"client": sqs, "wait_time_seconds": 1, **options}


def make_store(kind: str, location: str, prefix: str = "") -> SQLiteStore | RedisStore:
    if kind == "sqlite":
        return SQLiteStore(location)
    return RedisStore.from_url(location, prefix=prefix or "test:")
