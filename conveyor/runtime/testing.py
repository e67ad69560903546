"""Test a Lambda handler in a few lines: run its event source mapping once, in-process.

    from conveyor.runtime.testing import run_function

    run = run_function("orders:handler", queue_url, report_batch_item_failures=True)
    assert run.kept == [bad_id]

:func:`run_function` drains what is visible on a queue through the runtime's own pieces (the
mapping's validation, Lambda's event and context, filters, the result rules) and reports each
invocation: the event the handler got, what it returned or raised, which messages were deleted
and which were kept. Like the rest of :mod:`conveyor.runtime` it is only an SQS client, so it
works against an embedded :class:`~conveyor.testing.ConveyorServer` or any SQS endpoint.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conveyor.runtime import sqs
from conveyor.runtime.context import FunctionIdentity, LambdaContext, lambda_environment
from conveyor.runtime.event import build_event, build_record, record_size, region_of
from conveyor.runtime.filters import FilterSet
from conveyor.runtime.invoker import Invocation
from conveyor.runtime.mapping import EventSourceMapping, MappingError
from conveyor.runtime.poller import MAX_PAYLOAD
from conveyor.runtime.results import serialize_response
from conveyor.runtime.runtime import default_endpoint, sqs_client
from conveyor.runtime.settle import settle
from conveyor.runtime.worker import _load, error_payload

__all__ = ["FunctionInvocation", "FunctionRun", "run_function"]

Handler = Callable[[dict[str, Any], Any], Any]
_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_UNBOUNDED_TIMEOUT = 900.0  # what the context reports when timeout=None


@dataclass
class FunctionInvocation:
    """One call of the handler and what Lambda's rules made of it."""

    event: dict[str, Any]  # exactly what the handler was given
    context: LambdaContext
    response: Any = None  # the return value after its JSON round trip, as Lambda sees it
    exception: BaseException | None = None  # what the handler raised (the real object, traceback included)
    error: dict[str, Any] | None = None  # Lambda's error payload: errorType, errorMessage, stackTrace
    duration_ms: float = 0.0
    deleted: list[str] = field(default_factory=list)  # message ids the result rules deleted
    kept: list[str] = field(default_factory=list)  # message ids left on the queue for a retry
    failure: str | None = None  # why the result rules failed the whole batch, if they did

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self.event["Records"])

    @property
    def message_ids(self) -> list[str]:
        return [r["messageId"] for r in self.event["Records"]]

    @property
    def bodies(self) -> list[str]:
        return [r["body"] for r in self.event["Records"]]

    @property
    def failed(self) -> bool:
        """The whole batch failed: the handler raised, timed out, or returned an invalid response."""
        return self.failure is not None


@dataclass
class FunctionRun:
    """Everything one :func:`run_function` call did, in order."""

    queue_url: str
    invocations: list[FunctionInvocation] = field(default_factory=list)
    filtered: list[str] = field(default_factory=list)  # message ids no filter matched (Lambda deletes them)
    drained: bool = False  # False when max_invocations stopped the run before the queue came back empty

    def _all(self, attribute: str) -> list[Any]:
        return [item for invocation in self.invocations for item in getattr(invocation, attribute)]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [i.event for i in self.invocations]

    @property
    def records(self) -> list[dict[str, Any]]:
        return self._all("records")

    @property
    def bodies(self) -> list[str]:
        return self._all("bodies")

    @property
    def message_ids(self) -> list[str]:
        return self._all("message_ids")

    @property
    def responses(self) -> list[Any]:
        return [i.response for i in self.invocations]

    @property
    def exceptions(self) -> list[BaseException]:
        return [i.exception for i in self.invocations if i.exception is not None]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [i.error for i in self.invocations if i.error is not None]

    @property
    def deleted(self) -> list[str]:
        return self._all("deleted")

    @property
    def kept(self) -> list[str]:
        return self._all("kept")

    @property
    def failed(self) -> bool:
        return any(i.failed for i in self.invocations)

    def raise_errors(self) -> FunctionRun:
        """Re-raise the first exception a handler raised, so a test fails with its traceback."""
        if self.exceptions:
            raise self.exceptions[0]
        return self


