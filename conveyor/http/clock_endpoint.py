"""Time travel over HTTP: lets tests in any language move a server's manual clock.

``GET /_conveyor/clock`` answers ``{"now": <epoch ms>}``; ``POST /_conveyor/clock`` with
``{"advance": <seconds>}`` moves the clock forward (never back) and answers the new time.
Visibility timeouts, delays, retention, dedup windows, long polls and move-task pacing all
follow. The server mounts it only when started with ``--time-travel``.
"""

from __future__ import annotations

import json
import math

from conveyor.clock import ManualClock
from conveyor.http.types import Handler, HttpRequest, HttpResponse

PATH = "/_conveyor/clock"


def clock_routes(clock: ManualClock) -> dict[tuple[str, str], Handler]:
    async def read(request: HttpRequest) -> HttpResponse:
        return _answer(200, {"now": clock.now()})

    async def advance(request: HttpRequest) -> HttpResponse:
        try:
            seconds = json.loads(request.body or b"{}").get("advance")
        except (ValueError, AttributeError):
            seconds = None
        valid = isinstance(seconds, int | float) and not isinstance(seconds, bool)
        if not valid or not math.isfinite(seconds) or seconds < 0:
            return _answer(400, {"error": 'expected a JSON body {"advance": <non-negative seconds>}'})
        clock.advance(seconds)
        return _answer(200, {"now": clock.now()})

    return {("GET", PATH): read, ("POST", PATH): advance}


def _answer(status: int, payload: dict[str, object]) -> HttpResponse:
    return HttpResponse(status, json.dumps(payload).encode("utf-8"), "application/json")
