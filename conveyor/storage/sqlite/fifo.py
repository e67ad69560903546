"""FIFO queues on SQLite: deduplication, group order, group blocking, receive-attempt retries.

A group's messages are read in send order (the ``messages_by_group`` index). A receive
walks the groups round-robin from where the previous receive stopped and, per group, takes
the consecutive visible messages at its head — as many from one group as it can before the
next, as SQS does. A group whose head holds an in-flight message gives nothing: only one
batch of a group is ever out at a time. A *delayed* head does not count as in flight; since
FIFO delays are queue-wide, later messages of the group are delayed at least as long, so
waiting for the head never reorders anything.
"""

from __future__ import annotations

import json
import sqlite3

from conveyor.model.types import NewMessage, QueueRecord, ReceiveRequest, Redrive, SendOutcome, StoredMessage
from conveyor.storage.receipts import new_nonce
from conveyor.storage.sqlite.dead_letters import DeadLetters
from conveyor.storage.sqlite.dedup import DedupIndex, DedupRecord
from conveyor.storage.sqlite.groups import groups_after
from conveyor.storage.sqlite.keys import KeyAllocator
from conveyor.storage.sqlite.rows import SequenceBase, deliver, insert_row, stored_message

DEDUP_WINDOW_MS = 5 * 60 * 1000
ATTEMPT_WINDOW_MS = 5 * 60 * 1000
_GROUP_SCAN_LIMIT = 1000  # groups looked at by one receive, so a crowd of blocked groups stays cheap

class FifoStore:
    def __init__(
        self, db: sqlite3.Connection, queries: dict[str, str], keys: KeyAllocator, dead_letters: DeadLetters
    ) -> None:
        self._db = db
        self._q = queries
        self._keys = keys
        self._dead_letters = dead_letters
        self._cursor: dict[int, str] = {}  # queue id -> last group served (round-robin start)
        self._dedup = DedupIndex(db, queries)

    # -- send --------------------------------------------------------------------------------
    def send(self, queue: QueueRecord, messages: list[NewMessage], now: int) -> list[SendOutcome]:
        by_group = queue.attributes.get("DeduplicationScope") == "messageGroup"
        first_key = self._keys.take(len(messages))  # never reused: sequence numbers only grow (see keys.py)
        outcomes, rows = [], []
        for i, message in enumerate(messages):
            scope = (message.group_id or "") if by_group else ""
            sequence = str(SequenceBase + first_key + i)
            record = DedupRecord(message.message_id, sequence, now + DEDUP_WINDOW_MS)
            original = self._dedup.claim((queue.queue_id, scope, message.dedup_id or ""), record, now)
            if original is not None:
                outcomes.append(SendOutcome(original.message_id, original.sequence))  # a duplicate
                continue
            rows.append(insert_row(first_key + i, queue.queue_id, message, now))
            outcomes.append(SendOutcome(message.message_id, sequence))
        self._dedup.write()
        self._db.executemany(self._q["insert_message"], rows)
        return outcomes

    # -- receive -----------------------------------------------------------------------------
    def reload(self) -> None:
        """After a rolled-back transaction: what memory holds must match the database again."""
        self._dedup.reload()

    def receive(self, queue: QueueRecord, request: ReceiveRequest, now: int) -> list[StoredMessage]:
        if request.attempt_id:
            repeated = self._repeat_attempt(queue, request, now)
            if repeated is not None:
                return repeated
        nonce = new_nonce()
        visible_at = now + request.visibility_ms
        keys: list[int] = []
        start = self._cursor.get(queue.queue_id, "")
        for group in groups_after(self._db, self._q["next_group"], queue.queue_id, start, _GROUP_SCAN_LIMIT):
            keys += self._deliverable(queue.queue_id, group, now, request.max_messages - len(keys), request.redrive)
            if len(keys) >= request.max_messages:
                self._cursor[queue.queue_id] = group
                break
        rows = deliver(self._db, self._q, keys, visible_at, now, nonce)
        delivered = [stored_message(row, queue.queue_id, nonce, fifo=True) for row in rows]
        if request.attempt_id and delivered:
            deliveries = [[seq, nonce, visible_at] for seq in keys]
            self._db.execute(
                self._q["put_attempt"], (queue.queue_id, request.attempt_id, now, json.dumps(deliveries))
            )
        return delivered

    def _deliverable(self, queue_id: int, group: str, now: int, room: int, redrive: Redrive | None) -> list[int]:
        """Keys of the visible messages at the group's head, or none if the group is blocked.

        Head messages already received ``maxReceiveCount`` times go to the dead-letter queue on
        the way, so the next message of the group becomes its head.
        """
        head = self._db.execute(self._q["group_head"], (queue_id, group, room + 10)).fetchall()
        if any(received and visible_at > now for _, visible_at, received, _ in head):
            return []  # a message of this group is in flight
        taken = []
        for seq, visible_at, _, receive_count in head:
            if visible_at > now or len(taken) == room:
                break
            if redrive is not None and receive_count >= redrive.max_receive_count:
                self._dead_letters.to_dead_letter_queue(seq, redrive.dead_letter_queue, redrive.source_arn, now)
                continue
            taken.append(seq)
        return taken

    # -- receive request attempts ------------------------------------------------------------
    def _repeat_attempt(self, queue: QueueRecord, request: ReceiveRequest, now: int) -> list[StoredMessage] | None:
        """The same messages and handles again, if the attempt is recent and none was touched since."""
        self._db.execute(self._q["expire_attempts"], (queue.queue_id, now - ATTEMPT_WINDOW_MS))
        row = self._db.execute(self._q["find_attempt"], (queue.queue_id, request.attempt_id)).fetchone()
        if row is None:
            return None
        created_at, deliveries = row[0], json.loads(row[1])
        for seq, nonce, visible_at in deliveries:
            if self._db.execute(self._q["delivery_state"], (seq, queue.queue_id)).fetchone() != (nonce, visible_at):
                return None  # deleted, received again, or its visibility changed since
        visible_at = now + request.visibility_ms
        repeated = []
        for entry in deliveries:
            message = self._db.execute(self._q["redeliver"], {"visible_at": visible_at, "seq": entry[0]}).fetchone()
            repeated.append(stored_message(message, queue.queue_id, entry[1], fifo=True))
            entry[2] = visible_at
        self._db.execute(
            self._q["put_attempt"], (queue.queue_id, request.attempt_id, created_at, json.dumps(deliveries))
        )
        return repeated
