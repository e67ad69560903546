"""Message keys: increasing and never reused, across deletions and restarts.

SQLite's own rowid would hand out max(rowid) + 1 again after the newest row is deleted, so a
FIFO sequence number could repeat and a moved message could land ahead of newer ones. Its
AUTOINCREMENT avoids that but writes a counter row per insert (about 30 % of insert speed).
Keys are therefore allocated here, in memory, and the high-water mark is written once per
commit, inside the transaction that used the keys.
"""

from __future__ import annotations

import sqlite3


class KeyAllocator:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        stored = db.execute("SELECT value FROM meta WHERE name = 'next_key'").fetchone()
        highest = db.execute("SELECT max(seq) FROM messages").fetchone()[0]
        self._next = max(stored[0] if stored else 1, (highest or 0) + 1)
        self._persisted = stored[0] if stored else None

    def take(self, count: int) -> int:
        """Reserve ``count`` consecutive keys; returns the first."""
        first = self._next
        self._next += count
        return first

    def persist(self) -> None:
        """Record the high-water mark in the open transaction (a no-op when nothing was taken)."""
        if self._persisted != self._next:
            self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('next_key', ?)", (self._next,))
            self._persisted = self._next
