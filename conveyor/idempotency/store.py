"""What an idempotency store keeps and the operations the decorator needs from one.

Every operation takes the time (epoch milliseconds) from the caller, so a test can drive expiry
with a manual clock and every process sharing a store agrees on what "expired" means. Each
operation is a single atomic step in the store: that, not any lock in this process, is what makes
concurrent duplicates in other threads or processes see each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Record:
    """A live (unexpired) record: an in-progress claim or a stored result."""

    status: Status
    token: str
    result: str | None
    expires_at: int


class IdempotencyStore(Protocol):
    def claim(self, key: str, token: str, now: int, expires_at: int) -> Record | None:
        """Start an in-progress record under ``token`` unless a live one exists.

        Returns ``None`` when the claim was made, else the live record that prevented it."""
        ...

    def get(self, key: str, now: int) -> Record | None:
        """The live record for ``key``, if any."""
        ...

    def complete(self, key: str, token: str, result: str, now: int, expires_at: int) -> bool:
        """Turn our in-progress record into a stored result; ``False`` if the claim was lost."""
        ...

    def renew(self, key: str, token: str, now: int, expires_at: int) -> bool:
        """Push back the expiry of our in-progress record; ``False`` if the claim was lost."""
        ...

    def release(self, key: str, token: str) -> bool:
        """Remove our in-progress record so a retry can run; ``False`` if it was not ours any more."""
        ...
