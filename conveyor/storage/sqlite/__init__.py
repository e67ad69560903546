"""The embedded SQLite backend (the default store)."""

from conveyor.storage.sqlite.backend import SqliteStorage

__all__ = ["SqliteStorage"]
