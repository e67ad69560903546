"""Run a function's handler in worker processes, isolated from the pollers.

Each :class:`Worker` is one execution environment (a "spawn" or "forkserver" process that
imports the handler once). A handler that overruns its timeout, or kills its own process
(``os._exit``, a segfault), fails that invocation only: the worker is discarded and a fresh one
takes its place on the next invocation. :class:`WorkerPool` keeps idle workers warm and can
pre-start some (provisioned concurrency).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from conveyor.runtime.context import FunctionIdentity, lambda_environment
from conveyor.runtime.worker import serve

log = logging.getLogger("conveyor.runtime")
INIT_TIMEOUT = 10.0  # Lambda's init phase limit


@dataclass
class Invocation:
    """What happened to one invocation; ``response`` is the JSON-decoded return value."""

    request_id: str
    response: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    init_ms: float | None = None  # set on a cold start

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def error_text(self) -> str | None:
        if self.error is None:
            return None
        return f"{self.error.get('errorType', 'Error')}: {self.error.get('errorMessage', '')}"


class Worker:
    """One worker process; not thread-safe (the pool hands it to one caller at a time)."""

    def __init__(self, context: Any, identity: FunctionIdentity, environment: dict[str, str], task_root: str) -> None:
        self._conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, identity, environment, task_root),
                                       name=f"fn-{identity.name}", daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.init_ms: float | None = None

    def _wait_ready(self) -> None:
        if self.ready:
            return
        if not self._conn.poll(INIT_TIMEOUT):
            raise TimeoutError(f"worker did not start within {INIT_TIMEOUT:g} s")
        _, self.init_ms = self._conn.recv()
        self.ready = True

    def invoke(self, event: dict[str, Any], timeout: float) -> Invocation:
        request_id = str(uuid.uuid4())
        cold = not self.ready
        try:
            self._wait_ready()
        except (TimeoutError, EOFError, OSError) as exc:
            self.kill()
            return Invocation(request_id, error={"errorType": "Runtime.InitError", "errorMessage": str(exc)})
        started = time.monotonic()
        try:
            self._conn.send((request_id, event, time.time() + timeout))
            if not self._conn.poll(timeout):
                self.kill()
                return Invocation(request_id, duration_ms=_since(started), error={
                    "errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {timeout:.2f} seconds"})
            status, payload = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self.kill()
            return Invocation(request_id, duration_ms=_since(started), error={
                "errorType": "Runtime.ExitError", "errorMessage": f"worker exited with status {code}"})
        result = Invocation(request_id, duration_ms=_since(started), init_ms=self.init_ms if cold else None)
        if status == "ok":
            result.response = json.loads(payload)
        else:
            result.error = payload
        return result

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> int | None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self._conn.close()
        return self.process.exitcode


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


class WorkerPool:
    """Warm workers for one function; grows on demand up to the number of concurrent callers."""

    def __init__(self, identity: FunctionIdentity, *, provisioned: int = 0, task_root: str | None = None,
                 start_method: str = "spawn") -> None:
        self.identity = identity
        self.task_root = os.path.abspath(task_root or os.getcwd())
        self._context = multiprocessing.get_context(start_method)
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self.cold_starts = 0
        self.replaced = 0
        for _ in range(provisioned):
            self._idle.append(self._start(provisioned=True))

    def _start(self, provisioned: bool = False) -> Worker:
        environment = lambda_environment(self.identity, self.task_root, provisioned)
        return Worker(self._context, self.identity, environment, self.task_root)

    def invoke(self, event: dict[str, Any], timeout: float) -> Invocation:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = self._start()
        result = worker.invoke(event, timeout)
        if result.init_ms is not None:
            self.cold_starts += 1
        with self._lock:
            if worker.alive and not self._closed:
                self._idle.append(worker)
                return result
        if worker.alive:
            worker.kill()
        else:
            self.replaced += 1
            log.warning("%s: worker lost (%s); a new one replaces it", self.identity.name, result.error_text)
        return result

    @property
    def idle(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()
