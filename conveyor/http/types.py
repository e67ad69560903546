"""The plain request and response that pass between the HTTP server and the application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class HttpRequest:
    method: str
    path: str  # URL path only, percent-decoded
    query: str  # raw query string, without '?'
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ', '
    body: bytes
    client: tuple[str, int] | None = None


@dataclass(slots=True)
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "text/plain"
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]
