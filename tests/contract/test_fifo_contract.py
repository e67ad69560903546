"""The FIFO storage contract: deduplication windows, group order and blocking, receive-attempt
retries and sequence numbers, driven straight on the store with explicit times."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from conveyor.model.queue_attributes import defaults_for
from conveyor.model.types import NewMessage, QueueRecord, ReceiveRequest, StoredMessage, VisibilityChange
from conveyor.storage.sqlite import SqliteStorage

T0 = 1_700_000_000_000
S = 1000  # one second in ms
WINDOW = 5 * 60 * S


@pytest.fixture(params=["sqlite-file", "sqlite-memory"])
async def storage(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[SqliteStorage]:
    store = SqliteStorage(str(tmp_path / "store.db") if request.param == "sqlite-file" else ":memory:")
    await store.open()
    yield store
    await store.close()


async def fifo_queue(storage: SqliteStorage, name: str = "q.fifo", **attributes: str) -> QueueRecord:
    queue, created = await storage.create_queue("000000000000", name, {**defaults_for(True), **attributes}, {}, T0)
    assert created and queue.fifo
    return queue


def message(body: str, group: str = "g", dedup: str | None = None, delay_ms: int = 0) -> NewMessage:
    return NewMessage(message_id=str(uuid.uuid4()), body=body, md5_of_body="x", delay_ms=delay_ms, sender_id="me",
                      group_id=group, dedup_id=dedup or body)


def request(max_messages: int = 10, visibility_s: int = 30, attempt: str | None = None) -> ReceiveRequest:
    return ReceiveRequest(max_messages=max_messages, visibility_ms=visibility_s * S, retention_ms=345_600 * S,
                          attempt_id=attempt)


def bodies(messages: list[StoredMessage]) -> list[str]:
    return [m.body for m in messages]


async def delete(storage: SqliteStorage, queue: QueueRecord, messages: list[StoredMessage], now: int) -> None:
    assert await storage.delete(queue, [m.receipt_handle for m in messages], now) == [None] * len(messages)


# ------------------------------------------------------------------------------------ deduplication


async def test_dedup_window_is_exactly_five_minutes(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    (first,) = await storage.send(queue, [message("a", dedup="d")], T0)
    assert first.sequence_number is not None
    (dup,) = await storage.send(queue, [message("b", dedup="d")], T0 + WINDOW - 1)
    assert (dup.message_id, dup.sequence_number) == (first.message_id, first.sequence_number)
    assert (await storage.queue_stats(queue, T0 + WINDOW - 1)).visible == 1
    (fresh,) = await storage.send(queue, [message("c", dedup="d")], T0 + WINDOW)
    assert fresh.message_id != first.message_id
    assert int(fresh.sequence_number or 0) > int(first.sequence_number)
    # The new message opens a new window of its own.
    (dup2,) = await storage.send(queue, [message("e", dedup="d")], T0 + 2 * WINDOW - 1)
    assert dup2.message_id == fresh.message_id
    assert bodies(await storage.receive(queue, request(), T0 + 2 * WINDOW)) == ["a", "c"]


async def test_duplicate_does_not_extend_the_window(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    (first,) = await storage.send(queue, [message("a", dedup="d")], T0)
    await storage.send(queue, [message("a", dedup="d")], T0 + 4 * 60 * S)
    (later,) = await storage.send(queue, [message("a", dedup="d")], T0 + WINDOW)
    assert later.message_id != first.message_id


async def test_dedup_remembered_after_delete(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    (first,) = await storage.send(queue, [message("a", dedup="d")], T0)
    await delete(storage, queue, await storage.receive(queue, request(), T0), T0 + S)
    (dup,) = await storage.send(queue, [message("a", dedup="d")], T0 + 2 * S)
    assert dup.message_id == first.message_id and dup.sequence_number == first.sequence_number
    assert await storage.receive(queue, request(), T0 + 3 * S) == []


async def test_dedup_scope_queue_versus_message_group(storage: SqliteStorage) -> None:
    per_queue = await fifo_queue(storage, "a.fifo")
    per_group = await fifo_queue(storage, "b.fifo", DeduplicationScope="messageGroup",
                                 FifoThroughputLimit="perMessageGroupId")
    x, y = await storage.send(per_queue, [message("x", "g1", "d"), message("y", "g2", "d")], T0)
    assert x.message_id == y.message_id
    x, y = await storage.send(per_group, [message("x", "g1", "d"), message("y", "g2", "d")], T0)
    assert x.message_id != y.message_id
    (z,) = await storage.send(per_group, [message("z", "g2", "d")], T0 + S)
    assert z.message_id == y.message_id
    assert sorted(bodies(await storage.receive(per_group, request(), T0 + S))) == ["x", "y"]


async def test_dedup_is_per_queue(storage: SqliteStorage) -> None:
    a = await fifo_queue(storage, "a.fifo")
    b = await fifo_queue(storage, "b.fifo")
    (x,) = await storage.send(a, [message("x", dedup="d")], T0)
    (y,) = await storage.send(b, [message("y", dedup="d")], T0)
    assert x.message_id != y.message_id


# ------------------------------------------------------------------------------------ sequence numbers


async def test_sequence_numbers_never_go_back(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    issued: list[int] = []
    now = T0
    for round_ in range(3):
        outcomes = await storage.send(queue, [message(f"m{round_}-{i}") for i in range(3)], now)
        issued += [int(o.sequence_number or 0) for o in outcomes]
        got = await storage.receive(queue, request(), now)
        assert [m.sequence_number for m in got] == [o.sequence_number for o in outcomes]
        await delete(storage, queue, got, now)  # empties the table: the newest keys are gone
        now += S
    assert issued == sorted(issued) and len(set(issued)) == len(issued)


async def test_sequence_numbers_keep_increasing_across_reopen(tmp_path) -> None:
    path = str(tmp_path / "seq.db")
    first = SqliteStorage(path)
    await first.open()
    queue = await fifo_queue(first)
    (sent,) = await first.send(queue, [message("a")], T0)
    await delete(first, queue, await first.receive(queue, request(), T0), T0)
    await first.close()
    second = SqliteStorage(path)
    await second.open()
    reopened = await second.get_queue("000000000000", "q.fifo")
    assert reopened is not None
    (dup,) = await second.send(reopened, [message("a")], T0 + S)
    assert dup.message_id == sent.message_id
    (after,) = await second.send(reopened, [message("b")], T0 + S)
    assert int(after.sequence_number or 0) > int(sent.sequence_number or 0)
    await second.close()


# ------------------------------------------------------------------------------------ order and blocking


async def test_group_order_and_blocking(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    await storage.send(queue, [message(f"a{i}", "a") for i in range(4)] + [message("b0", "b")], T0)
    first = await storage.receive(queue, request(max_messages=2), T0)
    assert bodies(first) == ["a0", "a1"]
    b = await storage.receive(queue, request(), T0)
    assert bodies(b) == ["b0"]  # a is blocked, b is not
    await delete(storage, queue, b, T0)
    assert await storage.receive(queue, request(), T0 + 29 * S) == []
    # Deleting only part of the batch keeps the group blocked.
    await delete(storage, queue, first[:1], T0 + 29 * S)
    assert await storage.receive(queue, request(), T0 + 29 * S) == []
    # Visibility expiry releases it: a1 comes back first, then the rest, in order.
    again = await storage.receive(queue, request(), T0 + 30 * S)
    assert bodies(again) == ["a1", "a2", "a3"]
    assert [m.receive_count for m in again] == [2, 1, 1]


async def test_visibility_change_to_zero_releases_the_group(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    await storage.send(queue, [message("a0", "a"), message("a1", "a")], T0)
    (a0,) = await storage.receive(queue, request(max_messages=1), T0)
    assert await storage.receive(queue, request(), T0) == []
    assert await storage.change_visibility(queue, [VisibilityChange(a0.receipt_handle, 0)], T0 + S) == [None]
    assert bodies(await storage.receive(queue, request(), T0 + S)) == ["a0", "a1"]


async def test_delayed_head_does_not_block_other_groups(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    await storage.send(queue, [message("a0", "a", delay_ms=10 * S)], T0)
    await storage.send(queue, [message("b0", "b"), message("a1", "a")], T0)
    stats = await storage.queue_stats(queue, T0)
    assert (stats.visible, stats.delayed, stats.in_flight) == (2, 1, 0)
    assert bodies(await storage.receive(queue, request(), T0)) == ["b0"]
    assert bodies(await storage.receive(queue, request(), T0 + 10 * S)) == ["a0", "a1"]


async def test_receive_walks_groups_round_robin(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    await storage.send(queue, [message(f"{g}{i}", g) for i in range(3) for g in "abc"], T0)
    got = []
    for step in range(3):
        batch = await storage.receive(queue, request(max_messages=3), T0 + step)
        assert len({m.group_id for m in batch}) == 1  # as many from one group as it can
        got += bodies(batch)
    assert sorted(got) == sorted(f"{g}{i}" for i in range(3) for g in "abc")


# ------------------------------------------------------------------------------------ receive attempts


async def test_attempt_retry_returns_same_messages_and_handles(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    await storage.send(queue, [message("a0", "a"), message("a1", "a"), message("b0", "b")], T0)
    first = await storage.receive(queue, request(attempt="x"), T0)
    await storage.send(queue, [message("c0", "c")], T0 + S)
    retry = await storage.receive(queue, request(attempt="x", visibility_s=60), T0 + WINDOW - 1)
    assert [(m.message_id, m.receipt_handle) for m in retry] == [(m.message_id, m.receipt_handle) for m in first]
    # The retry reset the visibility timeout: they stay hidden for another 60 s.
    assert bodies(await storage.receive(queue, request(), T0 + WINDOW + 59 * S)) == ["c0"]
    await delete(storage, queue, retry, T0 + WINDOW + 59 * S)  # the retried handles still work


async def test_attempt_window_edge(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    await storage.send(queue, [message("a0", "a")], T0)
    (first,) = await storage.receive(queue, request(attempt="x"), T0)
    (again,) = await storage.receive(queue, request(attempt="x"), T0 + 30 * S)
    assert again.receipt_handle == first.receipt_handle
    # Exactly 5 minutes after the attempt, it is forgotten: a fresh receive, new handle.
    (fresh,) = await storage.receive(queue, request(attempt="x"), T0 + WINDOW)
    assert fresh.receipt_handle != first.receipt_handle and fresh.receive_count == 2


async def test_attempt_retry_after_delete_or_visibility_change(storage: SqliteStorage) -> None:
    queue = await fifo_queue(storage)
    await storage.send(queue, [message(f"a{i}", "a") for i in range(3)], T0)
    first = await storage.receive(queue, request(max_messages=2, attempt="x"), T0)
    await delete(storage, queue, first[:1], T0 + S)
    assert await storage.receive(queue, request(max_messages=2, attempt="x"), T0 + 2 * S) == []  # a1 blocks

    other = await fifo_queue(storage, "other.fifo")
    await storage.send(other, [message("b0", "b"), message("b1", "b")], T0)
    first = await storage.receive(other, request(attempt="y"), T0)
    assert await storage.change_visibility(other, [VisibilityChange(first[1].receipt_handle, 60 * S)], T0 + S) == [
        None
    ]
    retry = await storage.receive(other, request(attempt="y"), T0 + 2 * S)
    assert retry == []  # not the old set; b1 is still in flight so b stays blocked
    assert await storage.change_visibility(other, [VisibilityChange(first[1].receipt_handle, 0)], T0 + 3 * S) == [
        None
    ]
    retry = await storage.receive(other, request(attempt="y"), T0 + 31 * S)
    assert bodies(retry) == ["b0", "b1"]
    assert {m.receipt_handle for m in retry}.isdisjoint(m.receipt_handle for m in first)


async def test_attempt_ids_are_per_queue(storage: SqliteStorage) -> None:
    a = await fifo_queue(storage, "a.fifo")
    b = await fifo_queue(storage, "b.fifo")
    await storage.send(a, [message("x")], T0)
    await storage.send(b, [message("y")], T0)
    assert bodies(await storage.receive(a, request(attempt="same"), T0)) == ["x"]
    assert bodies(await storage.receive(b, request(attempt="same"), T0)) == ["y"]
