"""Lambda's rules for what a handler's outcome means for the messages of its batch.

Pure functions: the poller applies the :class:`Outcome` with DeleteMessageBatch and
ChangeMessageVisibilityBatch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MAX_RETRY_AFTER = 43_200  # SQS's visibility ceiling


@dataclass
class Outcome:
    """Which message ids to delete and which to keep (to be retried), and why the batch failed."""

    delete: list[str]
    keep: list[str]
    retry_after: dict[str, int] = field(default_factory=dict)  # extension: id → visibility seconds
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def whole_batch_failed(ids: list[str], reason: str) -> Outcome:
    return Outcome(delete=[], keep=list(ids), error=reason)


def interpret(
    ids: list[str],
    response: Any,
    *,
    error: str | None = None,
    report_batch_item_failures: bool = False,
) -> Outcome:
    """``response`` is the handler's return value after a JSON round trip; ``error`` an exception or timeout."""
    if error is not None:
        return whole_batch_failed(ids, error)
    if not report_batch_item_failures:
        return Outcome(delete=list(ids), keep=[])
    return _partial(ids, response)


def _partial(ids: list[str], response: Any) -> Outcome:
    if response is None or response == {}:
        return Outcome(delete=list(ids), keep=[])
    if not isinstance(response, dict):
        # Lambda treats a non-object response from a ReportBatchItemFailures function as success.
        return Outcome(delete=list(ids), keep=[])
    failures = response.get("batchItemFailures")
    if failures is None:
        return Outcome(delete=list(ids), keep=[])
    if not isinstance(failures, list):
        return whole_batch_failed(ids, "batchItemFailures is not a list")
    known = set(ids)
    kept: set[str] = set()
    retry_after: dict[str, int] = {}
    for item in failures:
        reason = _invalid_item(item, known)
        if reason:
            return whole_batch_failed(ids, reason)
        kept.add(item["itemIdentifier"])
        if "retryAfterSeconds" in item:
            retry_after[item["itemIdentifier"]] = item["retryAfterSeconds"]
    return Outcome(
        delete=[i for i in ids if i not in kept],
        keep=[i for i in ids if i in kept],
        retry_after=retry_after,
    )


def _invalid_item(item: Any, known: set[str]) -> str | None:
    if not isinstance(item, dict) or "itemIdentifier" not in item:
        return f"batchItemFailures entry without itemIdentifier: {item!r}"
    extra = set(item) - {"itemIdentifier", "retryAfterSeconds"}
    if extra:
        return f"batchItemFailures entry with unknown key(s) {sorted(extra)}"
    identifier = item["itemIdentifier"]
    if not isinstance(identifier, str) or not identifier:
        return f"batchItemFailures entry with an empty or null itemIdentifier: {identifier!r}"
    if identifier not in known:
        return f"batchItemFailures names {identifier!r}, which is not in the batch"
    if "retryAfterSeconds" in item:
        seconds = item["retryAfterSeconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_RETRY_AFTER:
            return f"retryAfterSeconds must be an integer 0..{MAX_RETRY_AFTER}, got {seconds!r}"
    return None


def serialize_response(response: Any) -> str:
    """What the function returns crosses a process boundary as JSON, as in Lambda; may raise."""
    return json.dumps(response, allow_nan=False)


def fifo_holdbacks(ids: list[str], groups: dict[str, str], outcome: Outcome) -> tuple[Outcome, list[str]]:
    """A FIFO failure blocks its group: later messages of a failed group are neither deleted nor
    left to wait out their timeout. Returns the adjusted outcome and ids to put back (visibility 0)."""
    if outcome.failed:
        return outcome, []
    failed_groups: set[str] = set()
    put_back: list[str] = []
    kept = set(outcome.keep)
    for message_id in ids:
        group = groups.get(message_id)
        if message_id in kept:
            failed_groups.add(group or "")
        elif (group or "") in failed_groups:
            put_back.append(message_id)
    if not put_back:
        return outcome, []
    held = set(put_back)
    adjusted = Outcome(
        delete=[i for i in outcome.delete if i not in held],
        keep=outcome.keep + put_back,
        retry_after=outcome.retry_after,
    )
    return adjusted, put_back
