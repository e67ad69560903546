"""Turning message rows into the records the action layer sees."""

from __future__ import annotations

import sqlite3

from conveyor.model.types import NewMessage, StoredMessage
from conveyor.storage.receipts import encode_receipt

# FIFO sequence numbers are the message key offset into SQS's 20-digit range: increasing, large.
SequenceBase = 18_000_000_000_000_000_000

# Column order of every statement that RETURNs a message row (see queries.sql).
MESSAGE_COLUMNS = (
    "seq, message_id, body, md5_body, sent_at, receive_count, first_receive_at, sender_id, attributes, "
    "md5_attributes, sys_attributes, md5_sys_attributes, group_id, dedup_id, dlq_source"
)


def stored_message(row: tuple, queue_id: int, nonce: int, *, fifo: bool) -> StoredMessage:
    return StoredMessage(
        message_id=row[1], receipt_handle=encode_receipt(queue_id, row[0], nonce), body=row[2], md5_of_body=row[3],
        sent_at=row[4], receive_count=row[5], first_receive_at=row[6], sender_id=row[7], attributes=row[8],
        md5_of_attributes=row[9], system_attributes=row[10], md5_of_system_attributes=row[11],
        group_id=row[12], dedup_id=row[13], dead_letter_source_arn=row[14],
        sequence_number=str(SequenceBase + row[0]) if fifo else None,
    )


def insert_row(key: int, queue_id: int, m: NewMessage, now: int) -> tuple:
    """Parameters of the ``insert_message`` statement."""
    return (key, queue_id, m.message_id, m.body, m.md5_of_body, m.attributes, m.md5_of_attributes,
            m.system_attributes, m.md5_of_system_attributes, m.sender_id, now, now + m.delay_ms, m.group_id,
            m.dedup_id)


def deliver(
    db: sqlite3.Connection, queries: dict[str, str], keys: list[int], visible_at: int, now: int, nonce: int
) -> list[tuple]:
    """Hand out the messages with these keys in one statement; rows come back in key order."""
    if not keys:
        return []
    statement = queries["deliver_many"].replace("__KEYS__", ",".join("?" * len(keys)))
    rows = db.execute(statement, (visible_at, now, now, nonce, *keys)).fetchall()
    rows.sort(key=lambda row: row[0])
    return rows
