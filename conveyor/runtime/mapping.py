"""An event source mapping (queue → function) and Lambda's validation of it.

Errors name the field and the reason, like Lambda's InvalidParameterValueException. The TOML
config file (``[[functions]]`` entries) is read here too, into the same objects.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conveyor.runtime.filters import FilterError, FilterSet

MAX_TIMEOUT = 900
MAX_HEARTBEAT_TIMEOUT = 43_200  # the opt-in heartbeat extension keeps messages invisible up to SQS's 12 h
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HANDLER = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


class MappingError(ValueError):
    """An invalid mapping setting: ``field`` names the setting."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass
class EventSourceMapping:
    """One function bound to one queue, with Lambda's ESM settings (TOML names in comments)."""

    name: str  # name
    queue: str  # queue: name, URL or ARN
    handler: str  # handler: "module:function" (Lambda's "module.function" accepted)
    batch_size: int = 10  # batch_size
    batching_window: float = 0  # batching_window (MaximumBatchingWindowInSeconds)
    report_batch_item_failures: bool = False  # report_batch_item_failures (FunctionResponseTypes)
    max_concurrency: int = 1000  # max_concurrency (ScalingConfig.MaximumConcurrency)
    timeout: float = 3  # timeout (function timeout, seconds)
    filters: list[Any] = field(default_factory=list)  # filters (FilterCriteria patterns)
    enabled: bool = True  # enabled
    memory: int = 128  # memory (MB; reported to the function, not enforced)
    heartbeat: bool = False  # heartbeat: extension, extend visibility while the function runs
    provisioned: int = 0  # provisioned: pre-warmed workers (provisioned concurrency)

    def __post_init__(self) -> None:
        if ":" not in self.handler and "." in self.handler:
            module, _, function = self.handler.rpartition(".")
            self.handler = f"{module}:{function}"

    @property
    def fifo(self) -> bool:
        return self.queue.rstrip("/").endswith(".fifo")

    @property
    def max_messages_per_receive(self) -> int:
        return min(10, self.batch_size)

    def validate(self) -> EventSourceMapping:
        _check(bool(_NAME.match(self.name)), "name", "1..64 of letters, digits, '-' and '_'")
        _check(bool(self.queue.strip()), "queue", "a queue name, URL or ARN is required")
        _check(bool(_HANDLER.match(self.handler)), "handler", f"expected 'module:function', got {self.handler!r}")
        _integer(self.batch_size, "batch_size", 1, 10 if self.fifo else 10_000,
                 " for a FIFO queue" if self.fifo else "")
        _number(self.batching_window, "batching_window", 0, 300)
        if self.batch_size > 10:
            _check(self.batching_window >= 1, "batching_window",
                   "must be at least 1 second when batch_size is greater than 10")
        _integer(self.max_concurrency, "max_concurrency", 2, 1000)
        limit = MAX_HEARTBEAT_TIMEOUT if self.heartbeat else MAX_TIMEOUT
        hint = "" if self.heartbeat else " (set heartbeat = true for longer functions)"
        _number(self.timeout, "timeout", 1, limit, hint)
        _integer(self.memory, "memory", 128, 10_240)
        _integer(self.provisioned, "provisioned", 0, self.max_concurrency)
        for flag in ("report_batch_item_failures", "enabled", "heartbeat"):
            _check(isinstance(getattr(self, flag), bool), flag, "must be true or false")
        try:
            FilterSet(self.filters)
        except FilterError as exc:
            raise MappingError("filters", str(exc)) from None
        return self

    def check_queue(self, visibility_timeout: int) -> None:
        """Lambda refuses a function timeout longer than the queue's visibility timeout."""
        if not self.heartbeat and self.timeout > visibility_timeout:
            raise MappingError("timeout", f"function timeout {self.timeout:g} s exceeds the queue's "
                                          f"VisibilityTimeout of {visibility_timeout} s")

    def updated(self, changes: dict[str, Any]) -> EventSourceMapping:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)} or set(changes) & {"name", "queue"}
        if unknown:
            raise MappingError(sorted(unknown)[0], "cannot be updated")
        return dataclasses.replace(self, **changes).validate()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, entry: dict[str, Any], where: str = "function") -> EventSourceMapping:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(entry) - names)
        if unknown:
            raise MappingError(unknown[0], f"unknown setting in {where}")
        for required in ("name", "queue", "handler"):
            if not isinstance(entry.get(required), str):
                raise MappingError(required, f"a string is required in {where}")
        return cls(**entry).validate()


def _check(ok: bool, field_name: str, reason: str) -> None:
    if not ok:
        raise MappingError(field_name, reason)


def _integer(value: Any, field_name: str, low: int, high: int, suffix: str = "") -> None:
    _check(isinstance(value, int) and not isinstance(value, bool), field_name, f"must be an integer, got {value!r}")
    _check(low <= value <= high, field_name, f"must be between {low} and {high}{suffix}, got {value}")


def _number(value: Any, field_name: str, low: float, high: float, suffix: str = "") -> None:
    _check(isinstance(value, int | float) and not isinstance(value, bool), field_name,
           f"must be a number, got {value!r}")
    _check(low <= value <= high, field_name, f"must be between {low:g} and {high:g} seconds{suffix}, got {value:g}")


def load_functions(path: str | Path) -> tuple[dict[str, Any], list[EventSourceMapping]]:
    """Read ``[runtime]`` settings and ``[[functions]]`` mappings from a TOML file."""
    with open(path, "rb") as handle:
        document = tomllib.load(handle)
    entries = document.get("functions", [])
    if not isinstance(entries, list):
        raise MappingError("functions", "expected [[functions]] tables")
    mappings = [EventSourceMapping.from_dict(dict(e), f"functions[{i}]") for i, e in enumerate(entries)]
    names = [m.name for m in mappings]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise MappingError("name", f"two functions are named {duplicate!r}")
    settings = document.get("runtime", {})
    return (settings if isinstance(settings, dict) else {}), mappings
