"""Run a message handler (or any function) once per key, across threads, processes and machines."""

from conveyor.idempotency.context import MessageContext, current_message_context, message_context
from conveyor.idempotency.decorator import IdempotencyInProgressError, idempotent
from conveyor.idempotency.keys import IdempotencyKeyError, from_dedup_id, from_jmespath, from_message_id
from conveyor.idempotency.redis_store import RedisStore
from conveyor.idempotency.sqlite_store import SQLiteStore
from conveyor.idempotency.store import IdempotencyStore, Record, Status

__all__ = [
    "IdempotencyInProgressError",
    "IdempotencyKeyError",
    "IdempotencyStore",
    "MessageContext",
    "Record",
    "RedisStore",
    "SQLiteStore",
    "Status",
    "current_message_context",
    "from_dedup_id",
    "from_jmespath",
    "from_message_id",
    "idempotent",
    "message_context",
]
