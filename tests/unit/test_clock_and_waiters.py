"""The manual clock fires timers when moved, across threads; waiters wake on notify or on time."""

from __future__ import annotations

import asyncio
import threading

from conveyor.clock import ManualClock, SystemClock
from conveyor.service.waiters import Waiters


async def test_manual_clock_fires_due_timers_in_order_and_skips_cancelled() -> None:
    clock = ManualClock(start=0)
    fired: list[str] = []
    clock.call_at(2000, lambda: fired.append("b"))
    clock.call_at(1000, lambda: fired.append("a"))
    clock.call_at(1500, lambda: fired.append("cancelled")).cancel()
    clock.advance(1.0)
    await asyncio.sleep(0)
    assert fired == ["a"] and clock.now() == 1000
    clock.advance(5)
    await asyncio.sleep(0)
    assert fired == ["a", "b"]


async def test_manual_clock_advanced_from_another_thread_wakes_this_loop() -> None:
    clock = ManualClock(start=0)
    woke = asyncio.Event()
    clock.call_at(10_000, woke.set)
    threading.Thread(target=clock.advance, args=(10,)).start()
    await asyncio.wait_for(woke.wait(), timeout=5)
    assert clock.now() == 10_000


async def test_timer_already_due_fires_soon() -> None:
    clock = ManualClock(start=5000)
    fired = asyncio.Event()
    clock.call_at(4000, fired.set)
    await asyncio.wait_for(fired.wait(), timeout=1)


async def test_system_clock_timer_fires() -> None:
    clock = SystemClock()
    fired = asyncio.Event()
    clock.call_at(clock.now() + 20, fired.set)
    await asyncio.wait_for(fired.wait(), timeout=2)


async def test_waiters_wake_by_count_oldest_first_then_by_time() -> None:
    clock = ManualClock(start=0)
    waiters = Waiters(clock)
    first = asyncio.create_task(waiters.wait(1, until=60_000))
    second = asyncio.create_task(waiters.wait(1, until=60_000))
    other_queue = asyncio.create_task(waiters.wait(2, until=30_000))
    await asyncio.sleep(0)
    waiters.notify(1, count=1)
    assert await asyncio.wait_for(first, 1) is True
    assert not second.done()
    clock.advance(30)
    assert await asyncio.wait_for(other_queue, 1) is False
    assert not second.done()
    clock.advance(30)
    assert await asyncio.wait_for(second, 1) is False


async def test_closed_waiters_wake_everyone_and_never_sleep_again() -> None:
    waiters = Waiters(ManualClock(start=0))
    sleeping = asyncio.create_task(waiters.wait(7, until=10**12))
    await asyncio.sleep(0)
    waiters.close()
    assert await asyncio.wait_for(sleeping, 1) is True
    assert await asyncio.wait_for(waiters.wait(7, until=10**12), 1) is False
