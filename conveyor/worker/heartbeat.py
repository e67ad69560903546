"""One thread that keeps every in-flight message invisible while its handler runs.

Each message gets ``ChangeMessageVisibility(visibility_timeout)`` every ``visibility_timeout / 2``
(batched across messages), so a job may run far longer than the timeout without a second consumer
receiving it. After each extension it renews the message's idempotency claim too. The lock is held
across a request so that once :meth:`Heartbeat.untrack` returns no stale extension can land after a
hand-back (which would hide the message again).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from conveyor.worker.batch import InFlight, change_visibility
from conveyor.worker.report import WorkerMetrics

logger = logging.getLogger("conveyor.worker")


class Heartbeat:
    def __init__(self, sqs: Any, queue_url: str, visibility_timeout: int, metrics: WorkerMetrics) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.visibility_timeout = visibility_timeout
        self.interval = visibility_timeout / 2
        self.metrics = metrics
        self._jobs: set[InFlight] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="conveyor-worker-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def track(self, job: InFlight) -> None:
        with self._lock:
            job.next_beat = time.monotonic() + self.interval
            self._jobs.add(job)

    def untrack(self, job: InFlight) -> None:
        with self._lock:
            self._jobs.discard(job)

    def _loop(self) -> None:
        tick = min(1.0, max(0.05, self.interval / 5))
        while not self._stop.wait(tick):
            try:
                self.beat_due()
            except Exception:  # the heartbeat must outlive any one bad request
                logger.exception("heartbeat round failed")

    def beat_due(self) -> None:
        with self._lock:
            now = time.monotonic()
            due = [job for job in self._jobs if job.next_beat <= now]
            if not due:
                return
            try:
                failures = change_visibility(self.sqs, self.queue_url, due, self.visibility_timeout)
            except Exception as exc:  # transport trouble: try these again on the next tick
                logger.warning("heartbeat for %d message(s) failed, retrying: %s", len(due), exc)
                self.metrics.increment("heartbeat_failures", len(due))
                return
            refused = {job for job, _ in failures}
            for job, reason in failures:
                # Deleted, or the receipt is stale: nothing to keep alive any more.
                logger.warning("heartbeat for message %s refused (%s); no longer extending it", job.message_id, reason)
                self._jobs.discard(job)
            if refused:
                self.metrics.increment("heartbeat_failures", len(refused))
            next_beat = time.monotonic() + self.interval
            for job in due:
                if job not in refused:
                    job.next_beat = next_beat
                    job.context.renew()
                    self.metrics.increment("heartbeats")
                    logger.debug("extended visibility of message %s by %ss", job.message_id, self.visibility_timeout)
