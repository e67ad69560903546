"""The storage contract: queue semantics every backend must keep, driven with explicit times."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from conveyor.errors import InvalidParameterValue, MessageNotInflight, OverLimit, ReceiptHandleIsInvalid
from conveyor.model.queue_attributes import defaults_for
from conveyor.model.types import NewMessage, QueueRecord, ReceiveRequest, VisibilityChange
from conveyor.storage.base import Storage
from conveyor.storage.sqlite import SqliteStorage

T0 = 1_700_000_000_000
S = 1000  # one second in ms


@pytest.fixture(params=["sqlite-file", "sqlite-memory"])
def make_storage(request: pytest.FixtureRequest, tmp_path) -> Callable[[], Storage]:
    path = str(tmp_path / "store.db") if request.param == "sqlite-file" else ":memory:"
    return lambda: SqliteStorage(path)


@pytest.fixture
async def storage(make_storage) -> AsyncIterator[Storage]:
    store = make_storage()
    await store.open()
    yield store
    await store.close()


async def new_queue(storage: Storage, name: str = "q", **attributes: str) -> QueueRecord:
    queue, created = await storage.create_queue("000000000000", name, {**defaults_for(False), **attributes}, {}, T0)
    assert created
    return queue


def message(body: str = "hello", delay_ms: int = 0) -> NewMessage:
    return NewMessage(message_id=str(uuid.uuid4()), body=body, md5_of_body="x", delay_ms=delay_ms, sender_id="me")


def receive_request(max_messages: int = 10, visibility_s: int = 30) -> ReceiveRequest:
    return ReceiveRequest(max_messages=max_messages, visibility_ms=visibility_s * S, retention_ms=345_600 * S)


async def test_create_is_idempotent_and_lists_by_prefix(storage: Storage) -> None:
    first = await new_queue(storage, "orders")
    again, created = await storage.create_queue("000000000000", "orders", {}, {}, T0)
    assert not created and again.queue_id == first.queue_id
    await new_queue(storage, "orders-dlq")
    await new_queue(storage, "invoices")
    names = [q.name for q in await storage.list_queues("000000000000", "orders", None, 10)]
    assert names == ["orders", "orders-dlq"]
    page = await storage.list_queues("000000000000", "", "invoices", 1)
    assert [q.name for q in page] == ["orders"]
    assert await storage.list_queues("111111111111", "", None, 10) == []


async def test_receive_hides_message_until_visibility_timeout(storage: Storage) -> None:
    queue = await new_queue(storage)
    sent = await storage.send(queue, [message("a")], T0)
    (first,) = await storage.receive(queue, receive_request(visibility_s=30), T0)
    assert first.message_id == sent[0].message_id and first.body == "a"
    assert first.receive_count == 1 and first.first_receive_at == T0 and first.sent_at == T0
    assert await storage.receive(queue, receive_request(), T0 + 29 * S) == []
    (second,) = await storage.receive(queue, receive_request(), T0 + 30 * S)
    assert second.receive_count == 2 and second.first_receive_at == T0
    assert second.receipt_handle != first.receipt_handle


async def test_stale_receipt_handle_does_not_delete_a_redelivered_message(storage: Storage) -> None:
    queue = await new_queue(storage)
    await storage.send(queue, [message()], T0)
    (old,) = await storage.receive(queue, receive_request(visibility_s=1), T0)
    (new,) = await storage.receive(queue, receive_request(visibility_s=30), T0 + 2 * S)
    assert await storage.delete(queue, [old.receipt_handle], T0 + 3 * S) == [None]
    stats = await storage.queue_stats(queue, T0 + 3 * S)
    assert stats.in_flight == 1
    assert await storage.delete(queue, [new.receipt_handle], T0 + 3 * S) == [None]
    assert (await storage.queue_stats(queue, T0 + 3 * S)).in_flight == 0
    assert await storage.receive(queue, receive_request(), T0 + 100 * S) == []


async def test_malformed_or_foreign_receipt_handles_are_invalid(storage: Storage) -> None:
    queue = await new_queue(storage, "a")
    other = await new_queue(storage, "b")
    await storage.send(other, [message()], T0)
    (received,) = await storage.receive(other, receive_request(), T0)
    results = await storage.delete(queue, ["garbage", received.receipt_handle], T0)
    assert all(isinstance(r, ReceiptHandleIsInvalid) for r in results)
    assert (await storage.queue_stats(other, T0)).in_flight == 1


async def test_delay_keeps_message_hidden_and_counts_it_delayed(storage: Storage) -> None:
    queue = await new_queue(storage)
    await storage.send(queue, [message("later", delay_ms=10 * S), message("now")], T0)
    stats = await storage.queue_stats(queue, T0)
    assert (stats.visible, stats.delayed, stats.in_flight) == (1, 1, 0)
    assert [m.body for m in await storage.receive(queue, receive_request(), T0)] == ["now"]
    assert await storage.next_visible_at(queue, T0) == T0 + 10 * S
    assert [m.body for m in await storage.receive(queue, receive_request(), T0 + 10 * S)] == ["later"]


async def test_retention_drops_unreceived_messages(storage: Storage) -> None:
    queue = await new_queue(storage, MessageRetentionPeriod="60")
    await storage.send(queue, [message("old")], T0)
    await storage.send(queue, [message("young")], T0 + 30 * S)
    assert (await storage.queue_stats(queue, T0 + 60 * S)).visible == 1
    assert await storage.oldest_message_age(queue, T0 + 60 * S) == 30 * S
    assert [m.body for m in await storage.receive(queue, receive_request(), T0 + 60 * S)] == ["young"]


async def test_change_visibility_rules(storage: Storage) -> None:
    queue = await new_queue(storage)
    await storage.send(queue, [message()], T0)
    (m,) = await storage.receive(queue, receive_request(visibility_s=30), T0)
    assert await storage.change_visibility(queue, [VisibilityChange(m.receipt_handle, 100 * S)], T0 + 10 * S) == [None]
    assert await storage.receive(queue, receive_request(), T0 + 60 * S) == []
    (too_long,) = await storage.change_visibility(queue, [VisibilityChange(m.receipt_handle, 43_200 * S)], T0 + 20 * S)
    assert isinstance(too_long, InvalidParameterValue)
    assert await storage.change_visibility(queue, [VisibilityChange(m.receipt_handle, 0)], T0 + 20 * S) == [None]
    (not_inflight,) = await storage.change_visibility(queue, [VisibilityChange(m.receipt_handle, 5 * S)], T0 + 21 * S)
    assert isinstance(not_inflight, MessageNotInflight)
    (again,) = await storage.receive(queue, receive_request(), T0 + 21 * S)
    (stale,) = await storage.change_visibility(queue, [VisibilityChange(m.receipt_handle, 5 * S)], T0 + 22 * S)
    assert isinstance(stale, InvalidParameterValue)
    assert again.receive_count == 2


async def test_receive_respects_max_and_hands_each_message_once(storage: Storage) -> None:
    queue = await new_queue(storage)
    await storage.send(queue, [message(str(i)) for i in range(25)], T0)
    seen: list[str] = []
    for _ in range(3):
        batch = await storage.receive(queue, receive_request(max_messages=10), T0)
        assert len(batch) <= 10
        seen += [m.body for m in batch]
    assert sorted(seen, key=int) == [str(i) for i in range(25)]
    assert await storage.receive(queue, receive_request(), T0) == []


async def test_purge_and_delete_queue(storage: Storage) -> None:
    queue = await new_queue(storage)
    await storage.send(queue, [message(), message()], T0)
    await storage.purge_queue(queue, T0 + S)
    assert (await storage.queue_stats(queue, T0 + S)).visible == 0
    assert (await storage.get_queue("000000000000", "q")).purged_at == T0 + S  # type: ignore[union-attr]
    await storage.send(queue, [message()], T0 + 2 * S)
    await storage.delete_queue(queue, T0 + 3 * S)
    assert await storage.get_queue("000000000000", "q") is None
    assert await storage.last_deleted_at("000000000000", "q") == T0 + 3 * S
    recreated = await new_queue(storage)
    assert recreated.queue_id != queue.queue_id
    assert await storage.receive(recreated, receive_request(), T0 + 4 * S) == []


async def test_concurrent_sends_are_all_committed(storage: Storage) -> None:
    queue = await new_queue(storage)
    await asyncio.gather(*(storage.send(queue, [message(f"{i}-{j}") for j in range(10)], T0) for i in range(50)))
    assert (await storage.queue_stats(queue, T0)).visible == 500


async def test_update_queue_keeps_attributes_and_tags(storage: Storage) -> None:
    queue = await new_queue(storage)
    updated = await storage.update_queue(queue, T0 + S, attributes={**queue.attributes, "DelaySeconds": "5"},
                                         tags={"team": "a"})
    assert updated.attributes["DelaySeconds"] == "5" and updated.tags == {"team": "a"}
    assert updated.modified_at == T0 + S
    fetched = await storage.get_queue("000000000000", "q")
    assert fetched is not None and fetched.attributes["DelaySeconds"] == "5" and fetched.tags == {"team": "a"}


async def test_file_store_survives_reopen_with_in_flight_messages(tmp_path) -> None:
    path = str(tmp_path / "durable.db")
    first = SqliteStorage(path)
    await first.open()
    queue = await new_queue(first)
    await first.send(queue, [message("kept"), message("in-flight")], T0)
    await first.receive(queue, receive_request(max_messages=1, visibility_s=60), T0)
    await first.close()
    second = SqliteStorage(path)
    await second.open()
    reopened = await second.get_queue("000000000000", "q")
    assert reopened is not None and reopened.queue_id == queue.queue_id
    stats = await second.queue_stats(reopened, T0 + S)
    assert (stats.visible, stats.in_flight) == (1, 1)
    bodies = sorted(m.body for m in await second.receive(reopened, receive_request(), T0 + 60 * S))
    assert bodies == ["in-flight", "kept"]
    await second.close()


async def test_receive_refuses_past_the_in_flight_limit(tmp_path) -> None:
    storage = SqliteStorage(str(tmp_path / "limit.db"), max_in_flight=15)
    await storage.open()
    queue = await new_queue(storage)
    await storage.send(queue, [message(str(i)) for i in range(30)], T0)
    assert len(await storage.receive(queue, receive_request(max_messages=10), T0)) == 10
    assert len(await storage.receive(queue, receive_request(max_messages=10), T0)) == 10
    with pytest.raises(OverLimit):
        await storage.receive(queue, receive_request(max_messages=10), T0)
    again = await storage.receive(queue, receive_request(max_messages=10), T0 + 30 * S)  # none in flight now
    assert len(again) == 10
    await storage.close()
