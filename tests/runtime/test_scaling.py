"""Lambda's scaling ramp, on an accelerated (manual) clock."""

from __future__ import annotations

from conveyor.clock import ManualClock
from conveyor.runtime.scaling import Scaler


def test_ramp_starts_at_five_then_adds_per_minute_up_to_the_maximum() -> None:
    clock = ManualClock()
    scaler = Scaler(max_concurrency=50, clock=clock, rate_per_minute=300)
    assert scaler.desired() == 1  # idle: one poller
    scaler.observe(10)
    assert scaler.desired() == 5
    clock.advance(6)  # 300/min → +30 in 6 s
    assert scaler.desired() == 35
    clock.advance(60)
    assert scaler.desired() == 50  # MaximumConcurrency


def test_no_growth_while_idle_and_scale_down_on_empty_receives() -> None:
    clock = ManualClock()
    scaler = Scaler(max_concurrency=1000, clock=clock, rate_per_minute=60)
    scaler.observe(10, requested=10)
    clock.advance(10)
    assert scaler.desired() == 15
    scaler.observe(0)
    clock.advance(600)
    assert scaler.desired() == 15  # no backlog, no growth
    assert scaler.retire(active=15)
    assert scaler.desired() == 14
    assert not scaler.retire(active=1)  # one poller always stays


def test_max_concurrency_change_applies_at_once() -> None:
    clock = ManualClock()
    scaler = Scaler(max_concurrency=100, clock=clock)
    scaler.observe(10, requested=10)
    clock.advance(10)
    assert scaler.desired() == 55
    scaler.max_concurrency = 2
    assert scaler.desired() == 2


def test_partial_receives_start_concurrency_but_do_not_ramp() -> None:
    """A receive that got fewer messages than it asked for found the queue drained: no backlog."""
    clock = ManualClock()
    scaler = Scaler(max_concurrency=100, clock=clock, rate_per_minute=300)
    scaler.observe(5, requested=10)
    assert scaler.desired() == 5
    clock.advance(60)
    assert scaler.desired() == 5
    scaler.observe(10, requested=10)
    clock.advance(2)
    assert scaler.desired() == 15
