"""Request-level rules shared by the three batch actions.

These failures reject the whole request; per-entry problems (a bad body, an unknown receipt
handle) are reported in the response's ``Failed`` list by the action layer instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from conveyor.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    MissingParameter,
    TooManyEntriesInBatchRequest,
)
from conveyor.model import limits

__all__ = ["check_batch_size", "validate_batch_entries"]

_ENTRY_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{limits.MAX_BATCH_ENTRY_ID_LENGTH}}}")


def validate_batch_entries(
    entries: Sequence[Mapping[str, Any]] | None,
    max_entries: int = limits.MAX_BATCH_ENTRIES,
    *,
    entry_name: str = "Entries",
) -> None:
    """Presence, count, id syntax and id uniqueness, checked in that order as SQS does.

    ``entry_name`` is the request's entry shape (e.g. ``SendMessageBatchRequestEntry``) and
    only shapes the EmptyBatchRequest message.
    """
    if entries is None:
        raise MissingParameter("The request must contain the parameter Entries.")
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {entry_name} in the request.")
    if len(entries) > max_entries:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {max_entries}. You have sent {len(entries)}."
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id") if isinstance(entry, Mapping) else None
        if not isinstance(entry_id, str) or not _ENTRY_ID.fullmatch(entry_id):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long."
            )
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)


def check_batch_size(total_bytes: int, max_bytes: int = limits.MAX_BATCH_BYTES) -> None:
    """The sum of every entry's message size must fit in one request (1 MiB)."""
    if total_bytes > max_bytes:
        raise BatchRequestTooLong(
            f"Batch requests cannot be longer than {max_bytes} bytes. You have sent {total_bytes} bytes."
        )
