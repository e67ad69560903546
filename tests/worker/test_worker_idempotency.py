"""Worker and ``@idempotent`` together: duplicate messages run once; the heartbeat renews the claim."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conveyor.clock import SystemClock
from conveyor.idempotency import (
    IdempotencyInProgressError,
    MessageContext,
    SQLiteStore,
    Status,
    idempotent,
    message_context,
)
from conveyor.worker import Worker
from tests.worker.support import queue_depth, stop_worker, wait_for, worker_options


def test_duplicate_messages_with_one_job_id_run_once(sqs, queue_url, start_worker, tmp_path: Path) -> None:
    runs: list[str] = []
    store = SQLiteStore(tmp_path / "jobs.sqlite3")

    class JobWorker(Worker):
        @idempotent(store=store, key="job_id", wait=True)
        def handle(self, body: Any) -> str:
            runs.append(body["job_id"])
            time.sleep(0.3)
            return "ok"

    for _ in range(3):  # at-least-once delivery, or a producer that sent twice
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"job_id": "job-1"}))
    worker = JobWorker(queue_url, visibility_timeout=30, concurrency=3, **worker_options(sqs))
    thread = start_worker(worker)
    wait_for(lambda: worker.metrics["deleted"] == 3, what="3 deletes")
    stop_worker(worker, thread)
    assert runs == ["job-1"]
    assert queue_depth(sqs, queue_url) == (0, 0)


def test_the_heartbeat_renews_the_in_progress_record_of_a_long_job(sqs, queue_url, start_worker,
                                                                   tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "long.sqlite3")
    release, started = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    class LongWorker(Worker):
        @idempotent(store=store, key="message_id", in_progress_ttl=0.5, namespace="long")
        def handle(self, body: Any) -> None:
            seen["message"] = self.current_message
            started.set()
            release.wait(20)

    sqs.send_message(QueueUrl=queue_url, MessageBody="{}")
    worker = LongWorker(queue_url, visibility_timeout=2, **worker_options(sqs))
    thread = start_worker(worker)
    try:
        assert started.wait(10)
        key = f"long:{seen['message']['MessageId']}"
        first = store.get(key, 0)
        assert first is not None and first.status is Status.IN_PROGRESS
        wait_for(lambda: worker.metrics["heartbeats"] >= 2, what="two heartbeats")
        now = SystemClock().now()
        renewed = store.get(key, now)
        assert renewed is not None and renewed.expires_at > first.expires_at
        # Renewed for the message's visibility (2 s), not the 0.5 s in_progress_ttl.
        assert renewed.expires_at - now > 1000
        with message_context(MessageContext(seen["message"], 2)), pytest.raises(IdempotencyInProgressError):
            worker.handle({})  # a duplicate delivery meanwhile is refused, not run
    finally:
        release.set()
    wait_for(lambda: worker.metrics["deleted"] == 1, what="the delete")
    stop_worker(worker, thread)
    assert store.get(key, SystemClock().now()).status is Status.COMPLETED

