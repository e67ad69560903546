"""The function runtime: every mapping of a config, started, stopped and changed while running."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import boto3
from botocore.config import Config

from conveyor.clock import SystemClock
from conveyor.runtime import sqs
from conveyor.runtime.mapping import EventSourceMapping, MappingError
from conveyor.runtime.poller import MappingRunner, Options

log = logging.getLogger("conveyor.runtime")
DEFAULT_ENDPOINT = "http://127.0.0.1:9324"


def default_endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL_SQS") or os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT


def sqs_client(endpoint_url: str | None, region: str, pool_size: int = 50) -> Any:
    """A boto3 SQS client; with no credentials configured, placeholder ones (Conveyor ignores them)."""
    session = boto3.session.Session()
    credentials: dict[str, str] = {}
    if session.get_credentials() is None:
        credentials = {"aws_access_key_id": "conveyor", "aws_secret_access_key": "conveyor"}
    config = Config(max_pool_connections=pool_size, retries={"max_attempts": 3, "mode": "standard"},
                    read_timeout=40, connect_timeout=5)
    return session.client("sqs", endpoint_url=endpoint_url, region_name=region, config=config, **credentials)


class NotFound(KeyError):
    """No mapping of that name."""


class FunctionRuntime:
    """Owns one :class:`MappingRunner` per enabled mapping; all methods are thread-safe."""

    def __init__(self, mappings: list[EventSourceMapping], endpoint_url: str | None = None,
                 options: Options | None = None) -> None:
        self.endpoint_url = endpoint_url or default_endpoint()
        self.options = options or Options()
        self.clock = self.options.clock or SystemClock()
        self._mappings = {m.name: m.validate() for m in mappings}
        self._runners: dict[str, MappingRunner] = {}
        self._lock = threading.RLock()

    def start(self) -> FunctionRuntime:
        with self._lock:
            for mapping in self._mappings.values():
                if mapping.enabled:
                    self._start_runner(mapping)
        return self

    def _start_runner(self, mapping: EventSourceMapping) -> None:
        client = sqs_client(self.endpoint_url, self.options.region, min(mapping.max_concurrency, 200) + 5)
        try:
            queue = sqs.resolve_queue(client, mapping.queue)
        except Exception as exc:
            raise MappingError("queue", f"cannot use queue {mapping.queue!r}: {exc}") from None
        if queue.fifo and mapping.batch_size > 10:
            raise MappingError("batch_size", "must be between 1 and 10 for a FIFO queue")
        runner = MappingRunner(mapping, client, queue, self.options, self.clock)
        runner.start()
        self._runners[mapping.name] = runner
        log.info("%s: polling %s with %s", mapping.name, queue.url, mapping.handler)

    def stop(self) -> None:
        with self._lock:
            runners, self._runners = list(self._runners.values()), {}
        for runner in runners:
            runner.stop()
        for runner in runners:
            runner.pool.close()

    def __enter__(self) -> FunctionRuntime:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- management -----------------------------------------------------------------------
    def _get(self, name: str) -> EventSourceMapping:
        if name not in self._mappings:
            raise NotFound(name)
        return self._mappings[name]

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self.describe(name) for name in self._mappings]

    def describe(self, name: str) -> dict[str, Any]:
        with self._lock:
            mapping = self._get(name)
            runner = self._runners.get(name)
            entry: dict[str, Any] = {"mapping": mapping.to_dict(), "state": "Enabled" if runner else "Disabled"}
            if runner:
                entry["stats"] = runner.stats.snapshot()
                entry["stats"]["lanes"] = runner.lanes
                entry["stats"]["warm_workers"] = runner.pool.idle
                entry["queue_url"] = runner.queue.url
            return entry

    def add(self, mapping: EventSourceMapping) -> dict[str, Any]:
        with self._lock:
            if mapping.name in self._mappings:
                raise MappingError("name", f"a function named {mapping.name!r} already exists")
            mapping.validate()
            if mapping.enabled:
                self._start_runner(mapping)
            self._mappings[mapping.name] = mapping
            return self.describe(mapping.name)

    def update(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            mapping = self._get(name).updated(changes)
            runner = self._runners.get(name)
            if runner and not mapping.enabled:
                self._stop_runner(name)
            elif runner and {"handler", "memory", "provisioned", "timeout"} & set(changes):
                runner.mapping.check_queue(runner.queue.visibility_timeout)
                mapping.check_queue(runner.queue.visibility_timeout)
                self._stop_runner(name)  # a new code/config version gets fresh workers
                self._start_runner(mapping)
            elif runner:
                runner.update(mapping)
            elif mapping.enabled:
                self._start_runner(mapping)
            self._mappings[name] = mapping
            return self.describe(name)

    def enable(self, name: str) -> dict[str, Any]:
        return self.update(name, {"enabled": True})

    def disable(self, name: str) -> dict[str, Any]:
        return self.update(name, {"enabled": False})

    def delete(self, name: str) -> None:
        with self._lock:
            self._get(name)
            if name in self._runners:
                self._stop_runner(name)
            del self._mappings[name]

    def _stop_runner(self, name: str) -> None:
        runner = self._runners.pop(name)
        runner.close()
