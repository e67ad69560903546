"""The code that runs inside a worker process: one execution environment of a function.

It imports the handler's module once (the cold start) and then serves invocations over a pipe,
so module-level state survives between invocations (warm starts), as in Lambda. It imports
nothing heavy itself: the handler decides what gets loaded.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from conveyor.runtime.context import FunctionIdentity, LambdaContext
from conveyor.runtime.results import serialize_response


class _RequestIdFilter(logging.Filter):
    """Stamp each log line with the current request id, like Lambda's Python runtime does."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def _install_logging(request_ids: _RequestIdFilter) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(request_ids)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(aws_request_id)s\t%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """Lambda's error shape: errorMessage, errorType, stackTrace."""
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_exception(exc),
    }


def _load(handler: str) -> Any:
    module_name, _, function_name = handler.partition(":")
    module = importlib.import_module(module_name)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise AttributeError(f"handler {function_name!r} missing on module {module_name!r}")
    return function


def serve(conn: Connection, identity: FunctionIdentity, environment: dict[str, str], task_root: str) -> None:
    """Process entry point: init once, then answer ``(request_id, event, deadline)`` requests."""
    os.environ.update(environment)
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    request_ids = _RequestIdFilter()
    _install_logging(request_ids)
    started = time.monotonic()
    try:
        function: Any = _load(identity.handler)
        init_error = None
    except BaseException as exc:  # any import failure is the function's init error
        function, init_error = None, error_payload(exc, "Runtime.ImportModuleError")
    conn.send(("ready", round((time.monotonic() - started) * 1000, 1)))
    while True:
        try:
            request = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        request_id, event, deadline = request
        if init_error is not None:
            conn.send(("error", init_error))
            continue
        request_ids.request_id = request_id
        context = LambdaContext(identity, request_id, deadline)
        try:
            response = function(event, context)
        except BaseException as exc:  # the function's failure is reported, never fatal to the worker
            conn.send(("error", error_payload(exc)))
            continue
        finally:
            request_ids.request_id = ""
        try:
            conn.send(("ok", serialize_response(response)))
        except (TypeError, ValueError) as exc:
            conn.send(("error", error_payload(exc, "Runtime.MarshalError")))
