"""An idempotency store in one SQLite file, shared by threads and processes on one machine.

Each thread (and each forked process) gets its own connection; the claim is one
``INSERT … ON CONFLICT … DO UPDATE … WHERE expired`` inside ``BEGIN IMMEDIATE``, so of any number
of racing duplicates exactly one sees its row written. WAL mode lets readers run beside a writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conveyor.idempotency.store import Record, Status

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    token TEXT NOT NULL,
    result TEXT,
    expires_at INTEGER NOT NULL
)
"""


class SQLiteStore:
    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            return connection
        # A connection must not cross a fork: the child opens its own.
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                     check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(_SCHEMA)
        self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @staticmethod
    def _record(row: tuple[str, str, str | None, int] | None) -> Record | None:
        return None if row is None else Record(Status(row[0]), row[1], row[2], row[3])

    def claim(self, key: str, token: str, now: int, expires_at: int) -> Record | None:
        with self._transaction() as connection:
            written = connection.execute(
                "INSERT INTO idempotency (key, status, token, result, expires_at) VALUES (?, ?, ?, NULL, ?) "
                "ON CONFLICT (key) DO UPDATE SET status = excluded.status, token = excluded.token, result = NULL, "
                "expires_at = excluded.expires_at WHERE idempotency.expires_at <= ?",
                (key, Status.IN_PROGRESS.value, token, expires_at, now),
            ).rowcount
            if written:
                return None
            row = connection.execute(
                "SELECT status, token, result, expires_at FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
        return self._record(row)

    def get(self, key: str, now: int) -> Record | None:
        row = self._connection().execute(
            "SELECT status, token, result, expires_at FROM idempotency WHERE key = ? AND expires_at > ?", (key, now)
        ).fetchone()
        return self._record(row)

    def complete(self, key: str, token: str, result: str, now: int, expires_at: int) -> bool:
        return self._change(
            "UPDATE idempotency SET status = ?, result = ?, expires_at = ? WHERE key = ? AND token = ? AND status = ?",
            (Status.COMPLETED.value, result, expires_at, key, token, Status.IN_PROGRESS.value),
        )

    def renew(self, key: str, token: str, now: int, expires_at: int) -> bool:
        return self._change(
            "UPDATE idempotency SET expires_at = ? WHERE key = ? AND token = ? AND status = ?",
            (expires_at, key, token, Status.IN_PROGRESS.value),
        )

    def release(self, key: str, token: str) -> bool:
        return self._change(
            "DELETE FROM idempotency WHERE key = ? AND token = ? AND status = ?",
            (key, token, Status.IN_PROGRESS.value),
        )

    def purge(self, now: int) -> int:
        """Drop expired records (they are ignored anyway; this only reclaims space)."""
        return self._connection().execute("DELETE FROM idempotency WHERE expires_at <= ?", (now,)).rowcount

    def _change(self, sql: str, parameters: tuple[object, ...]) -> bool:
        return self._connection().execute(sql, parameters).rowcount == 1

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
