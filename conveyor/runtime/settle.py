"""Applying an invocation's result to its batch on the queue: one rule, used by every runner."""

from __future__ import annotations

from typing import Any

from conveyor.runtime import sqs
from conveyor.runtime.results import Outcome, fifo_holdbacks, interpret


def settle(
    client: Any, queue_url: str, fifo: bool, messages: list[dict[str, Any]], response: Any, error: str | None,
    *, report_batch_item_failures: bool,
) -> Outcome:
    """Delete what Lambda's rules delete, retry what they keep; returns the outcome applied.

    On a FIFO queue a failure holds back the rest of its group: those messages are put back
    at once (visibility 0) instead of waiting out their timeout.
    """
    ids = [m["MessageId"] for m in messages]
    handles = {m["MessageId"]: m["ReceiptHandle"] for m in messages}
    outcome = interpret(ids, response, error=error, report_batch_item_failures=report_batch_item_failures)
    put_back: list[str] = []
    if fifo:
        groups = {m["MessageId"]: m.get("Attributes", {}).get("MessageGroupId", "") for m in messages}
        outcome, put_back = fifo_holdbacks(ids, groups, outcome)
    if outcome.delete:
        sqs.delete(client, queue_url, [handles[i] for i in outcome.delete])
    visibility = {handles[i]: seconds for i, seconds in outcome.retry_after.items()}
    visibility.update({handles[i]: 0 for i in put_back})
    if visibility:
        sqs.change_visibility(client, queue_url, visibility)
    return outcome
