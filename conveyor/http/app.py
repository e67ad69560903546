"""The HTTP application: pick the protocol a request speaks, run the action, answer in kind.

A request with ``X-Amz-Target`` speaks JSON 1.0; one carrying ``Action`` (form body or query
string) speaks the query protocol.  Anything else is a liveness probe or a stray request.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from conveyor.errors import InternalError, InvalidAction, SqsError
from conveyor.http.types import Handler, HttpRequest, HttpResponse
from conveyor.protocol import Dispatch
from conveyor.protocol.json_codec import decode_json_request, encode_json_error, encode_json_result
from conveyor.protocol.query_codec import (
    decode_query_request,
    encode_query_error,
    encode_query_result,
    parse_form,
)
from conveyor.service.context import RequestContext

log = logging.getLogger(__name__)

_OK = HttpResponse(200, b"ok")
_INTERNAL_MESSAGE = "We encountered an internal error. Please try again."


def _new_request_id() -> str:
    return str(uuid.uuid4())


def _context(request: HttpRequest, request_id: str) -> RequestContext:
    headers = request.headers
    scheme = headers.get("x-forwarded-proto", "http").split(",")[0].strip() or "http"
    return RequestContext(request_id=request_id, host=headers.get("host", ""), scheme=scheme, path=request.path)


async def _run(dispatch: Dispatch, action: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    """Call the action layer; anything that is not an SqsError becomes a logged InternalError."""
    try:
        return await dispatch(action, params, ctx)
    except SqsError:
        raise
    except Exception as exc:
        log.exception("action %s failed (request %s)", action, ctx.request_id)
        raise InternalError(_INTERNAL_MESSAGE) from exc


def make_app(
    dispatch: Dispatch,
    *,
    request_id_factory: Callable[[], str] = _new_request_id,
    routes: dict[tuple[str, str], Handler] | None = None,
) -> Handler:
    """Build the request handler for :func:`conveyor.http.server.start_server`.

    ``routes`` maps (method, path) to extra handlers (Conveyor's own endpoints, such as the
    test clock); SQS requests never reach them.
    """
    extra = routes or {}

    async def handle_json(request: HttpRequest) -> HttpResponse:
        request_id = request_id_factory()
        try:
            action, params = decode_json_request(request)
            result = await _run(dispatch, action, params, _context(request, request_id))
        except SqsError as error:
            return encode_json_error(error, request_id)
        return encode_json_result(result, request_id)

    async def handle_query(request: HttpRequest, form: dict[str, str]) -> HttpResponse:
        request_id = request_id_factory()
        ctx = _context(request, request_id)
        try:
            action, params = decode_query_request(form, scheme=ctx.scheme, host=ctx.host, path=request.path)
            result = await _run(dispatch, action, params, ctx)
        except SqsError as error:
            return encode_query_error(error, request_id)
        return encode_query_result(action, result, request_id)

    async def handle(request: HttpRequest) -> HttpResponse:
        if "x-amz-target" in request.headers:
            return await handle_json(request)
        route = extra.get((request.method, request.path))
        if route is not None:
            return await route(request)
        form = parse_form(request)
        if "Action" in form:
            return await handle_query(request, form)
        if request.method in ("GET", "HEAD"):
            return _OK  # liveness: GET /health, or a browser poking at the endpoint
        request_id = request_id_factory()
        return encode_query_error(InvalidAction("The request must contain the parameter Action."), request_id)

    return handle
