"""Helpers shared by the runtime tests (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import json
import pathlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from conveyor.runtime.mapping import EventSourceMapping
from conveyor.runtime.poller import Options
from conveyor.runtime.runtime import FunctionRuntime

HERE = pathlib.Path(__file__).resolve().parent
HANDLERS = HERE / "handlers"
SEEDS = HERE / "seed_handlers"


def fast_options(task_root: pathlib.Path = HANDLERS, **overrides: Any) -> Options:
    settings: dict[str, Any] = {"wait_time_seconds": 1, "supervise_interval": 0.05, "backlog_interval": 0.5,
                                "task_root": str(task_root)}
    settings.update(overrides)
    return Options(**settings)


def wait_for(condition: Callable[[], Any], timeout: float = 15, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def invocations(probe_dir: pathlib.Path) -> list[dict[str, Any]]:
    """Every probe invocation written so far, in the order they happened."""
    entries = [json.loads(p.read_text()) for p in probe_dir.glob("*.json")]
    return sorted(entries, key=lambda e: e["time"])


def stats(runtime: FunctionRuntime, name: str) -> dict[str, Any]:
    return runtime.describe(name)["stats"]


def queue_counts(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    a = attributes["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def mapping(queue_url: str, handler: str, **settings: Any) -> EventSourceMapping:
    settings.setdefault("name", "fn-" + uuid.uuid4().hex[:8])
    return EventSourceMapping(queue=queue_url, handler=handler, **settings)


@contextlib.contextmanager
def running(endpoint_url: str, *mappings: EventSourceMapping, **options: Any) -> Iterator[FunctionRuntime]:
    with FunctionRuntime(list(mappings), endpoint_url, fast_options(**options)) as runtime:
        yield runtime
