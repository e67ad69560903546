"""Run one event source mapping: pollers that assemble batches, invoke the function, settle results.

Each poller ("lane") long-polls the queue, gathers a batch (flushed at BatchSize, at the batching
window, or at Lambda's 6 MB payload limit), invokes the function in a worker process and then
deletes or keeps the messages by Lambda's rules. The :class:`~conveyor.runtime.scaling.Scaler`
decides how many lanes run; a supervisor thread starts lanes and samples the backlog.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from conveyor.runtime import sqs
from conveyor.runtime.context import FunctionIdentity
from conveyor.runtime.event import build_event, build_record, record_size
from conveyor.runtime.filters import FilterSet
from conveyor.runtime.invoker import Invocation, WorkerPool
from conveyor.runtime.mapping import EventSourceMapping
from conveyor.runtime.scaling import Now, Scaler
from conveyor.runtime.settle import settle

log = logging.getLogger("conveyor.runtime")
MAX_PAYLOAD = 6 * 1024 * 1024


@dataclass
class Options:
    """Runtime knobs that are not Lambda settings (tests shorten the waits, speed up the clock)."""

    wait_time_seconds: int = 20
    supervise_interval: float = 0.2
    backlog_interval: float = 2.0
    rate_per_minute: float = 300
    initial_concurrency: int = 5
    start_method: str = "spawn"
    task_root: str | None = None  # where handler modules are imported from (default: the current directory)
    region: str = "us-east-1"
    account_id: str = "000000000000"
    clock: Now | None = None


@dataclass
class Stats:
    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    crashes: int = 0
    cold_starts: int = 0
    deleted: int = 0
    retried: int = 0
    filtered: int = 0
    in_flight: int = 0
    peak_concurrency: int = 0
    backlog: int = 0
    last_error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {k: v for k, v in self.__dict__.items() if k != "lock"}


class _Batch:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.size = 0


class MappingRunner:
    def __init__(self, mapping: EventSourceMapping, client: Any, queue: sqs.QueueInfo, options: Options,
                 clock: Now) -> None:
        mapping.check_queue(queue.visibility_timeout)
        self.mapping = mapping
        self.client = client
        self.queue = queue
        self.options = options
        self.stats = Stats()
        self.filters = FilterSet(mapping.filters)
        self.scaler = Scaler(mapping.max_concurrency, clock, initial=options.initial_concurrency,
                             rate_per_minute=options.rate_per_minute)
        self.identity = FunctionIdentity(mapping.name, mapping.handler, mapping.memory, options.region,
                                         options.account_id)
        self.pool = WorkerPool(self.identity, provisioned=mapping.provisioned, task_root=options.task_root,
                               start_method=options.start_method)
        self._stop = threading.Event()
        self._lanes: set[threading.Thread] = set()
        self._lanes_lock = threading.Lock()
        self._supervisor: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._supervisor = threading.Thread(target=self._supervise, name=f"esm-{self.mapping.name}", daemon=True)
        self._supervisor.start()

    def stop(self, timeout: float = 30) -> None:
        """Stop polling; batches already running finish and settle first."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        if self._supervisor:
            self._supervisor.join(max(0.0, deadline - time.monotonic()))
        for lane in list(self._lanes):
            lane.join(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self.stop()
        self.pool.close()

    @property
    def running(self) -> bool:
        return self._supervisor is not None and self._supervisor.is_alive()

    def update(self, mapping: EventSourceMapping) -> None:
        """Apply new settings; lanes pick them up at their next batch."""
        mapping.check_queue(self.queue.visibility_timeout)
        self.mapping = mapping
        self.filters = FilterSet(mapping.filters)
        self.scaler.max_concurrency = mapping.max_concurrency

    @property
    def lanes(self) -> int:
        with self._lanes_lock:
            return len(self._lanes)

    # -- supervision ----------------------------------------------------------------------
    def _supervise(self) -> None:
        next_backlog = 0.0
        while not self._stop.is_set():
            desired = self.scaler.desired()
            with self._lanes_lock:
                while len(self._lanes) < desired:
                    lane = threading.Thread(target=self._lane, name=f"esm-{self.mapping.name}-lane", daemon=True)
                    self._lanes.add(lane)
                    lane.start()
            if time.monotonic() >= next_backlog:
                next_backlog = time.monotonic() + self.options.backlog_interval
                try:
                    count = sqs.backlog(self.client, self.queue.url)
                    with self.stats.lock:
                        self.stats.backlog = count
                except Exception as exc:  # the endpoint may be briefly away; keep running
                    log.debug("backlog sample failed: %s", exc)
            self._stop.wait(self.options.supervise_interval)

    def _lane(self) -> None:
        me = threading.current_thread()
        try:
            while not self._stop.is_set():
                if self.lanes > self.scaler.desired():
                    return
                try:
                    batch = self._collect()
                except Exception as exc:  # network trouble: back off, then poll again
                    log.warning("%s: receive failed: %s", self.mapping.name, exc)
                    self._stop.wait(1)
                    continue
                if not batch.messages:
                    if self.scaler.retire(self.lanes):
                        return
                    continue
                if self._stop.is_set():
                    self._release(batch.messages)
                    return
                self._invoke(batch.messages)
        finally:
            with self._lanes_lock:
                self._lanes.discard(me)

    # -- batching -------------------------------------------------------------------------
    def _collect(self) -> _Batch:
        mapping = self.mapping
        batch = _Batch()
        window_ends: float | None = None
        while len(batch.messages) < mapping.batch_size and not self._stop.is_set():
            if window_ends is None:
                wait = self.options.wait_time_seconds
            else:
                remaining = window_ends - time.monotonic()
                if remaining <= 0:
                    break
                wait = min(self.options.wait_time_seconds, math.ceil(remaining))  # no busy loop at the end
            want = min(10, mapping.batch_size - len(batch.messages))
            received = sqs.receive(self.client, self.queue.url, want, wait)
            self.scaler.observe(len(received), want)
            messages = self._filter(received)
            if received and not messages and window_ends is None:
                continue  # all filtered out: the queue was not empty, so this lane is not idle
            if window_ends is None and messages:
                window_ends = time.monotonic() + mapping.batching_window
            overflow = self._add(batch, messages)
            if overflow:
                self._release(overflow)
                break
            if window_ends is None:
                return batch  # an empty long poll: the lane decides whether to retire
            if mapping.batching_window == 0:
                break
        return batch

    def _add(self, batch: _Batch, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append until the 6 MB payload limit; returns what did not fit."""
        for index, message in enumerate(messages):
            size = record_size(build_record(message, self.queue.arn))
            if batch.messages and batch.size + size > MAX_PAYLOAD:
                return messages[index:]
            batch.messages.append(message)
            batch.size += size
        return []

    def _filter(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.filters or not messages:
            return messages
        matches = [self.filters.matches(m["Body"]) for m in messages]
        keep = [m for m, match in zip(messages, matches, strict=True) if match]
        dropped = [m["ReceiptHandle"] for m, match in zip(messages, matches, strict=True) if not match]
        if dropped:
            sqs.delete(self.client, self.queue.url, dropped)  # Lambda deletes what no filter matches
            with self.stats.lock:
                self.stats.filtered += len(dropped)
        return keep

    def _release(self, messages: list[dict[str, Any]]) -> None:
        """Give messages that will not be invoked back to the queue at once."""
        sqs.change_visibility(self.client, self.queue.url, {m["ReceiptHandle"]: 0 for m in messages})

    # -- invocation -----------------------------------------------------------------------
    def _invoke(self, messages: list[dict[str, Any]]) -> None:
        mapping = self.mapping
        event = build_event([build_record(m, self.queue.arn) for m in messages])
        with self.stats.lock:
            self.stats.in_flight += 1
            self.stats.peak_concurrency = max(self.stats.peak_concurrency, self.stats.in_flight)
        heartbeat = _Heartbeat(self, messages) if mapping.heartbeat else None
        try:
            result = self.pool.invoke(event, mapping.timeout)
        finally:
            if heartbeat:
                heartbeat.stop()
            with self.stats.lock:
                self.stats.in_flight -= 1
        self._settle(messages, result)

    def _settle(self, messages: list[dict[str, Any]], result: Invocation) -> None:
        outcome = settle(self.client, self.queue.url, self.queue.fifo, messages, result.response, result.error_text,
                         report_batch_item_failures=self.mapping.report_batch_item_failures)
        with self.stats.lock:
            s = self.stats
            s.invocations += 1
            s.deleted += len(outcome.delete)
            s.retried += len(outcome.keep)
            s.cold_starts += result.init_ms is not None
            if outcome.failed:
                s.errors += 1
                s.last_error = outcome.error
                error_type = (result.error or {}).get("errorType", "")
                s.timeouts += error_type == "Sandbox.Timedout"
                s.crashes += error_type == "Runtime.ExitError"
        if outcome.failed:
            log.warning("%s: batch of %d failed (%s); it returns after the visibility timeout",
                        self.mapping.name, len(messages), outcome.error)


class _Heartbeat:
    """Extension (``heartbeat = true``): keep a long-running batch invisible while it runs."""

    def __init__(self, runner: MappingRunner, messages: list[dict[str, Any]]) -> None:
        self._runner = runner
        self._handles = [m["ReceiptHandle"] for m in messages]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        visibility = max(1, self._runner.queue.visibility_timeout)
        while not self._done.wait(max(0.5, visibility / 2)):
            try:
                sqs.change_visibility(self._runner.client, self._runner.queue.url,
                                      dict.fromkeys(self._handles, visibility))
            except Exception as exc:  # a missed beat is retried at the next one
                log.warning("heartbeat failed: %s", exc)

    def stop(self) -> None:
        self._done.set()
        self._thread.join(5)