def run_function(
    handler: Handler | str,
    queue: str,
    *,
    endpoint_url: str | None = None,
    batch_size: int = 10,
    report_batch_item_failures: bool = False,
    filters: list[Any] | None = None,
    timeout: float | None = 3,
    memory: int = 128,
    name: str | None = None,
    task_root: str | os.PathLike[str] | None = None,
    region: str | None = None,
    max_invocations: int = 1000,
    set_lambda_env: bool = True,
) -> FunctionRun:
    """Run one event source mapping over what is visible on ``queue`` now, then return.

    ``handler`` is a callable ``(event, context)`` or ``"module:function"`` (imported with
    ``task_root``, default the current directory, at the front of ``sys.path``). ``queue`` is a
    name, URL or ARN. The endpoint is ``endpoint_url``, else the queue URL's own origin, else
    ``$AWS_ENDPOINT_URL_SQS`` (which the pytest plugin sets). The settings are the mapping's,
    checked as ``conveyor functions run`` checks them, including the queue's visibility timeout.

    The handler is called **in this process, on this thread**, so breakpoints, ``monkeypatch``
    and mocks reach it. What differs from the isolated worker processes of ``conveyor functions
    run``:

    * batches run one at a time, with no scaling; a batch closes when full or when nothing more
      is visible (no long polling, no batching window), and the run ends at the first empty
      receive. Messages that become visible during the run (``retryAfterSeconds: 0``, a short
      visibility timeout on the system clock) are delivered again, up to ``max_invocations``;
    * an overrun cannot be stopped: an invocation that took longer than ``timeout`` counts as
      ``Sandbox.Timedout`` once it returns (its messages are kept). ``timeout=None`` never times
      out, for stepping through in a debugger;
    * a handler that exits the process (``os._exit``, a crash) takes the test run with it;
      ``SystemExit`` counts as a failed invocation, as in a worker, ``KeyboardInterrupt`` stops;
    * module state is the test's own: nothing is re-imported, no cold starts, no log formatting;
    * Lambda's reserved environment variables (``AWS_LAMBDA_FUNCTION_NAME``...) are set for the
      run and restored after it (``set_lambda_env=False`` leaves the environment alone).

    The return value still goes through JSON, as in Lambda, before the result rules read it.
    """
    function, spec = _resolve_handler(handler, task_root)
    client = sqs_client(endpoint_url or _origin(queue) or default_endpoint(),
                        region or os.environ.get("AWS_REGION") or "us-east-1")
    info = sqs.resolve_queue(client, queue)
    mapping = EventSourceMapping(
        name=name or _default_name(spec), queue=info.url, handler=spec, batch_size=batch_size,
        batching_window=1 if batch_size > 10 else 0,  # validation wants one; a drain never waits it out
        report_batch_item_failures=report_batch_item_failures, filters=list(filters or []),
        timeout=3 if timeout is None else timeout, memory=memory,
    ).validate()
    if info.fifo and batch_size > 10:  # a queue named by ARN or name: its type is known only now
        raise MappingError("batch_size", "must be between 1 and 10 for a FIFO queue")
    if timeout is not None:
        mapping.check_queue(info.visibility_timeout)
    identity = FunctionIdentity(mapping.name, mapping.handler, mapping.memory, region_of(info.arn) or "us-east-1")
    drain = _Drain(client, info, mapping, FilterSet(mapping.filters))
    run = FunctionRun(queue_url=info.url)
    environment = lambda_environment(identity, os.path.abspath(task_root or os.getcwd())) if set_lambda_env else {}
    with _patched_environ(environment):
        while len(run.invocations) < max_invocations:
            messages = drain.next_batch(run)
            if not messages:
                run.drained = True
                break
            run.invocations.append(drain.invoke(function, identity, messages, timeout))
    return run


