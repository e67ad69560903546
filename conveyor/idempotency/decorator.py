"""``@idempotent``: run a handler once per key, hand later duplicates the stored result.

The first call claims the key with an in-progress record that expires (a crashed run must not
block its key for ever), runs, then stores the JSON result for ``ttl`` seconds. A duplicate that
arrives meanwhile either waits for the outcome or raises :class:`IdempotencyInProgressError`; a
consumer such as the Worker then leaves the message to be retried later. A run that raises removes
its claim, so the retry runs for real. Under a consumer's heartbeat the claim is renewed with the
message's visibility, so a long job keeps its key as long as it keeps its message.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

from conveyor.clock import SystemClock
from conveyor.idempotency.context import MessageContext, current_message_context
from conveyor.idempotency.keys import KeySource, key_source, key_text
from conveyor.idempotency.sqlite_store import SQLiteStore
from conveyor.idempotency.store import IdempotencyStore, Status

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_DB_ENV = "CONVEYOR_IDEMPOTENCY_DB"
_default_stores: dict[Path, SQLiteStore] = {}


class Now(Protocol):
    def now(self) -> int:
        """Epoch milliseconds."""
        ...


class IdempotencyInProgressError(RuntimeError):
    """Another call with the same key is running (or crashed and its claim has not expired yet)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"a call with idempotency key {key!r} is already in progress")
        self.key = key


def _sqlite_store(path: str | os.PathLike[str]) -> SQLiteStore:
    resolved = Path(path).resolve()
    if resolved not in _default_stores:
        _default_stores[resolved] = SQLiteStore(resolved)
    return _default_stores[resolved]


def _subject_parameter(func: Callable[..., Any], arg: str | None) -> tuple[inspect.Signature, str | None]:
    signature = inspect.signature(func)
    if arg is not None:
        if arg not in signature.parameters:
            raise TypeError(f"{func!r} has no parameter {arg!r}")
        return signature, arg
    return signature, next((name for name in signature.parameters if name not in ("self", "cls")), None)


def idempotent(
    store: IdempotencyStore | str | os.PathLike[str] | None = None,
    key: str | KeySource = "message_id",
    *,
    ttl: float = 3600.0,
    in_progress_ttl: float = 60.0,
    wait: bool = False,
    wait_timeout: float = 30.0,
    poll_interval: float = 0.05,
    clock: Now | None = None,
    namespace: str | None = None,
    arg: str | None = None,
    serialize: Callable[[Any], str] = json.dumps,
    deserialize: Callable[[str], Any] = json.loads,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a function idempotent.

    ``store``: a store, or a SQLite file path (default: ``$CONVEYOR_IDEMPOTENCY_DB`` or
    ``idempotency.sqlite3``, opened on first call). ``key``: ``"message_id"``, ``"dedup_id"``, a
    JMESPath expression over the JSON payload, or a callable of the subject argument (``arg``, by
    default the first parameter other than ``self``/``cls``). ``ttl`` keeps results, ``in_progress_ttl``
    bounds how long a crashed run blocks its key (seconds). ``wait`` makes concurrent duplicates wait
    up to ``wait_timeout`` for the first call's outcome instead of raising. Keys are scoped by
    ``namespace`` (default: the function's module and qualified name).
    """
    source = key_source(key)
    now_source = clock or SystemClock()

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature, subject_name = _subject_parameter(func, arg)
        name = getattr(func, "__qualname__", type(func).__qualname__)  # callable objects have no own name
        scope = namespace or f"{func.__module__}.{name}"
        resolved: list[IdempotencyStore] = []

        def get_store() -> IdempotencyStore:
            if not resolved:
                if store is None:
                    resolved.append(_sqlite_store(os.environ.get(DEFAULT_DB_ENV, "idempotency.sqlite3")))
                elif isinstance(store, str | os.PathLike):
                    resolved.append(_sqlite_store(store))
                else:
                    resolved.append(store)
            return resolved[0]

        def claim_duration_ms(context: MessageContext | None) -> int:
            visibility = context.visibility_timeout if context and context.visibility_timeout else 0
            return round(max(in_progress_ttl, visibility) * 1000)

        def run(backend: IdempotencyStore, full_key: str, token: str, context: MessageContext | None,
                args: Any, kwargs: Any) -> R:
            def renew() -> None:  # runs on the consumer's heartbeat thread, hence the captured context
                now = now_source.now()
                if not backend.renew(full_key, token, now, now + claim_duration_ms(context)):
                    logger.warning("idempotency claim on %r was lost while its call still runs", full_key)

            if context is not None:
                context.add_renewal(renew)
            try:
                result = func(*args, **kwargs)
                text = serialize(result)
            except BaseException:
                backend.release(full_key, token)
                raise
            finally:
                if context is not None:
                    context.remove_renewal(renew)
            now = now_source.now()
            if not backend.complete(full_key, token, text, now, now + round(ttl * 1000)):
                logger.warning("idempotency claim on %r expired before its call finished; result not stored", full_key)
            return result

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            subject = None
            if subject_name is not None:
                subject = signature.bind_partial(*args, **kwargs).arguments.get(subject_name)
            full_key = f"{scope}:{key_text(source(subject))}"
            backend = get_store()
            context = current_message_context()
            deadline = time.monotonic() + wait_timeout
            while True:
                token = uuid.uuid4().hex
                now = now_source.now()
                found = backend.claim(full_key, token, now, now + claim_duration_ms(context))
                if found is None:
                    return run(backend, full_key, token, context, args, kwargs)
                if found.status is Status.COMPLETED:
                    return deserialize(found.result or "null")
                if not wait or time.monotonic() >= deadline:
                    raise IdempotencyInProgressError(full_key)
                time.sleep(poll_interval)

        return wrapper

    return decorate
