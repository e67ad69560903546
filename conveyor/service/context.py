"""What the action layer knows about the request that carried an action."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class RequestContext:
    request_id: str
    host: str  # the Host header as sent ("localhost:9324"); queue URLs are built from it
    scheme: str = "http"
    account_id: str = "000000000000"  # the caller's account (fixed until authentication exists)
    sender_id: str = "AIDAIT2UOQQY3AUEKVGXU"  # reported as the SenderId system attribute
    path: str = "/"  # request path, for query requests sent to a queue URL
