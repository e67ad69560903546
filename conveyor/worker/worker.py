"""``Worker``: subclass, implement ``handle(body)``, call ``run()``; a production SQS consumer loop.

It long-polls, runs up to ``concurrency`` handlers at once (receiving only as many messages as
there are free slots, so nothing waits hidden in a local buffer), keeps each in-flight message
invisible with a heartbeat, deletes what succeeded in batches and leaves what failed for a retry.
On SIGTERM/SIGINT (or :meth:`Worker.stop`) it stops receiving, gives running jobs ``shutdown_grace``
seconds, and hands the rest back to the queue with visibility 0 instead of letting them sit
hidden until their timeout; :meth:`Worker.run` returns a :class:`ShutdownReport`.

It is a plain SQS client (boto3 only), so it works against Conveyor or Amazon SQS alike.
"""

from __future__ import annotations

import json
import logging
import queue
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from conveyor.idempotency.context import MessageContext, current_message_context, message_context
from conveyor.worker.batch import FINISHED, HANDED_BACK, QUEUED, RUNNING, InFlight, change_visibility, delete
from conveyor.worker.heartbeat import Heartbeat
from conveyor.worker.report import ShutdownReport, WorkerMetrics

logger = logging.getLogger("conveyor.worker")

POLICY_REFRESH_SECONDS = 300.0
RECEIVE_ERROR_PAUSE = 5.0


def make_client(region: str, endpoint_url: str | None, concurrency: int) -> Any:
    import boto3
    from botocore.config import Config

    # endpoint_url=None lets boto3 apply its usual configuration (AWS_ENDPOINT_URL_SQS, config files).
    config = Config(max_pool_connections=max(10, concurrency + 4))
    return boto3.session.Session().client("sqs", region_name=region, endpoint_url=endpoint_url, config=config)


