"""Worker processes: warm starts, timeouts, crashes, provisioned workers."""

from __future__ import annotations

from typing import Any

from conveyor.runtime.context import FunctionIdentity
from conveyor.runtime.invoker import WorkerPool
from tests.runtime.support import HANDLERS


def pool(handler: str, **kwargs: Any) -> WorkerPool:
    return WorkerPool(FunctionIdentity("probe", handler), task_root=str(HANDLERS), **kwargs)


def event(**body: Any) -> dict[str, Any]:
    import json
    return {"Records": [{"messageId": "m1", "body": json.dumps(body)}]}


def test_warm_starts_keep_module_state_and_failures_replace_the_worker(tmp_path: Any) -> None:
    workers = pool("probe:record")
    try:
        first, second = workers.invoke(event(), 5), workers.invoke(event(), 5)
        assert first.init_ms is not None and second.init_ms is None  # cold, then warm
        assert not first.failed and not second.failed
        crashed = workers.invoke(event(do="crash"), 5)
        assert crashed.error["errorType"] == "Runtime.ExitError"
        timed_out = workers.invoke(event(do="sleep", seconds=5), 1)
        assert timed_out.error["errorType"] == "Sandbox.Timedout"
        assert timed_out.duration_ms < 2500
        raised = workers.invoke(event(do="raise"), 5)
        assert raised.error["errorType"] == "RuntimeError" and raised.error["stackTrace"]
        assert not workers.invoke(event(), 5).failed  # the pool carries on
        assert workers.replaced == 2
    finally:
        workers.close()


def test_import_errors_and_unserializable_responses() -> None:
    missing = pool("no_such_module:handler")
    unserializable = pool("probe:unserializable")
    try:
        assert missing.invoke(event(), 5).error["errorType"] == "Runtime.ImportModuleError"
        assert unserializable.invoke(event(), 5).error["errorType"] == "Runtime.MarshalError"
    finally:
        missing.close()
        unserializable.close()


def test_provisioned_workers_are_started_ahead() -> None:
    workers = pool("probe:record", provisioned=2)
    try:
        assert workers.idle == 2
    finally:
        workers.close()
