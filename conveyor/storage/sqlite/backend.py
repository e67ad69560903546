"""SQLite storage: every queue in one WAL-mode database file, written with group commits.

Why it is shaped this way:

* All statements run on the event loop's thread, on one connection. Each is a few
  microseconds; a thread hop would cost more than the work, and one writer is all SQLite
  allows anyway.
* Group commit. The first write after a commit opens a transaction and schedules the commit
  for the loop's next turn; every write made before then joins the same transaction. A
  write's coroutine returns only once that commit is done, so a send is acknowledged only
  after it is in the database, yet a burst of concurrent sends costs one commit.
* Durability. WAL with ``synchronous=NORMAL`` (the default, ``durability="process"``): a
  commit has reached the operating system before anyone is answered, so killing the server
  (even ``kill -9``) loses nothing acknowledged; a power cut may lose the last commits.
  ``durability="fsync"`` runs ``synchronous=FULL``: each group commit is fsynced before
  anyone is answered, which survives power loss at the price of one fsync per batch.
* ``:memory:`` is the throwaway store (``--store memory``): the same code path, no file.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Literal

from conveyor.errors import InvalidParameterValue, MessageNotInflight, OverLimit, SqsError
from conveyor.model import limits
from conveyor.model.names import parse_queue_arn
from conveyor.model.types import (
    MoveTask,
    NewMessage,
    QueueRecord,
    QueueStats,
    ReceiveRequest,
    Redrive,
    SendOutcome,
    StoredMessage,
    VisibilityChange,
)
from conveyor.storage.base import MoveStep
from conveyor.storage.receipts import decode_receipt, new_nonce
from conveyor.storage.sqlite import sql
from conveyor.storage.sqlite.dead_letters import DeadLetters
from conveyor.storage.sqlite.fair import FairScheduler
from conveyor.storage.sqlite.fifo import FifoStore
from conveyor.storage.sqlite.keys import KeyAllocator
from conveyor.storage.sqlite.rows import deliver, insert_row, stored_message

Durability = Literal["process", "fsync"]

_MAX_TOTAL_VISIBILITY_MS = 43_200_000
_CANDIDATE_ROUNDS = 4  # receive rounds when candidates turn out to be dead letters


class SqliteStorage:
    def __init__(
        self, path: str, *, durability: Durability = "process", max_in_flight: int = limits.MAX_INFLIGHT_STANDARD
    ) -> None:
        self._path = path
        self._max_in_flight = max_in_flight
        self._in_flight: dict[int, tuple[int, int]] = {}  # queue id -> (counted at, in-flight count)
        self._durability = durability
        self._db: sqlite3.Connection | None = None
        self._q = sql.queries()
        self._queues: dict[tuple[str, str], QueueRecord] = {}
        self._commit: asyncio.Future[None] | None = None
        self._fifo: FifoStore | None = None
        self._fair: FairScheduler | None = None
        self._keys: KeyAllocator | None = None
        self._dead_letters: DeadLetters | None = None
        self._tenant_queues: set[int] = set()  # standard queues whose messages carry group ids

    # -- lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={'FULL' if self._durability == 'fsync' else 'NORMAL'}")
        db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache, whatever the backlog
        db.execute("PRAGMA temp_store=MEMORY")
        db.executescript(sql.schema())
        self._db = db
        self._keys = KeyAllocator(db)
        self._dead_letters = DeadLetters(db, self._q, self._keys)
        self._fifo = FifoStore(db, self._q, self._keys, self._dead_letters)
        self._fair = FairScheduler(db, self._q)
        self._reload_queues()
        for record in self._queues.values():
            if not record.fifo and db.execute(self._q["has_groups"], (record.queue_id,)).fetchone():
                self._tenant_queues.add(record.queue_id)

    async def close(self) -> None:
        if self._commit is not None:
            await self._commit
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    def _write(self) -> asyncio.Future[None]:
        """Join the open transaction (opening one if needed); the future resolves at its commit."""
        if self._commit is None:
            self.db.execute("BEGIN IMMEDIATE")
            loop = asyncio.get_running_loop()
            self._commit = loop.create_future()
            loop.call_soon(self._commit_now)
        return self._commit

    def _commit_now(self) -> None:
        future, self._commit = self._commit, None
        assert future is not None
        try:
            self.keys.persist()
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self._reload_queues()
            self.fifo.reload()
            future.set_exception(exc)
        else:
            future.set_result(None)

    def _reload_queues(self) -> None:
        self._queues = {}
        for row in self.db.execute(self._q["live_queues"]):
            record = _queue_from_row(row)
            self._queues[(record.account_id, record.name)] = record

    # -- queues ------------------------------------------------------------------------------
    async def create_queue(
        self, account_id: str, name: str, attributes: dict[str, str], tags: dict[str, str], now: int
    ) -> tuple[QueueRecord, bool]:
        existing = self._queues.get((account_id, name))
        if existing is not None:
            return existing, False
        done = self._write()
        cursor = self.db.execute(
            self._q["insert_queue"],
            (account_id, name, json.dumps(attributes), json.dumps(tags), now, now),
        )
        assert cursor.lastrowid is not None
        record = QueueRecord(cursor.lastrowid, account_id, name, dict(attributes), dict(tags), now, now)
        self._queues[(account_id, name)] = record
        await done
        return record, True

    async def reset(self) -> None:
        """Forget every queue, message and task, cooldowns included: a test's clean slate."""
        done = self._write()
        for table in ("messages", "queues", "dedup_log", "receive_attempts", "move_tasks"):
            self.db.execute(f"DELETE FROM {table}")
        self.fifo.reload()
        self._queues.clear()
        self._in_flight.clear()
        self._tenant_queues.clear()
        await done

    async def get_queue(self, account_id: str, name: str) -> QueueRecord | None:
        return self._queues.get((account_id, name))

    async def list_queues(self, account_id: str, prefix: str, after: str | None, limit: int) -> list[QueueRecord]:
        names = sorted(
            name
            for (account, name) in self._queues
            if account == account_id and name.startswith(prefix) and (after is None or name > after)
        )
        return [self._queues[(account_id, name)] for name in names[:limit]]

    async def last_deleted_at(self, account_id: str, name: str) -> int | None:
        row = self.db.execute(self._q["last_deleted_at"], (account_id, name)).fetchone()
        return row[0] if row else None

    async def update_queue(
        self,
        queue: QueueRecord,
        now: int,
        *,
        attributes: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        purged_at: int | None = None,
    ) -> QueueRecord:
        record = self._live(queue)
        if attributes is not None:
            record.attributes = dict(attributes)
            record.modified_at = now
        if tags is not None:
            record.tags = dict(tags)
        if purged_at is not None:
            record.purged_at = purged_at
        done = self._write()
        self.db.execute(
            self._q["update_queue"],
            (json.dumps(record.attributes), json.dumps(record.tags), record.modified_at, record.purged_at,
             record.queue_id),
        )
        await done
        return record

    async def delete_queue(self, queue: QueueRecord, now: int) -> None:
        record = self._live(queue)
        done = self._write()
        self.db.execute(self._q["mark_queue_deleted"], (now, record.queue_id))
        self.db.execute(self._q["delete_all_messages"], (record.queue_id,))
        del self._queues[(record.account_id, record.name)]
        await done

    async def purge_queue(self, queue: QueueRecord, now: int) -> None:
        done = self._write()
        self.db.execute(self._q["delete_all_messages"], (queue.queue_id,))
        await done
        await self.update_queue(queue, now, purged_at=now)

    async def queue_stats(self, queue: QueueRecord, now: int) -> QueueStats:
        self._expire(queue, now)
        stats = QueueStats(visible=self.db.execute(self._q["count_visible"], (queue.queue_id, now)).fetchone()[0])
        for received, count in self.db.execute(self._q["count_invisible"], (queue.queue_id, now)):
            if received:
                stats.in_flight = count
            else:
                stats.delayed = count
        return stats

    async def oldest_message_age(self, queue: QueueRecord, now: int) -> int:
        self._expire(queue, now)
        oldest = self.db.execute(self._q["oldest_sent_at"], (queue.queue_id,)).fetchone()[0]
        return 0 if oldest is None else max(0, now - oldest)

    def _live(self, queue: QueueRecord) -> QueueRecord:
        return self._queues.get((queue.account_id, queue.name), queue)

    # -- messages ----------------------------------------------------------------------------
    @property
    def keys(self) -> KeyAllocator:
        if self._keys is None:
            raise RuntimeError("storage is not open")
        return self._keys

    @property
    def dead_letters(self) -> DeadLetters:
        if self._dead_letters is None:
            raise RuntimeError("storage is not open")
        return self._dead_letters

    @property
    def fair(self) -> FairScheduler:
        if self._fair is None:
            raise RuntimeError("storage is not open")
        return self._fair

    @property
    def fifo(self) -> FifoStore:
        if self._fifo is None:
            raise RuntimeError("storage is not open")
        return self._fifo

    async def send(self, queue: QueueRecord, messages: list[NewMessage], now: int) -> list[SendOutcome]:
        done = self._write()
        if queue.fifo:
            outcomes = self.fifo.send(queue, messages, now)
            await done
            return outcomes
        qid = queue.queue_id
        if any(m.group_id is not None for m in messages):
            self._tenant_queues.add(qid)
        first = self.keys.take(len(messages))
        self.db.executemany(
            self._q["insert_message"], [insert_row(first + i, qid, m, now) for i, m in enumerate(messages)]
        )
        await done
        return [SendOutcome(m.message_id) for m in messages]

    def _expire(self, queue: QueueRecord, now: int) -> None:
        """Drop messages past the queue's retention period (an index probe when there are none)."""
        cutoff = now - int(queue.attributes["MessageRetentionPeriod"]) * 1000
        self.db.execute(self._q["expire_messages"], (queue.queue_id, cutoff))

    async def receive(self, queue: QueueRecord, request: ReceiveRequest, now: int) -> list[StoredMessage]:
        self._expire(queue, now)
        retry = queue.fifo and request.attempt_id is not None
        if self._commit is None and not retry and not self._any_visible(queue, now):
            return []  # nothing to hand out: don't open a transaction just to find that
        in_flight = self._in_flight_count(queue, now)
        done = self._write()
        receive = self.fifo.receive if queue.fifo else self._receive_standard
        messages = receive(queue, request, now)
        self._in_flight[queue.queue_id] = (self._in_flight[queue.queue_id][0], in_flight + len(messages))
        if messages:
            await done
        return messages

    def _in_flight_count(self, queue: QueueRecord, now: int) -> int:
        """In-flight messages, recounted at most once a second (and always near the limit); OverLimit at it."""
        counted = self._in_flight.get(queue.queue_id)
        if counted is None or now - counted[0] >= 1000 or counted[1] >= self._max_in_flight * 0.9:
            count = self.db.execute(self._q["count_in_flight"], (queue.queue_id, now)).fetchone()[0]
            counted = self._in_flight[queue.queue_id] = (now, count)
        if counted[1] >= self._max_in_flight:
            raise OverLimit(f"Too many messages in flight: the limit for a queue is {self._max_in_flight}.")
        return counted[1]

    def _any_visible(self, queue: QueueRecord, now: int) -> bool:
        return self.db.execute(self._q["any_visible"], (queue.queue_id, now)).fetchone() is not None

    def _receive_standard(self, queue: QueueRecord, request: ReceiveRequest, now: int) -> list[StoredMessage]:
        nonce = new_nonce()
        visible_at = now + request.visibility_ms
        if request.redrive is None and queue.queue_id not in self._tenant_queues:
            params = {"visible_at": visible_at, "now": now, "nonce": nonce, "queue_id": queue.queue_id,
                      "limit": request.max_messages}
            rows = self.db.execute(self._q["receive_standard"], params).fetchall()
            return [stored_message(row, queue.queue_id, nonce, fifo=False) for row in rows]
        rows = []
        for candidates in self._candidate_rounds(queue, request, now, lambda: request.max_messages - len(rows)):
            keys = self._after_dead_letters(candidates, request.redrive, now)
            rows.extend(deliver(self.db, self._q, keys, visible_at, now, nonce))
        return [stored_message(row, queue.queue_id, nonce, fifo=False) for row in rows]

    def _candidate_rounds(
        self, queue: QueueRecord, request: ReceiveRequest, now: int, room: Callable[[], int]
    ) -> Iterator[list[tuple[int, int]]]:
        """(key, receive count) of messages to hand out: quiet tenants first, then queue order.

        Each round is taken after the previous one was delivered or dead-lettered, so a round
        that only met dead letters is followed by another, up to a small bound.
        """
        if queue.queue_id in self._tenant_queues:
            noisy = self.fair.noisy_tenants(queue, now)
            if noisy:
                yield self.fair.quiet_first(queue, now, room(), noisy)
        for _ in range(_CANDIDATE_ROUNDS):
            if room() <= 0:
                return
            candidates = self.db.execute(self._q["visible_candidates"], (queue.queue_id, now, room())).fetchall()
            if not candidates:
                return
            yield candidates

    def _after_dead_letters(self, candidates: list[tuple[int, int]], redrive: Redrive | None, now: int) -> list[int]:
        """Move the candidates that were received too often to the DLQ; return the others' keys."""
        if redrive is None:
            return [seq for seq, _ in candidates]
        keep = []
        for seq, receive_count in candidates:
            if receive_count >= redrive.max_receive_count:
                self.dead_letters.to_dead_letter_queue(seq, redrive.dead_letter_queue, redrive.source_arn, now)
            else:
                keep.append(seq)
        return keep

    async def delete(self, queue: QueueRecord, receipt_handles: list[str], now: int) -> list[SqsError | None]:
        results: list[SqsError | None] = []
        keys: list[tuple[int, int, int]] = []
        for handle in receipt_handles:
            try:
                key, nonce = decode_receipt(handle, queue.queue_id)
            except SqsError as exc:
                results.append(exc)
                continue
            keys.append((key, queue.queue_id, nonce))
            results.append(None)
        if keys:
            done = self._write()
            self.db.executemany(self._q["delete_message"], keys)
            await done
        return results

    async def change_visibility(
        self, queue: QueueRecord, changes: list[VisibilityChange], now: int
    ) -> list[SqsError | None]:
        results: list[SqsError | None] = []
        done: asyncio.Future[None] | None = None
        for change in changes:
            try:
                key = self._check_visibility_change(queue, change, now)
            except SqsError as exc:
                results.append(exc)
                continue
            done = self._write()
            self.db.execute(self._q["set_visibility"], (now + change.visibility_ms, key))
            results.append(None)
        if done is not None:
            await done
        return results

    def _check_visibility_change(self, queue: QueueRecord, change: VisibilityChange, now: int) -> int:
        key, nonce = decode_receipt(change.receipt_handle, queue.queue_id)
        row = self.db.execute(self._q["message_for_visibility_change"], (key, queue.queue_id)).fetchone()
        if row is None or row[2] != nonce:
            raise InvalidParameterValue(
                f"Value {change.receipt_handle} for parameter ReceiptHandle is invalid. Reason: Message does "
                "not exist or is not available for visibility timeout change."
            )
        visible_at, received_at, _ = row
        if visible_at <= now:
            raise MessageNotInflight()
        if now + change.visibility_ms - received_at > _MAX_TOTAL_VISIBILITY_MS:
            raise InvalidParameterValue(
                f"Value {change.visibility_ms // 1000} for parameter VisibilityTimeout is invalid. Reason: "
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        return key

    async def next_visible_at(self, queue: QueueRecord, now: int) -> int | None:
        row = self.db.execute(self._q["next_visible_at"], (queue.queue_id, now)).fetchone()
        return row[0] if row else None


    # -- message move tasks ------------------------------------------------------------------
    async def start_move_task(
        self, source: QueueRecord, source_arn: str, destination_arn: str | None, max_rate: int | None, now: int
    ) -> MoveTask:
        done = self._write()
        task = self.dead_letters.start_task(source, source_arn, destination_arn, max_rate, now)
        await done
        return task

    async def move_tasks(self, source_arn: str, limit: int) -> list[MoveTask]:
        return self.dead_letters.tasks_of_source(source_arn, limit)

    async def get_move_task(self, task_id: str) -> MoveTask | None:
        return self.dead_letters.task(task_id)

    async def active_move_tasks(self) -> list[MoveTask]:
        return self.dead_letters.active_tasks()

    async def move_step(self, task: MoveTask, limit: int, now: int) -> MoveStep:
        def destination_for(original_source: str | None) -> QueueRecord | None:
            arn = task.destination_arn or original_source
            if not arn:
                return None
            _, account_id, name = parse_queue_arn(arn)
            return self._queues.get((account_id, name))

        done = self._write()
        step = self.dead_letters.step(task, destination_for, limit, now)
        await done
        return step

    async def finish_move_task(self, task: MoveTask, status: str, failure_reason: str | None = None) -> None:
        done = self._write()
        self.dead_letters.finish(task, status, failure_reason)
        await done


def _queue_from_row(row: tuple) -> QueueRecord:
    queue_id, account_id, name, attributes, tags, created_at, modified_at, purged_at = row
    return QueueRecord(
        queue_id, account_id, name, json.loads(attributes), json.loads(tags), created_at, modified_at, purged_at
    )
