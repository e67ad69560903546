"""Long-poll wake-ups. A wake-up is only a hint: the woken receive re-reads storage.

Senders wake as many waiters as they sent messages; a waiter that took a full batch passes
the baton to one more, and a waiter that was woken but could not use its turn (it was
cancelled, or failed) passes it on too, so a message never sits visible while every
receiver sleeps. The backstop for time-driven visibility (delays ending, visibility timeouts
expiring) is a clock timer set by the waiter itself.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from conveyor.clock import Clock


class Waiters:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._waiting: dict[int, OrderedDict[int, asyncio.Future[bool]]] = {}
        self._next_token = 0
        self.closed = False

    def close(self) -> None:
        """Shutting down: wake every waiter now, and let no new one sleep."""
        self.closed = True
        self.notify_every_queue()

    def notify(self, queue_id: int, count: int = 1) -> None:
        """Wake up to ``count`` receivers waiting on the queue, oldest first."""
        waiting = self._waiting.get(queue_id)
        while waiting and count > 0:
            _, future = waiting.popitem(last=False)
            if not future.done():
                future.set_result(True)
                count -= 1
        if waiting is not None and not waiting:
            del self._waiting[queue_id]

    def notify_all(self, queue_id: int) -> None:
        self.notify(queue_id, len(self._waiting.get(queue_id, ())))

    def notify_every_queue(self) -> None:
        """Wake every waiter: for changes whose queues are not known here (a move task's step)."""
        for queue_id in list(self._waiting):
            self.notify_all(queue_id)

    async def wait(self, queue_id: int, until: int) -> bool:
        """Sleep until notified (True) or until the clock reaches ``until`` (False)."""
        if self.closed:
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        token = self._next_token
        self._next_token += 1
        self._waiting.setdefault(queue_id, OrderedDict())[token] = future
        timer = self._clock.call_at(until, lambda: future.done() or future.set_result(False))
        try:
            return await future
        finally:
            timer.cancel()
            waiting = self._waiting.get(queue_id)
            if waiting is not None:
                waiting.pop(token, None)
                if not waiting:
                    del self._waiting[queue_id]