class _Drain:
    """Gathers batches and settles them with the runtime's rules (one thread, one batch at a time)."""

    def __init__(self, client: Any, queue: sqs.QueueInfo, mapping: EventSourceMapping, filters: FilterSet) -> None:
        self.client, self.queue, self.mapping, self.filters = client, queue, mapping, filters

    def next_batch(self, run: FunctionRun) -> list[dict[str, Any]]:
        """Up to batch_size messages (and 6 MB); an empty list once nothing is visible."""
        batch: list[dict[str, Any]] = []
        size = 0
        while len(batch) < self.mapping.batch_size:
            want = min(10, self.mapping.batch_size - len(batch))
            received = sqs.receive(self.client, self.queue.url, want, 0)
            if not received:
                break
            matching = self._filter(received, run)
            for index, message in enumerate(matching):
                added = record_size(build_record(message, self.queue.arn))
                if batch and size + added > MAX_PAYLOAD:  # the rest waits for the next batch
                    rest = {m["ReceiptHandle"]: 0 for m in matching[index:]}
                    sqs.change_visibility(self.client, self.queue.url, rest)
                    return batch
                batch.append(message)
                size += added
        return batch

    def _filter(self, messages: list[dict[str, Any]], run: FunctionRun) -> list[dict[str, Any]]:
        if not self.filters:
            return messages
        matching = [m for m in messages if self.filters.matches(m["Body"])]
        dropped = [m for m in messages if m not in matching]
        if dropped:  # Lambda deletes what no pattern matches
            sqs.delete(self.client, self.queue.url, [m["ReceiptHandle"] for m in dropped])
            run.filtered.extend(m["MessageId"] for m in dropped)
        return matching

    def invoke(self, function: Handler, identity: FunctionIdentity, messages: list[dict[str, Any]],
               timeout: float | None) -> FunctionInvocation:
        event = build_event([build_record(m, self.queue.arn) for m in messages])
        request_id = str(uuid.uuid4())
        limit = _UNBOUNDED_TIMEOUT if timeout is None else timeout
        context = LambdaContext(identity, request_id, time.time() + limit)
        result = Invocation(request_id)
        exception: BaseException | None = None
        started = time.monotonic()
        try:
            response = function(event, context)
        except (Exception, SystemExit) as exc:  # the function's failure, reported as a worker reports it
            exception, result.error = exc, error_payload(exc)
        else:
            try:
                result.response = _round_trip(response)
            except (TypeError, ValueError) as exc:
                exception, result.error = exc, error_payload(exc, "Runtime.MarshalError")
        elapsed = time.monotonic() - started
        result.duration_ms = round(elapsed * 1000, 1)
        if timeout is not None and elapsed > timeout:  # Lambda would have stopped it at the deadline
            result.response = None
            result.error = {"errorType": "Sandbox.Timedout",
                            "errorMessage": f"Task timed out after {timeout:.2f} seconds"}
        invocation = FunctionInvocation(event=event, context=context, response=result.response, exception=exception,
                                        error=result.error, duration_ms=result.duration_ms)
        self._settle(messages, result, invocation)
        return invocation

    def _settle(self, messages: list[dict[str, Any]], result: Invocation, invocation: FunctionInvocation) -> None:
        """Apply Lambda's result rules (and FIFO group blocking) to the batch, as the poller does."""
        outcome = settle(self.client, self.queue.url, self.queue.fifo, messages, result.response, result.error_text,
                         report_batch_item_failures=self.mapping.report_batch_item_failures)
        invocation.deleted, invocation.kept = list(outcome.delete), list(outcome.keep)
        invocation.failure = outcome.error


def _round_trip(response: Any) -> Any:
    return json.loads(serialize_response(response))


def _resolve_handler(handler: Handler | str, task_root: str | os.PathLike[str] | None) -> tuple[Handler, str]:
    """The callable, and the ``module:function`` spelling the mapping and ``_HANDLER`` use."""
    if isinstance(handler, str):
        # the mapping's own check of the spelling (module.function is accepted too), before importing
        spec = EventSourceMapping(name="x", queue="x", handler=handler).validate().handler
        root = os.path.abspath(task_root or os.getcwd())
        added = root not in sys.path
        if added:
            sys.path.insert(0, root)
        try:
            return _load(spec), spec
        finally:
            if added:
                sys.path.remove(root)
    if not callable(handler):
        raise TypeError(f"handler must be a callable or 'module:function', not {handler!r}")
    module = getattr(handler, "__module__", None) or "handler"
    function = getattr(handler, "__name__", "")
    return handler, f"{module}:{function if function.isidentifier() else 'handler'}"


def _default_name(spec: str) -> str:
    """The function name ``conveyor functions run`` would pick: the handler's module."""
    module = spec.partition(":")[0].rsplit(".", 1)[-1]
    return _NOT_NAME.sub("-", module).strip("-")[:64] or "function"


def _origin(queue: str) -> str | None:
    if not queue.startswith(("http://", "https://")):
        return None
    parts = urlsplit(queue)
    return f"{parts.scheme}://{parts.netloc}"


@contextmanager
def _patched_environ(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
