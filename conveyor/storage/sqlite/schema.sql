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
