"""Dead-letter moves and message move tasks on SQLite.

Every move is a copy under a fresh message key plus a delete of the old row, inside the
transaction that decided it: a message is in exactly one queue whatever instant the server
dies, and any receipt handle for its old place stops matching. The fresh key also puts the
message at the back of its new queue's order, which is where SQS puts it.

What travels (SQS's rules): to a dead-letter queue a message keeps its id, body, attributes
and receive count, and gains DeadLetterQueueSourceArn; a standard message keeps its enqueue
time (so the DLQ's retention counts from the original send), a FIFO one gets a new enqueue
time and its message id as dedup id. A message moved out of a DLQ by a move task is a new
message: new id, new enqueue time, receive count zero.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable

from conveyor.model.types import MoveTask, QueueRecord
from conveyor.storage.base import MoveStep
from conveyor.storage.sqlite.keys import KeyAllocator


class DeadLetters:
    def __init__(self, db: sqlite3.Connection, queries: dict[str, str], keys: KeyAllocator) -> None:
        self._db = db
        self._q = queries
        self._keys = keys

    def to_dead_letter_queue(self, seq: int, dead_letter_queue: QueueRecord, source_arn: str, now: int) -> None:
        self._db.execute(
            self._q["copy_to_dead_letter"],
            {"new_seq": self._keys.take(1), "dlq": dead_letter_queue.queue_id, "fifo": dead_letter_queue.fifo,
             "now": now, "source_arn": source_arn, "seq": seq},
        )
        self._db.execute(self._q["delete_by_key"], (seq,))

    # -- move tasks --------------------------------------------------------------------------
    def start_task(
        self, source: QueueRecord, source_arn: str, destination_arn: str | None, max_rate: int | None, now: int
    ) -> MoveTask:
        up_to = self._db.execute(self._q["max_key"], (source.queue_id,)).fetchone()[0] or 0
        to_move = self._db.execute(self._q["count_up_to"], (source.queue_id, up_to)).fetchone()[0]
        task_id = str(uuid.uuid4())
        self._db.execute(
            self._q["insert_move_task"],
            (task_id, source.queue_id, source_arn, destination_arn, max_rate, now, to_move, up_to),
        )
        return MoveTask(task_id, source.queue_id, source_arn, destination_arn, max_rate, "RUNNING", now, 0, to_move,
                        up_to)

    def tasks_of_source(self, source_arn: str, limit: int) -> list[MoveTask]:
        return [MoveTask(*row) for row in self._db.execute(self._q["move_tasks_of_source"], (source_arn, limit))]

    def task(self, task_id: str) -> MoveTask | None:
        row = self._db.execute(self._q["move_task"], (task_id,)).fetchone()
        return MoveTask(*row) if row else None

    def active_tasks(self) -> list[MoveTask]:
        return [MoveTask(*row) for row in self._db.execute(self._q["active_move_tasks"])]

    def step(
        self,
        task: MoveTask,
        destination_for: Callable[[str | None], QueueRecord | None],
        limit: int,
        now: int,
    ) -> MoveStep:
        """Move up to ``limit`` visible messages of the task (oldest first) and count them on it."""
        rows = self._db.execute(
            self._q["move_candidates"], (task.source_queue_id, now, task.up_to_key, limit)
        ).fetchall()
        moved, missing = 0, None
        for seq, original_source in rows:
            destination = destination_for(original_source)
            if destination is None:
                missing = original_source or ""
                break
            self._db.execute(
                self._q["copy_redriven"],
                {"new_seq": self._keys.take(1), "destination": destination.queue_id,
                 "message_id": str(uuid.uuid4()), "now": now, "seq": seq},
            )
            self._db.execute(self._q["delete_by_key"], (seq,))
            moved += 1
        if moved:
            self._db.execute(self._q["add_moved"], (moved, task.task_id))
            task.moved += moved
        return MoveStep(moved, exhausted=missing is None and len(rows) < limit, missing_destination=missing)

    def finish(self, task: MoveTask, status: str, failure_reason: str | None) -> None:
        task.status, task.failure_reason = status, failure_reason
        self._db.execute(self._q["update_move_task"], (status, task.moved, failure_reason, task.task_id))
