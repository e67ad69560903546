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
INSERT INTO messages (seq, queue_id, message_id, body, md5_body, attributes, md5_attributes,
                      sys_attributes, md5_sys_attributes, sender_id, sent_at, visible_at,
                      group_id, dedup_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

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

-- name: next_group
SELECT group_id FROM messages WHERE queue_id = ? AND group_id > ? AND group_id IS NOT NULL
ORDER BY group_id LIMIT 1;

-- name: group_head
SELECT seq, visible_at, received, receive_count FROM messages WHERE queue_id = ? AND group_id = ? ORDER BY seq LIMIT ?;

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
SELECT seq, receive_count FROM messages WHERE queue_id = ? AND group_id = ? AND visible_at <= ? ORDER BY seq LIMIT ?;

-- name: has_groups
SELECT 1 FROM messages WHERE queue_id = ? AND group_id IS NOT NULL LIMIT 1;

-- name: count_in_flight
SELECT count(*) FROM messages WHERE queue_id = ? AND visible_at > ? AND received = 1;

-- name: delete_by_key
DELETE FROM messages WHERE seq = ?;

-- name: copy_to_dead_letter
INSERT INTO messages (seq, queue_id, message_id, body, md5_body, attributes, md5_attributes, sys_attributes,
                      md5_sys_attributes, sender_id, sent_at, visible_at, received, receive_count,
                      first_receive_at, group_id, dedup_id, dlq_source)
SELECT :new_seq, :dlq, message_id, body, md5_body, attributes, md5_attributes, sys_attributes, md5_sys_attributes,
       sender_id, CASE WHEN :fifo THEN :now ELSE sent_at END, :now, 0, receive_count, first_receive_at, group_id,
       CASE WHEN :fifo THEN message_id ELSE dedup_id END, :source_arn
FROM messages WHERE seq = :seq;

-- name: copy_redriven
INSERT INTO messages (seq, queue_id, message_id, body, md5_body, attributes, md5_attributes, sys_attributes,
                      md5_sys_attributes, sender_id, sent_at, visible_at, group_id, dedup_id)
SELECT :new_seq, :destination, :message_id, body, md5_body, attributes, md5_attributes, sys_attributes,
       md5_sys_attributes, sender_id, :now, :now, group_id, dedup_id
FROM messages WHERE seq = :seq;

-- name: move_candidates
SELECT seq, dlq_source FROM messages
WHERE queue_id = ? AND visible_at <= ? AND seq <= ?
ORDER BY sent_at, seq LIMIT ?;

-- name: count_up_to
SELECT count(*) FROM messages WHERE queue_id = ? AND seq <= ?;

-- name: max_key
SELECT max(seq) FROM messages WHERE queue_id = ?;

-- name: insert_move_task
INSERT INTO move_tasks (task_id, source_queue_id, source_arn, destination_arn, max_rate, status, started_at,
                        to_move, up_to_key)
VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?);

-- name: move_tasks_of_source
SELECT task_id, source_queue_id, source_arn, destination_arn, max_rate, status, started_at, moved, to_move,
       up_to_key, failure_reason
FROM move_tasks WHERE source_arn = ? ORDER BY started_at DESC, rowid DESC LIMIT ?;

-- name: move_task
SELECT task_id, source_queue_id, source_arn, destination_arn, max_rate, status, started_at, moved, to_move,
       up_to_key, failure_reason
FROM move_tasks WHERE task_id = ?;

-- name: active_move_tasks
SELECT task_id, source_queue_id, source_arn, destination_arn, max_rate, status, started_at, moved, to_move,
       up_to_key, failure_reason
FROM move_tasks WHERE status IN ('RUNNING', 'CANCELLING');

-- name: update_move_task
UPDATE move_tasks SET status = ?, moved = ?, failure_reason = ? WHERE task_id = ?;

-- name: add_moved
UPDATE move_tasks SET moved = moved + ? WHERE task_id = ?;

-- name: visible_candidates
SELECT seq, receive_count FROM messages WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at LIMIT ?;

-- name: deliver_many
UPDATE messages
SET visible_at = ?, received = 1, received_at = ?, receive_count = receive_count + 1,
    first_receive_at = coalesce(first_receive_at, ?), receipt = ?
WHERE seq IN (__KEYS__)
RETURNING seq, message_id, body, md5_body, sent_at, receive_count, first_receive_at, sender_id,
          attributes, md5_attributes, sys_attributes, md5_sys_attributes, group_id, dedup_id,
          dlq_source;

-- name: log_dedup
INSERT INTO dedup_log (queue_id, scope, dedup_id, message_id, sequence, expires_at) VALUES (?, ?, ?, ?, ?, ?);

-- name: live_dedup
SELECT queue_id, scope, dedup_id, message_id, sequence, expires_at FROM dedup_log
WHERE expires_at > ? ORDER BY expires_at;

-- name: drop_expired_dedup
DELETE FROM dedup_log WHERE expires_at <= ?;
