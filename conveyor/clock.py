"""Time, injectable: every timed behaviour (visibility, delays, retention, long polls) reads this.

Storage never asks for the time; callers pass ``now`` (epoch milliseconds) in. Timers go through
:meth:`Clock.call_at` so that a :class:`ManualClock` can fire them when a test advances time,
from any thread, without anybody sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> int:
        """Epoch milliseconds."""
        ...

    def call_at(self, when: int, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` in the calling thread's event loop once the clock reaches ``when``."""
        ...


class SystemClock:
    """Wall-clock time; timers are the running loop's own."""

    def now(self) -> int:
        return time.time_ns() // 1_000_000

    def call_at(self, when: int, callback: Callable[[], None]) -> TimerHandle:
        delay = max(0.0, (when - self.now()) / 1000)
        return asyncio.get_running_loop().call_later(delay, callback)


class _ManualTimer:
    __slots__ = ("callback", "cancelled", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        self.loop = loop
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that moves only when told to; ``advance`` fires due timers in their own loops."""

    def __init__(self, start: int = 1_700_000_000_000) -> None:
        self._now = start
        self._timers: list[tuple[int, int, _ManualTimer]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def now(self) -> int:
        return self._now

    def call_at(self, when: int, callback: Callable[[], None]) -> TimerHandle:
        timer = _ManualTimer(asyncio.get_running_loop(), callback)
        with self._lock:
            if when <= self._now:
                timer.loop.call_soon(self._fire, timer)
            else:
                heapq.heappush(self._timers, (when, next(self._order), timer))
        return timer

    def advance(self, seconds: float) -> None:
        """Move time forward and fire every timer that became due."""
        with self._lock:
            self._now += round(seconds * 1000)
            due: list[_ManualTimer] = []
            while self._timers and self._timers[0][0] <= self._now:
                due.append(heapq.heappop(self._timers)[2])
        for timer in due:
            if not timer.cancelled and not timer.loop.is_closed():
                timer.loop.call_soon_threadsafe(self._fire, timer)

    @staticmethod
    def _fire(timer: _ManualTimer) -> None:
        if not timer.cancelled:
            timer.callback()
