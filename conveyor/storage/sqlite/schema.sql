-- Conveyor's embedded store. One database file holds every queue.
--
-- Messages use SQLite's integer rowid (seq) as their key: appends stay at the right edge of
-- the b-tree, which is what keeps batched inserts near SQLite's best rate. Two narrow
-- indexes serve the two scans a queue needs: by visibility time (receive, counters) and by
-- send time (retention).

CREATE TABLE IF NOT EXISTS queues (
    queue_id    INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: receipt handles embed it
    account_id  TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    attributes  TEXT    NOT NULL,                   -- JSON object of settable attributes
    tags        TEXT    NOT NULL,                   -- JSON object
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    purged_at   INTEGER,
    deleted_at  INTEGER                             -- NULL while the queue lives
);

CREATE UNIQUE INDEX IF NOT EXISTS queues_by_name
    ON queues (account_id, name) WHERE deleted_at IS NULL;

CREATE INDEX IF NOT EXISTS queues_deleted
    ON queues (account_id, name, deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS messages (
    seq                INTEGER PRIMARY KEY,
    queue_id           INTEGER NOT NULL,
    message_id         TEXT    NOT NULL,
    body               TEXT    NOT NULL,
    md5_body           TEXT    NOT NULL,
    attributes         TEXT,
    md5_attributes     TEXT,
    sys_attributes     TEXT,
    md5_sys_attributes TEXT,
    sender_id          TEXT    NOT NULL,
    sent_at            INTEGER NOT NULL,
    visible_at         INTEGER NOT NULL,
    received           INTEGER NOT NULL DEFAULT 0,  -- 1 once received: later invisibility is "in flight"
    received_at        INTEGER,
    receive_count      INTEGER NOT NULL DEFAULT 0,
    first_receive_at   INTEGER,
    receipt            INTEGER,                     -- nonce of the newest receipt handle
    group_id           TEXT,
    dedup_id           TEXT,
    dlq_source         TEXT
);

CREATE INDEX IF NOT EXISTS messages_by_visibility ON messages (queue_id, visible_at, received);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (queue_id, sent_at);

-- FIFO queues (and fair standard queues) read a group's messages in send order.
CREATE INDEX IF NOT EXISTS messages_by_group
    ON messages (queue_id, group_id, seq) WHERE group_id IS NOT NULL;

-- FIFO deduplication records, appended in send order and read back only at start (lookups use
-- an in-memory index, see dedup.py): a b-tree keyed by random dedup ids would dirty a page per
-- send and multiply the bytes of every commit.
CREATE TABLE IF NOT EXISTS dedup_log (
    queue_id    INTEGER NOT NULL,
    scope       TEXT    NOT NULL,   -- '' for queue scope, the group id for messageGroup scope
    dedup_id    TEXT    NOT NULL,
    message_id  TEXT    NOT NULL,
    sequence    TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS dedup_log_by_expiry ON dedup_log (expires_at);

-- FIFO ReceiveRequestAttemptId: what a receive handed out, so a retry gets the same again.
CREATE TABLE IF NOT EXISTS receive_attempts (
    queue_id    INTEGER NOT NULL,
    attempt_id  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    deliveries  TEXT    NOT NULL,   -- JSON [[seq, nonce, visible_at], ...]
    PRIMARY KEY (queue_id, attempt_id)
) WITHOUT ROWID;

-- Small facts about the store itself (the message-key high-water mark).
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- Message move tasks (dead-letter redrives). They outlive restarts and carry on.
CREATE TABLE IF NOT EXISTS move_tasks (
    task_id         TEXT    PRIMARY KEY,
    source_queue_id INTEGER NOT NULL,
    source_arn      TEXT    NOT NULL,
    destination_arn TEXT,
    max_rate        INTEGER,
    status          TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,
    moved           INTEGER NOT NULL DEFAULT 0,
    to_move         INTEGER NOT NULL,
    up_to_key       INTEGER NOT NULL,
    failure_reason  TEXT
);

CREATE INDEX IF NOT EXISTS move_tasks_by_source ON move_tasks (source_arn, started_at);
