"""The two SQS wire protocols (JSON 1.0 and query/XML) in front of one action layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from conveyor.service.context import RequestContext

Dispatch = Callable[[str, dict[str, Any], RequestContext], Awaitable[dict[str, Any]]]
"""The action layer: (action name, params in the JSON protocol's shape, context) -> result."""

__all__ = ["Dispatch"]
