"""The storage boundary: queue operations, each one atomic in its backend.

The action layer decides *what* should happen (validation, defaults, SQS rules that need no
state); a backend makes each state transition happen as one unit (one SQLite transaction,
later one Redis script). Every call that depends on time takes ``now`` (epoch ms), so the
semantics can be tested by moving a clock. Nothing here knows about HTTP or wire formats.

A coroutine returning means the change is durable to the backend's promise (for SQLite: the
transaction holding it has committed), so callers may acknowledge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conveyor.errors import SqsError
from conveyor.model.types import (
    MoveTask,
    NewMessage,
    QueueRecord,
    QueueStats,
    ReceiveRequest,
    SendOutcome,
    StoredMessage,
    VisibilityChange,
)


@dataclass(slots=True)
class MoveStep:
    moved: int
    exhausted: bool  # no visible message of the task is left in the source (in-flight ones are skipped)
    missing_destination: str | None = None  # an original source queue that no longer exists


class Storage(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    # -- queues ------------------------------------------------------------------------------
    async def create_queue(
        self, account_id: str, name: str, attributes: dict[str, str], tags: dict[str, str], now: int
    ) -> tuple[QueueRecord, bool]:
        """Create the queue, or return the live one of that name; the flag says which."""
        ...

    async def get_queue(self, account_id: str, name: str) -> QueueRecord | None: ...

    async def reset(self) -> None:
        """Forget everything, cooldowns included (embedded test servers between tests)."""
        ...

    async def list_queues(self, account_id: str, prefix: str, after: str | None, limit: int) -> list[QueueRecord]:
        """Live queues of the account whose names start with ``prefix``, by name, after ``after``."""
        ...

    async def last_deleted_at(self, account_id: str, name: str) -> int | None: ...

    async def update_queue(
        self,
        queue: QueueRecord,
        now: int,
        *,
        attributes: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        purged_at: int | None = None,
    ) -> QueueRecord:
        """Replace the given parts of the queue's record; returns the new record."""
        ...

    async def delete_queue(self, queue: QueueRecord, now: int) -> None: ...

    async def purge_queue(self, queue: QueueRecord, now: int) -> None:
        """Delete every message now in the queue and remember when."""
        ...

    async def queue_stats(self, queue: QueueRecord, now: int) -> QueueStats: ...

    async def oldest_message_age(self, queue: QueueRecord, now: int) -> int:
        """Milliseconds since the oldest message still in the queue was sent (0 when empty)."""
        ...

    # -- messages ----------------------------------------------------------------------------
    async def send(self, queue: QueueRecord, messages: list[NewMessage], now: int) -> list[SendOutcome]: ...

    async def receive(self, queue: QueueRecord, request: ReceiveRequest, now: int) -> list[StoredMessage]:
        """Hand out up to ``max_messages`` visible messages, each with a fresh receipt handle."""
        ...

    async def delete(self, queue: QueueRecord, receipt_handles: list[str], now: int) -> list[SqsError | None]:
        """Delete by receipt handle; a stale handle (the message was received again) deletes nothing."""
        ...

    async def change_visibility(
        self, queue: QueueRecord, changes: list[VisibilityChange], now: int
    ) -> list[SqsError | None]: ...

    async def next_visible_at(self, queue: QueueRecord, now: int) -> int | None:
        """When the next invisible message becomes visible; the backstop timer of long polls."""
        ...

    # -- message move tasks ------------------------------------------------------------------
    async def start_move_task(
        self, source: QueueRecord, source_arn: str, destination_arn: str | None, max_rate: int | None, now: int
    ) -> MoveTask:
        """Record a RUNNING task over the messages the source holds now."""
        ...

    async def move_tasks(self, source_arn: str, limit: int) -> list[MoveTask]:
        """The source's tasks, newest first."""
        ...

    async def get_move_task(self, task_id: str) -> MoveTask | None: ...

    async def active_move_tasks(self) -> list[MoveTask]:
        """RUNNING and CANCELLING tasks, to resume after a restart."""
        ...

    async def move_step(self, task: MoveTask, limit: int, now: int) -> MoveStep:
        """Move up to ``limit`` messages and count them on the task, atomically.

        Each goes to the task's destination or, without one, back to the queue it was
        dead-lettered from.
        """
        ...

    async def finish_move_task(self, task: MoveTask, status: str, failure_reason: str | None = None) -> None: ...
