"""``conveyor redrive`` and ``conveyor dlq ls``: dead-letter queues from the operator's side.

Both are plain SQS calls. ``redrive`` is a message move task (StartMessageMoveTask) watched
through ListMessageMoveTasks, so the server does the moving and a killed terminal loses
nothing; Ctrl-C cancels the task rather than leaving it running unseen. ``dlq ls`` finds the
dead-letter queues by reading every queue's RedrivePolicy — one pass over the queues instead of
a ListDeadLetterSourceQueues call per queue.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from conveyor.ops.client import (
    EXPECTED_ERRORS,
    OpsError,
    describe,
    error_code,
    queue_name,
    resolve_queue,
    sqs_client,
)

POLL_SECONDS = 0.25
_FINAL = ("COMPLETED", "CANCELLED", "FAILED")
_EXIT_CANCELLED = 130  # what a shell reports for a command stopped by Ctrl-C


# ------------------------------------------------------------------------------------ redrive


def redrive_command(args: argparse.Namespace) -> int:
    return _reporting_errors(lambda: _redrive(args))


def _redrive(args: argparse.Namespace) -> int:
    sqs = sqs_client(args.endpoint)
    source = resolve_queue(sqs, args.dlq)
    request: dict[str, Any] = {"SourceArn": source.arn}
    target = "their source queues"
    if args.to is not None:
        destination = resolve_queue(sqs, args.to)
        request["DestinationArn"] = destination.arn
        target = destination.name
    if args.rate is not None:
        request["MaxNumberOfMessagesPerSecond"] = args.rate
    handle = sqs.start_message_move_task(**request)["TaskHandle"]
    try:
        task = _watch(sqs, source.arn, f"{source.name} → {target}")
    except KeyboardInterrupt:
        moved = sqs.cancel_message_move_task(TaskHandle=handle).get("ApproximateNumberOfMessagesMoved", 0)
        print(f"conveyor: redrive cancelled after {moved} messages", file=sys.stderr)
        return _EXIT_CANCELLED
    moved, to_move = task.get("ApproximateNumberOfMessagesMoved", 0), task.get("ApproximateNumberOfMessagesToMove", 0)
    if task["Status"] == "COMPLETED":
        print(f"moved {moved} message{'' if moved == 1 else 's'} from {source.name} to {target}")
        return 0
    reason = f": {task['FailureReason']}" if task.get("FailureReason") else ""
    print(f"conveyor: redrive {task['Status'].lower()} after {moved} of {to_move} messages{reason}", file=sys.stderr)
    return 1


def _watch(sqs: Any, source_arn: str, label: str) -> dict[str, Any]:
    """Show the task's progress until it ends; returns its last listing."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=not console.is_terminal) as progress:
        bar = progress.add_task(label, total=None)
        while True:
            task = _newest_task(sqs, source_arn)
            progress.update(bar, completed=task.get("ApproximateNumberOfMessagesMoved", 0),
                            total=task.get("ApproximateNumberOfMessagesToMove") or None)
            if task["Status"] in _FINAL:
                return task
            time.sleep(POLL_SECONDS)


def _newest_task(sqs: Any, source_arn: str) -> dict[str, Any]:
    """Our task: only one may be active per source, so while it runs it is the newest."""
    results = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
    if not results:
        raise OpsError("the move task disappeared from ListMessageMoveTasks")
    return results[0]


# ------------------------------------------------------------------------------------ dlq ls


@dataclass(slots=True)
class DeadLetterQueue:
    """One queue some RedrivePolicy targets; counts are None when the queue no longer exists."""

    name: str
    arn: str
    url: str | None = None
    visible: int | None = None
    in_flight: int | None = None
    sources: list[str] = field(default_factory=list)


def dlq_ls_command(args: argparse.Namespace) -> int:
    def run() -> int:
        queues = dead_letter_queues(sqs_client(args.endpoint))
        if args.json:
            print(json.dumps([asdict(queue) for queue in queues], indent=2))
        else:
            _print_table(queues)
        return 0

    return _reporting_errors(run)


def dead_letter_queues(sqs: Any) -> list[DeadLetterQueue]:
    """Every queue named by a RedrivePolicy, with its depth and the queues that name it, by name."""
    wanted = ["QueueArn", "RedrivePolicy", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    by_arn: dict[str, tuple[str, dict[str, str]]] = {}
    for url in _queue_urls(sqs):
        try:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=wanted).get("Attributes", {})
        except ClientError as exc:
            if error_code(exc) == "AWS.SimpleQueueService.NonExistentQueue":
                continue  # deleted since it was listed
            raise
        by_arn[attributes["QueueArn"]] = (url, attributes)

    found: dict[str, DeadLetterQueue] = {}
    for url, attributes in sorted(by_arn.values(), key=lambda item: item[0]):
        target = _redrive_target(attributes.get("RedrivePolicy"))
        if target is not None:
            found.setdefault(target, DeadLetterQueue(queue_name(target), target)).sources.append(queue_name(url))
    for queue in found.values():
        if queue.arn in by_arn:
            url, attributes = by_arn[queue.arn]
            queue.url = url
            queue.visible = int(attributes.get("ApproximateNumberOfMessages", 0))
            queue.in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
    return sorted(found.values(), key=lambda queue: queue.name)


def _queue_urls(sqs: Any) -> list[str]:
    urls: list[str] = []
    for page in sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 1000}):
        urls.extend(page.get("QueueUrls", []))
    return urls


def _redrive_target(text: str | None) -> str | None:
    if not text:
        return None
    try:
        target = json.loads(text).get("deadLetterTargetArn")
    except (ValueError, AttributeError):
        return None
    return target if isinstance(target, str) else None


def _print_table(queues: list[DeadLetterQueue]) -> None:
    console = Console()
    if not queues:
        console.print("no dead-letter queues")
        return
    table = Table("dead-letter queue", "visible", "in flight", "source queues")
    for queue in queues:
        if queue.url is None:
            table.add_row(queue.name, "-", "-", ", ".join(queue.sources), style="red")
        else:
            table.add_row(queue.name, str(queue.visible), str(queue.in_flight), ", ".join(queue.sources))
    console.print(table)


# ------------------------------------------------------------------------------------ shared


def _reporting_errors(run: Callable[[], int]) -> int:
    """Run a command; anything the server or the network says no with becomes one stderr line."""
    try:
        return run()
    except EXPECTED_ERRORS as exc:
        print(f"conveyor: {describe(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("conveyor: interrupted", file=sys.stderr)
        return _EXIT_CANCELLED
