"""The SQS message being handled right now, shared between a consumer loop and its handlers.

A consumer (such as :class:`conveyor.worker.Worker`) makes a :class:`MessageContext` per message
and enters :func:`message_context` with it around the handler call. Handlers decorated with
``@idempotent`` read the message id or deduplication id from it, and register a renewal so the
consumer's visibility heartbeat also keeps their in-progress record alive while a long job runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger(__name__)


class MessageContext:
    """One message in a handler's hands, with callbacks to run on each heartbeat."""

    def __init__(self, message: Mapping[str, Any], visibility_timeout: float | None = None) -> None:
        self.message = message
        self.visibility_timeout = visibility_timeout
        self._renewals: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    def add_renewal(self, callback: Callable[[], object]) -> None:
        with self._lock:
            self._renewals.append(callback)

    def remove_renewal(self, callback: Callable[[], object]) -> None:
        with self._lock:
            if callback in self._renewals:
                self._renewals.remove(callback)

    def renew(self) -> None:
        """Called by the consumer's heartbeat thread; a failing renewal must not stop the others."""
        with self._lock:
            callbacks = list(self._renewals)
        for callback in callbacks:
            try:
                callback()
            except Exception:
                logger.warning("renewing an in-progress idempotency record failed", exc_info=True)


_current: ContextVar[MessageContext | None] = ContextVar("conveyor_current_message", default=None)


def current_message_context() -> MessageContext | None:
    return _current.get()


@contextmanager
def message_context(context: MessageContext) -> Iterator[MessageContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
