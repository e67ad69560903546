"""What a worker counts while it runs and what it says about its shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

COUNTERS = (
    "received",  # messages taken off the queue
    "succeeded",  # handler returned; the message is deleted
    "failed",  # handler raised; the message is left for a retry
    "deleted",
    "delete_failures",
    "heartbeats",  # visibility extensions that took
    "heartbeat_failures",
    "handed_back",  # returned to the queue at shutdown (visibility 0)
    "receive_errors",
    "approaching_dlq",  # received on (or past) its last attempt before the dead-letter queue
)


class WorkerMetrics:
    """Thread-safe counters; ``listener(name, amount)`` forwards each increment to a metrics system."""

    def __init__(self, listener: Callable[[str, int], None] | None = None) -> None:
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._lock = threading.Lock()
        self.listener = listener

    def increment(self, name: str, amount: int = 1) -> None:
        if name not in self._counts:
            raise KeyError(f"unknown worker metric {name!r}")
        with self._lock:
            self._counts[name] += amount
        if self.listener is not None:
            self.listener(name, amount)

    def __getitem__(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


@dataclass(frozen=True)
class ShutdownReport:
    """The outcome of a graceful stop: which in-flight messages finished, which went back to the queue."""

    finished: tuple[str, ...]  # message ids in flight at the stop that completed (or failed) in time
    handed_back: tuple[str, ...]  # made visible again (ChangeMessageVisibility 0) for another consumer
    hand_back_failed: tuple[str, ...]  # could not be handed back: visible again after their timeout
    grace_seconds: float
    elapsed_seconds: float
    receive_abandoned: bool = False  # a long poll was still open when the worker gave up waiting

    @property
    def clean(self) -> bool:
        return not (self.handed_back or self.hand_back_failed or self.receive_abandoned)

    def summary(self) -> str:
        text = (f"worker stopped in {self.elapsed_seconds:.1f}s (grace {self.grace_seconds:g}s): "
                f"{len(self.finished)} in-flight job(s) finished, {len(self.handed_back)} handed back")
        if self.handed_back:
            text += f" ({', '.join(self.handed_back)})"
        if self.hand_back_failed:
            text += f", {len(self.hand_back_failed)} could not be handed back ({', '.join(self.hand_back_failed)})"
        if self.receive_abandoned:
            text += "; a receive was still open: messages it returns stay hidden until their visibility timeout"
        return text
