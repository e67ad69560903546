"""Fair queues: on a standard queue, a MessageGroupId names a tenant, and no tenant may crowd
the others out.

The rule (SQS's rule of thumb): a tenant is *noisy* when it holds more than 10 % of the
queue's in-flight messages and at least 30 of them. While any tenant is noisy, a receive first
serves the quiet tenants — walking tenants round-robin from where the last receive stopped,
each tenant's visible messages oldest first — and only then fills up in the queue's usual
order, which may include the noisy tenants. With no noisy tenant the queue behaves exactly as
a plain standard queue, and a queue whose messages carry no group ids never pays for any of
this.

Counting in-flight messages per tenant scans the in-flight set, so the verdict is kept for
one second of queue time: it is approximate, as SQS's own is.
"""

from __future__ import annotations

import sqlite3

from conveyor.model.types import QueueRecord
from conveyor.storage.sqlite.groups import groups_after

NOISY_SHARE = 0.10
NOISY_MINIMUM = 30
_VERDICT_TTL_MS = 1000
_TENANT_SCAN_LIMIT = 200


class FairScheduler:
    def __init__(self, db: sqlite3.Connection, queries: dict[str, str]) -> None:
        self._db = db
        self._q = queries
        self._verdicts: dict[int, tuple[int, frozenset[str]]] = {}  # queue id -> (computed at, noisy)
        self._cursor: dict[int, str] = {}

    def noisy_tenants(self, queue: QueueRecord, now: int) -> frozenset[str]:
        cached = self._verdicts.get(queue.queue_id)
        if cached is not None and now - cached[0] < _VERDICT_TTL_MS:
            return cached[1]
        counts = self._db.execute(self._q["in_flight_by_group"], (queue.queue_id, now)).fetchall()
        total = sum(count for _, count in counts)
        noisy = frozenset(
            group for group, count in counts
            if group is not None and count >= NOISY_MINIMUM and count > NOISY_SHARE * total
        )
        self._verdicts[queue.queue_id] = (now, noisy)
        return noisy

    def quiet_first(self, queue: QueueRecord, now: int, limit: int, noisy: frozenset[str]) -> list[tuple[int, int]]:
        """(key, receive count) of up to ``limit`` visible messages of quiet tenants, tenants round-robin."""
        keys: list[tuple[int, int]] = []
        last = None
        start = self._cursor.get(queue.queue_id, "")
        for tenant in groups_after(self._db, self._q["next_group"], queue.queue_id, start, _TENANT_SCAN_LIMIT):
            if tenant in noisy:
                continue
            rows = self._db.execute(self._q["visible_in_group"], (queue.queue_id, tenant, now, limit - len(keys)))
            keys.extend(rows)
            last = tenant
            if len(keys) >= limit:
                break
        if last is not None:
            self._cursor[queue.queue_id] = last
        return keys

    def forget(self, queue_id: int) -> None:
        self._verdicts.pop(queue_id, None)
        self._cursor.pop(queue_id, None)