class Worker:
    """Subclass and implement :meth:`handle`; override :meth:`decode` for bodies that are not JSON."""

    def __init__(
        self,
        queue_url: str,
        visibility_timeout: int = 600,
        max_messages: int | None = None,
        region: str = "us-east-1",
        *,
        endpoint_url: str | None = None,
        concurrency: int = 1,
        shutdown_grace: float = 25.0,
        wait_time_seconds: int = 20,
        client: Any = None,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if visibility_timeout < 1:
            raise ValueError("visibility_timeout must be at least 1 second (the heartbeat extends it)")
        if max_messages is not None and not 1 <= max_messages <= 10:
            raise ValueError("max_messages must be between 1 and 10")
        self.queue_url = queue_url
        self.visibility_timeout = visibility_timeout
        self.max_messages = max_messages or min(10, concurrency)
        self.concurrency = concurrency
        self.shutdown_grace = shutdown_grace
        self.wait_time_seconds = wait_time_seconds
        self.sqs = client or make_client(region, endpoint_url, concurrency)
        self.metrics = metrics or WorkerMetrics()
        self.max_receive_count: int | None = None
        self.report: ShutdownReport | None = None
        self._stopping = threading.Event()
        self._hurry = threading.Event()  # a second signal: stop waiting for running jobs
        self._slots = threading.Condition()
        self._active: set[InFlight] = set()
        self._late_handed_back: list[str] = []
        self._jobs: queue.SimpleQueue[InFlight | None] = queue.SimpleQueue()
        self._deletions: queue.SimpleQueue[InFlight | None] = queue.SimpleQueue()
        self._heartbeat = Heartbeat(self.sqs, queue_url, visibility_timeout, self.metrics)
        self._receiver = threading.Thread(target=self._receive_loop, name="conveyor-worker-receive", daemon=True)
        self._deleter = threading.Thread(target=self._delete_loop, name="conveyor-worker-delete", daemon=True)

    # -- to override ------------------------------------------------------------------------

    def handle(self, body: Any) -> Any:
        """Process one message's decoded body; raise to leave the message for a retry."""
        raise NotImplementedError

    def decode(self, message: Mapping[str, Any]) -> Any:
        """Turn a raw SQS message into what :meth:`handle` gets (JSON by default)."""
        return json.loads(message["Body"])

    @property
    def current_message(self) -> Mapping[str, Any] | None:
        """The raw message (ids, attributes) whose body the calling handler thread is working on."""
        context = current_message_context()
        return context.message if context is not None else None

    # -- lifecycle --------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop receiving and begin the graceful shutdown; safe from any thread or signal handler."""
        if self._stopping.is_set():
            self._hurry.set()
        self._stopping.set()
        with self._slots:
            self._slots.notify_all()

    def run(self) -> ShutdownReport:
        """Consume until :meth:`stop` or SIGTERM/SIGINT, then drain; returns what happened to in-flight jobs.

        A worker runs once: make a new one to consume again."""
        if self._receiver.ident is not None:
            raise RuntimeError("this worker has already run")
        previous = self._install_signal_handlers()
        try:
            logger.info("worker on %s: concurrency %d, visibility %ss", self.queue_url, self.concurrency,
                        self.visibility_timeout)
            self._refresh_redrive_policy()
            for index in range(self.concurrency):
                threading.Thread(target=self._handler_loop, name=f"conveyor-worker-{index}", daemon=True).start()
            self._heartbeat.start()
            self._deleter.start()
            self._receiver.start()
            while not self._stopping.wait(0.5):
                pass
            self.report = self._drain()
            return self.report
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _install_signal_handlers(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def on_signal(signum: int, _frame: object) -> None:
            logger.info("received %s: %s", signal.Signals(signum).name,
                        "handing back running jobs now" if self._stopping.is_set() else "finishing running jobs")
            self.stop()

        return {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}

    # -- receiving --------------------------------------------------------------------------

    def _refresh_redrive_policy(self) -> None:
        """Learn the queue's maxReceiveCount, so the DLQ warning fires on the real last attempt."""
        try:
            attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
            policy = attributes.get("Attributes", {}).get("RedrivePolicy")
            self.max_receive_count = int(json.loads(policy)["maxReceiveCount"]) if policy else None
        except Exception as exc:  # no permission, or a server without the attribute: keep the fallback rule
            logger.debug("could not read the RedrivePolicy of %s: %s", self.queue_url, exc)

    def _free_slots(self) -> int:
        with self._slots:
            self._slots.wait_for(lambda: self._stopping.is_set() or len(self._active) < self.concurrency)
            return 0 if self._stopping.is_set() else self.concurrency - len(self._active)

    def _receive_loop(self) -> None:
        policy_read_at = time.monotonic()
        while True:
            free = self._free_slots()
            if not free:
                return
            if time.monotonic() - policy_read_at > POLICY_REFRESH_SECONDS:
                self._refresh_redrive_policy()
                policy_read_at = time.monotonic()
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=min(free, self.max_messages),
                    WaitTimeSeconds=self.wait_time_seconds, VisibilityTimeout=self.visibility_timeout,
                    AttributeNames=["All"], MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception as exc:
                logger.error("receive from %s failed: %s", self.queue_url, exc)
                self.metrics.increment("receive_errors")
                self._stopping.wait(RECEIVE_ERROR_PAUSE)
                continue
            jobs = [InFlight(message, MessageContext(message, self.visibility_timeout)) for message in messages]
            if jobs:
                self.metrics.increment("received", len(jobs))
            with self._slots:
                late = self._stopping.is_set()
                if not late:
                    self._active.update(jobs)
            if late:  # the long poll answered after the stop: give these straight back
                self._late_handed_back.extend(self._hand_back(jobs)[0])
                return
            for job in jobs:
                self._jobs.put(job)

    # -- handling ---------------------------------------------------------------------------

    def _handler_loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            self._process(job)

    def _process(self, job: InFlight) -> None:
        with self._slots:
            if job.state != QUEUED:  # handed back before a thread got to it
                return
            job.state = RUNNING
        self._heartbeat.track(job)
        self._warn_if_heading_for_dlq(job)
        succeeded = False
        try:
            with message_context(job.context):
                self.handle(self.decode(job.message))
            succeeded = True
        except BaseException:  # even SystemExit: this pool thread must live on and free its slot
            logger.exception("handler failed on message %s (receive count %d); it stays on the queue for a retry",
                             job.message_id, job.receive_count)
        self._heartbeat.untrack(job)
        with self._slots:
            handed_back = job.state == HANDED_BACK
            job.state = FINISHED if not handed_back else job.state
        if handed_back:
            logger.warning("message %s finished after it was handed back; leaving it to its next consumer",
                           job.message_id)
            return
        self.metrics.increment("succeeded" if succeeded else "failed")
        if succeeded:
            self._deletions.put(job)  # before the slot frees, so a drain's final flush includes it
        with self._slots:
            self._active.discard(job)
            self._slots.notify_all()

    def _warn_if_heading_for_dlq(self, job: InFlight) -> None:
        count, limit = job.receive_count, self.max_receive_count
        if count >= limit if limit else count > 2:
            self.metrics.increment("approaching_dlq")
            logger.warning("message %s has been received %d times%s; if this attempt fails it may go to the "
                           "dead-letter queue", job.message_id, count,
                           f" (maxReceiveCount {limit})" if limit else "")

    # -- deleting ---------------------------------------------------------------------------

    def _delete_loop(self) -> None:
        finished = False
        while not finished:
            job = self._deletions.get()
            if job is None:
                return
            batch = [job]
            while len(batch) < 10 and not self._deletions.empty():
                following = self._deletions.get()
                if following is None:
                    finished = True
                    break
                batch.append(following)
            self._delete(batch)

    def _delete(self, jobs: Sequence[InFlight]) -> None:
        try:
            failures = delete(self.sqs, self.queue_url, jobs)
        except Exception as exc:
            failures = [(job, str(exc)) for job in jobs]
        for job, reason in failures:
            logger.warning("could not delete message %s (%s); it will be delivered again", job.message_id, reason)
        self.metrics.increment("deleted", len(jobs) - len(failures))
        if failures:
            self.metrics.increment("delete_failures", len(failures))

    # -- shutting down ----------------------------------------------------------------------

    def _hand_back(self, jobs: Sequence[InFlight]) -> tuple[list[str], list[str]]:
        """Make messages visible again at once; returns (handed back ids, failed ids)."""
        if not jobs:
            return [], []
        try:
            failures = change_visibility(self.sqs, self.queue_url, jobs, 0)
        except Exception as exc:
            failures = [(job, str(exc)) for job in jobs]
        for job, reason in failures:
            logger.error("could not hand back message %s (%s)", job.message_id, reason)
        failed = {job for job, _ in failures}
        handed = [job.message_id for job in jobs if job not in failed]
        self.metrics.increment("handed_back", len(handed))
        return handed, [job.message_id for job in failed]

    def _drain(self) -> ShutdownReport:
        started = time.monotonic()
        deadline = started + self.shutdown_grace
        with self._slots:
            in_flight = list(self._active)
            logger.info("stopping: no more receives; %d job(s) in flight, grace %gs", len(in_flight),
                        self.shutdown_grace)
            self._slots.wait_for(lambda: not self._active or self._hurry.is_set(),
                                 timeout=max(0.0, deadline - time.monotonic()))
        if not self._hurry.is_set():
            self._receiver.join(max(0.0, deadline - time.monotonic()))
        with self._slots:
            leftovers = [job for job in self._active if job.state in (QUEUED, RUNNING)]
            for job in leftovers:
                job.state = HANDED_BACK
                self._active.discard(job)
        for job in leftovers:
            self._heartbeat.untrack(job)
        handed_back, failed = self._hand_back(leftovers)
        with self._slots:  # jobs that just finished are queueing their delete
            self._slots.wait_for(lambda: not self._active, timeout=5)
        for _ in range(self.concurrency):
            self._jobs.put(None)
        self._deletions.put(None)
        self._deleter.join(30)
        self._heartbeat.stop()
        report = ShutdownReport(
            finished=tuple(job.message_id for job in in_flight if job not in leftovers),
            handed_back=tuple(handed_back + self._late_handed_back),
            hand_back_failed=tuple(failed),
            grace_seconds=self.shutdown_grace,
            elapsed_seconds=time.monotonic() - started,
            receive_abandoned=self._receiver.is_alive(),
        )
        (logger.info if report.clean else logger.warning)("%s", report.summary())
        return report
