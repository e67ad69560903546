"""Worker against a real (embedded) Conveyor server, over boto3: delivery, retries, heartbeat, DLQ, concurrency."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest

from conveyor.worker import Worker
from tests.worker.support import queue_depth, stop_worker, wait_for, worker_options


class RecordingWorker(Worker):
    """Records bodies; ``{"fail_times": N}`` raises on the first N receives, ``{"seconds": S}`` sleeps."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()
        self.bodies: list[Any] = []
        self.receive_counts: list[int] = []

    def handle(self, body: Any) -> None:
        count = int(self.current_message["Attributes"]["ApproximateReceiveCount"])
        with self.lock:
            self.bodies.append(body)
            self.receive_counts.append(count)
        if count <= body.get("fail_times", 0):
            raise RuntimeError("model crashed")
        time.sleep(body.get("seconds", 0))


def send(sqs: Any, url: str, *bodies: dict[str, Any]) -> None:
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))


def test_each_message_is_handled_once_and_deleted(sqs, queue_url, start_worker) -> None:
    send(sqs, queue_url, *({"job": i} for i in range(25)))
    worker = RecordingWorker(queue_url, visibility_timeout=30, concurrency=4, **worker_options(sqs))
    thread = start_worker(worker)
    wait_for(lambda: worker.metrics["deleted"] == 25, what="25 deletes")
    report = stop_worker(worker, thread)
    assert sorted(body["job"] for body in worker.bodies) == list(range(25))
    assert queue_depth(sqs, queue_url) == (0, 0)
    assert report.clean and worker.metrics["failed"] == 0


def test_a_failed_message_comes_back_after_its_visibility_timeout(sqs, queue_url, start_worker) -> None:
    send(sqs, queue_url, {"job": "flaky", "fail_times": 1})
    worker = RecordingWorker(queue_url, visibility_timeout=1, **worker_options(sqs))
    thread = start_worker(worker)
    wait_for(lambda: worker.metrics["failed"] == 1, what="the first attempt to fail")
    failed_at = time.monotonic()
    wait_for(lambda: worker.metrics["deleted"] == 1, what="the retry to succeed")
    assert time.monotonic() - failed_at >= 0.5  # not before the message's visibility timeout ran out
    stop_worker(worker, thread)
    assert worker.receive_counts == [1, 2]
    assert queue_depth(sqs, queue_url) == (0, 0)


def test_the_heartbeat_keeps_a_long_job_invisible_past_its_timeout(sqs, queue_url, start_worker) -> None:
    send(sqs, queue_url, {"job": "long", "seconds": 3.5})
    worker = RecordingWorker(queue_url, visibility_timeout=2, **worker_options(sqs))
    thread = start_worker(worker)
    wait_for(lambda: worker.bodies, what="the job to start")
    stolen = []
    while worker.metrics["succeeded"] == 0:  # a second consumer, polling all along
        stolen += sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0).get("Messages", [])
        time.sleep(0.1)
    wait_for(lambda: worker.metrics["deleted"] == 1, what="the delete")
    stop_worker(worker, thread)
    assert stolen == []
    assert worker.metrics["heartbeats"] >= 2
    assert worker.receive_counts == [1]


def test_concurrency_runs_that_many_jobs_at_once_and_no_more(sqs, queue_url, start_worker) -> None:
    barrier = threading.Barrier(4, timeout=10)
    running, peak, lock = [0], [0], threading.Lock()

    class BarrierWorker(Worker):
        def handle(self, body: Any) -> None:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                barrier.wait()  # breaks (and fails the job) unless 4 handlers run together
                time.sleep(0.2)
            finally:
                with lock:
                    running[0] -= 1

    send(sqs, queue_url, *({"job": i} for i in range(8)))
    worker = BarrierWorker(queue_url, visibility_timeout=30, concurrency=4, **worker_options(sqs))
    thread = start_worker(worker)
    wait_for(lambda: worker.metrics["deleted"] == 8, what="8 deletes")
    stop_worker(worker, thread)
    assert peak[0] == 4 and worker.metrics["failed"] == 0


def _receive_and_release(sqs: Any, url: str, times: int) -> None:
    """Raise the receive count without waiting: receive, then make the message visible again."""
    for _ in range(times):
        (message,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)


def test_dlq_warning_uses_the_queues_max_receive_count(sqs, queue_url, start_worker, caplog) -> None:
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=sqs.create_queue(QueueName=queue_url.rsplit("/", 1)[1] + "-dlq")["QueueUrl"],
        AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})
    send(sqs, queue_url, {"job": "poison"})
    _receive_and_release(sqs, queue_url, 1)
    worker = RecordingWorker(queue_url, visibility_timeout=30, **worker_options(sqs))
    with caplog.at_level(logging.WARNING, logger="conveyor.worker"):
        thread = start_worker(worker)
        wait_for(lambda: worker.metrics["deleted"] == 1, what="the delete")
        stop_worker(worker, thread)
    assert worker.max_receive_count == 2
    assert worker.metrics["approaching_dlq"] == 1
    assert "received 2 times (maxReceiveCount 2)" in caplog.text


@pytest.mark.parametrize(("earlier_receives", "warned"), [(1, 0), (2, 1)])
def test_dlq_warning_without_a_redrive_policy_follows_the_seed_rule(
    sqs, queue_url, start_worker, earlier_receives: int, warned: int
) -> None:
    send(sqs, queue_url, {"job": "retried"})
    _receive_and_release(sqs, queue_url, earlier_receives)
    worker = RecordingWorker(queue_url, visibility_timeout=30, **worker_options(sqs))
    thread = start_worker(worker)
    wait_for(lambda: worker.metrics["deleted"] == 1, what="the delete")
    stop_worker(worker, thread)
    assert worker.max_receive_count is None
    assert worker.metrics["approaching_dlq"] == warned  # more than 2 receives


def test_stop_hands_back_a_job_that_outlives_the_grace_period(sqs, queue_url, start_worker) -> None:
    release = threading.Event()

    class StuckWorker(Worker):
        def handle(self, body: Any) -> None:
            started.set()
            release.wait(30)

    started = threading.Event()
    send(sqs, queue_url, {"job": "stuck"})
    worker = StuckWorker(queue_url, visibility_timeout=60, shutdown_grace=0.5, **worker_options(sqs))
    thread = start_worker(worker)
    assert started.wait(10)
    report = stop_worker(worker, thread)
    try:
        assert len(report.handed_back) == 1 and not report.finished
        assert "1 handed back" in report.summary()
        # Visible again at once, not after the 60 s visibility timeout.
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        assert [m["MessageId"] for m in messages] == list(report.handed_back)
    finally:
        release.set()
