"""How many batches of one mapping may run at once, the way Lambda scales.

Idle, one poller waits on the queue. When messages arrive the mapping jumps to ``initial``
concurrent batches (Lambda: 5), then adds ``rate_per_minute`` (Lambda: 300) while a backlog
remains — that is, while receives come back full (as many messages as asked for); a partial
receive means the queue was drained, so the ramp stops there. Never above MaximumConcurrency.
A receive that comes back empty retires its poller (on a FIFO queue, pollers that find no free
message group retire the same way, so concurrency follows the active groups). Time comes from
an injectable clock (epoch ms), so tests can run the ramp fast.
"""

from __future__ import annotations

import threading
from typing import Protocol

LAMBDA_INITIAL = 5
LAMBDA_RATE_PER_MINUTE = 300
LAMBDA_CEILING = 1250


class Now(Protocol):
    def now(self) -> int: ...


class Scaler:
    def __init__(self, max_concurrency: int, clock: Now, *, initial: int = LAMBDA_INITIAL,
                 rate_per_minute: float = LAMBDA_RATE_PER_MINUTE, ceiling: int = LAMBDA_CEILING) -> None:
        self.max_concurrency = max_concurrency
        self.clock = clock
        self.initial = initial
        self.rate_per_minute = rate_per_minute
        self.ceiling = ceiling
        self._target = 1
        self._busy = False
        self._ramp_from = clock.now()
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        return max(1, min(self.max_concurrency, self.ceiling))

    def observe(self, received: int, requested: int = 10) -> None:
        """A poller reports how many messages one receive returned, of how many it asked for."""
        with self._lock:
            if received:
                self._target = max(self._target, min(self.initial, self.limit))
            backlog = received > 0 and received >= requested
            if backlog and not self._busy:
                self._ramp_from = self.clock.now()
            self._busy = backlog

    def retire(self, active: int) -> bool:
        """After an empty receive: should this poller stop? Keeps one poller alive."""
        with self._lock:
            if active <= 1:
                return False
            self._target = max(1, min(self._target, active - 1))
            return True

    def desired(self) -> int:
        """Current concurrency target; advances the ramp by the time passed while busy."""
        with self._lock:
            now = self.clock.now()
            if self._busy and self._target < self.limit:
                steps = int((now - self._ramp_from) / 60_000 * self.rate_per_minute)
                if steps > 0:
                    self._target += steps
                    self._ramp_from += steps * 60_000 / self.rate_per_minute
            elif not self._busy:
                self._ramp_from = now
            self._target = min(self._target, self.limit)
            return self._target

