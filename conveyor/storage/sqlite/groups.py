"""Walking a queue's message groups (FIFO groups, fair-queue tenants) round-robin."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


def groups_after(db: sqlite3.Connection, next_group_sql: str, queue_id: int, start: str, limit: int) -> Iterator[str]:
    """Group ids after ``start`` in id order, wrapping around once; at most ``limit`` index seeks.

    Each step is one seek in the group index, so a receive pays for the groups it looks at,
    not for the messages queued behind them.
    """
    current, wrapped = start, False
    for _ in range(limit):
        row = db.execute(next_group_sql, (queue_id, current)).fetchone()
        if row is None:
            if wrapped or start == "":
                return
            wrapped, current = True, ""
            continue
        current = row[0]
        if wrapped and current > start:
            return
        yield current
