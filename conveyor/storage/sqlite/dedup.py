"""FIFO deduplication records: looked up in memory, kept on disk by appending.

Dedup ids are arbitrary strings (usually random UUIDs). Kept in a b-tree keyed by them, each
send would dirty its own page and every group commit would write megabytes; measured, that
made FIFO sends three to six times dearer than standard ones, growing with the table. So
the live records (those inside their five-minute window) live in a dict, and each new record
is appended to ``dedup_log`` in the same transaction as its message, which keeps commits
small and sequential. The log is read back at start, and records past their window are
dropped from both, at most once a second.

The memory cost is one entry per FIFO send of the last five minutes.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import NamedTuple

_DROP_INTERVAL_MS = 1000

DedupKey = tuple[int, str, str]  # queue id, scope ('' or the group id), dedup id


class DedupRecord(NamedTuple):
    message_id: str
    sequence: str
    expires_at: int


class DedupIndex:
    def __init__(self, db: sqlite3.Connection, queries: dict[str, str]) -> None:
        self._db = db
        self._q = queries
        self._live: dict[DedupKey, DedupRecord] = {}
        self._by_expiry: deque[tuple[int, DedupKey]] = deque()
        self._dropped_at = -_DROP_INTERVAL_MS
        self._unwritten: list[tuple] = []
        self.reload()

    def reload(self) -> None:
        """Rebuild from the log: at start, and after a rolled-back transaction."""
        self._live.clear()
        self._by_expiry.clear()
        self._unwritten.clear()
        for queue_id, scope, dedup_id, *record in self._db.execute(self._q["live_dedup"], (0,)):
            self._remember((queue_id, scope, dedup_id), DedupRecord(*record))

    def claim(self, key: DedupKey, record: DedupRecord, now: int) -> DedupRecord | None:
        """Record ``key`` for this send, or return the live record of the send that already holds it."""
        if now - self._dropped_at >= _DROP_INTERVAL_MS:
            self._drop_expired(now)
        held = self._live.get(key)
        if held is not None and held.expires_at > now:
            return held
        self._live[key] = record
        self._by_expiry.append((record.expires_at, key))
        self._unwritten.append((*key, *record))
        return None

    def write(self) -> None:
        """Append the records claimed since the last write, in the caller's open transaction."""
        if self._unwritten:
            self._db.executemany(self._q["log_dedup"], self._unwritten)
            self._unwritten.clear()

    def _remember(self, key: DedupKey, record: DedupRecord) -> None:
        self._live[key] = record
        self._by_expiry.append((record.expires_at, key))

    def _drop_expired(self, now: int) -> None:
        self._dropped_at = now
        while self._by_expiry and self._by_expiry[0][0] <= now:
            expires_at, key = self._by_expiry.popleft()
            held = self._live.get(key)
            if held is not None and held.expires_at == expires_at:
                del self._live[key]
        self._db.execute(self._q["drop_expired_dedup"], (now,))
