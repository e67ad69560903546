-- name: insert_queue
INSERT INTO queues (account_id, name, attributes, tags, created_at, modified_at)
VALUES (?, ?, ?, ?, ?, ?);

-- name: live_queues
SELECT queue_id, account_id, name, attributes, tags, created_at, modified_at, purged_at
FROM queues WHERE deleted_at IS NULL;

-- name: last_deleted_at
SELECT max(deleted_at) FROM queues WHERE account_id = ? AND name = ? AND deleted_at IS NOT NULL;

-- name: update_queue
UPDATE queues SET attributes = ?, tags = ?, modified_at = ?, purged_at = ? WHERE queue_id = ?;

-- name: mark_queue_deleted
UPDATE queues SET deleted_at = ? WHERE queue_id = ?;

-- name: delete_all_messages
DELETE FROM messages WHERE queue_id = ?;

-- name: insert_message
INSERT INTO messages (queue_id, message_id, body, md5_body, attributes, md5_attributes,
                      sys_attributes, md5_sys_attributes, sender_id, sent_at, visible_at,
                      group_id, dedup_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: expire_messages
DELETE FROM messages WHERE queue_id = ? AND sent_at <= ?;

-- name: receive_standard
UPDATE messages
SET visible_at = :visible_at, received = 1, received_at = :now,
    receive_count = receive_count + 1, first_receive_at = coalesce(first_receive_at, :now),
    receipt = :nonce
WHERE seq IN (SELECT seq FROM messages
              WHERE queue_id = :queue_id AND visible_at <= :now
              ORDER BY visible_at LIMIT :limit)
RETURNING seq, message_id, body, md5_body, sent_at, receive_count, first_receive_at, sender_id,
          attributes, md5_attributes, sys_attributes, md5_sys_attributes, group_id, dedup_id,
          dlq_source;

-- name: delete_message
DELETE FROM messages WHERE seq = ? AND queue_id = ? AND receipt = ?;

-- name: message_for_visibility_change
SELECT visible_at, received_at, receipt FROM messages WHERE seq = ? AND queue_id = ?;

-- name: set_visibility
UPDATE messages SET visible_at = ? WHERE seq = ?;

-- name: count_visible
SELECT count(*) FROM messages WHERE queue_id = ? AND visible_at <= ?;

-- name: count_invisible
SELECT received, count(*) FROM messages WHERE queue_id = ? AND visible_at > ? GROUP BY received;

-- name: next_visible_at
SELECT min(visible_at) FROM messages WHERE queue_id = ? AND visible_at > ?;

-- name: oldest_sent_at
SELECT min(sent_at) FROM messages WHERE queue_id = ?;

-- name: any_visible
SELECT 1 FROM messages WHERE queue_id = ? AND visible_at <= ? LIMIT 1;

-- name: find_dedup
SELECT message_id, sequence, expires_at FROM dedup WHERE queue_id = ? AND scope = ? AND dedup_id = ?;

-- name: put_dedup
INSERT OR REPLACE INTO dedup (queue_id, scope, dedup_id, message_id, sequence, expires_at)
VALUES (?, ?, ?, ?, ?, ?);

-- name: expire_dedup
DELETE FROM dedup WHERE queue_id = ? AND expires_at <= ?;

-- name: next_group
SELECT group_id FROM messages WHERE queue_id = ? AND group_id > ? AND group_id IS NOT NULL
ORDER BY group_id LIMIT 1;

-- name: group_head
SELECT seq, visible_at, received FROM messages WHERE queue_id = ? AND group_id = ? ORDER BY seq LIMIT ?;

-- name: deliver
UPDATE messages
SET visible_at = :visible_at, received = 1, received_at = :now,
    receive_count = receive_count + 1, first_receive_at = coalesce(first_receive_at, :now),
    receipt = :nonce
WHERE seq = :seq
RETURNING seq, message_id, body, md5_body, sent_at, receive_count, first_receive_at, sender_id,
          attributes, md5_attributes, sys_attributes, md5_sys_attributes, group_id, dedup_id,
          dlq_source;

-- name: redeliver
UPDATE messages SET visible_at = :visible_at WHERE seq = :seq
RETURNING seq, message_id, body, md5_body, sent_at, receive_count, first_receive_at, sender_id,
          attributes, md5_attributes, sys_attributes, md5_sys_attributes, group_id, dedup_id,
          dlq_source;

-- name: delivery_state
SELECT receipt, visible_at FROM messages WHERE seq = ? AND queue_id = ?;

-- name: find_attempt
SELECT created_at, deliveries FROM receive_attempts WHERE queue_id = ? AND attempt_id = ?;

-- name: put_attempt
INSERT OR REPLACE INTO receive_attempts (queue_id, attempt_id, created_at, deliveries) VALUES (?, ?, ?, ?);

-- name: expire_attempts
DELETE FROM receive_attempts WHERE queue_id = ? AND created_at <= ?;

-- name: in_flight_by_group
SELECT group_id, count(*) FROM messages
WHERE queue_id = ? AND visible_at > ? AND received = 1
GROUP BY group_id;

-- name: visible_in_group
SELECT seq FROM messages WHERE queue_id = ? AND group_id = ? AND visible_at <= ? ORDER BY seq LIMIT ?;

-- name: has_groups
SELECT 1 FROM messages WHERE queue_id = ? AND group_id IS NOT NULL LIMIT 1;

-- name: count_in_flight
SELECT count(*) FROM messages WHERE queue_id = ? AND visible_at > ? AND received = 1;
