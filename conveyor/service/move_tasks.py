"""Message move tasks (dead-letter queue redrive): start, list, cancel, and the runner behind them.

A task moves the messages its source DLQ held when it started, oldest first, in steps that
are each one storage transaction (moved messages and the task's count change together, so a
crash mid-task loses or doubles nothing; the task resumes at the next start). With
MaxNumberOfMessagesPerSecond the runner paces itself on the injected clock — after n
messages it waits until n / rate seconds past its start — so tests drive the rate by moving
the clock. Without it, steps of ``_FAST_STEP`` messages follow each other, yielding to the
event loop in between so requests keep being served.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from typing import Any

from conveyor.errors import InvalidParameterValue, ResourceNotFound, UnsupportedOperation
from conveyor.model.types import MoveTask
from conveyor.service.base import ActionGroup
from conveyor.service.context import RequestContext
from conveyor.service.dead_letters import targets_queue
from conveyor.service.params import optional_int, required_str

log = logging.getLogger(__name__)

_FAST_STEP = 500
_PACED_STEP_MAX = 100
_ACTIVE = ("RUNNING", "CANCELLING")


class MoveTaskActions(ActionGroup):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._runners: dict[str, asyncio.Task[None]] = {}

    async def start_message_move_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        source_arn = required_str(params, "SourceArn")
        source = await self.queue_by_arn(source_arn)
        if source is None:
            raise ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
        if not await self._is_dead_letter_queue(source_arn, source.account_id):
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        destination_arn = params.get("DestinationArn")
        if destination_arn is not None:
            destination = await self.queue_by_arn(required_str(params, "DestinationArn"))
            if destination is None:
                raise ResourceNotFound(
                    "The resource that you specified for the DestinationArn parameter doesn't exist."
                )
            if destination.fifo != source.fifo:
                raise InvalidParameterValue("The source queue and destination queue must be of the same queue type.")
        rate = optional_int(params, "MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= rate <= 500:
            raise InvalidParameterValue(
                f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. "
                "Reason: Must be between 1 and 500."
            )
        if any(task.status in _ACTIVE for task in await self.storage.move_tasks(source_arn, 10)):
            raise UnsupportedOperation(
                "There is already a task running. Only one active task is allowed for a source queue arn at a "
                "given time."
            )
        task = await self.storage.start_move_task(source, source_arn, destination_arn, rate, self.clock.now())
        self._launch(task)
        return {"TaskHandle": _handle(task)}

    async def list_message_move_tasks(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        source_arn = required_str(params, "SourceArn")
        if await self.queue_by_arn(source_arn) is None:
            raise ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
        max_results = optional_int(params, "MaxResults")
        if max_results is not None and not 1 <= max_results <= 10:
            raise InvalidParameterValue(
                f"Value {max_results} for parameter MaxResults is invalid. Reason: Must be between 1 and 10."
            )
        tasks = await self.storage.move_tasks(source_arn, max_results or 1)
        return {"Results": [_render(task) for task in tasks]}

    async def cancel_message_move_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        task_id = _task_id(required_str(params, "TaskHandle"))
        task = await self.storage.get_move_task(task_id) if task_id else None
        if task is None:
            raise ResourceNotFound("The resource that you specified for the TaskHandle parameter doesn't exist.")
        if task.status != "RUNNING":
            raise UnsupportedOperation("Only active tasks can be cancelled.")
        await self.storage.finish_move_task(task, "CANCELLING")
        return {"ApproximateNumberOfMessagesMoved": task.moved}

    async def resume(self) -> None:
        """After a restart: finish what was being cancelled, carry on with what was running."""
        for task in await self.storage.active_move_tasks():
            if task.status == "CANCELLING":
                await self.storage.finish_move_task(task, "CANCELLED")
            else:
                self._launch(task)

    async def stop(self) -> None:
        runners = list(self._runners.values())
        for runner in runners:
            runner.cancel()
        await asyncio.gather(*runners, return_exceptions=True)

    def _launch(self, task: MoveTask) -> None:
        runner = asyncio.get_running_loop().create_task(self._run(task), name=f"move-task-{task.task_id}")
        self._runners[task.task_id] = runner
        runner.add_done_callback(lambda _: self._runners.pop(task.task_id, None))

    async def _run(self, task: MoveTask) -> None:
        started, moved_at_start = self.clock.now(), task.moved
        try:
            while True:
                current = await self.storage.get_move_task(task.task_id)
                if current is None or current.status == "CANCELLING":
                    await self.storage.finish_move_task(task, "CANCELLED")
                    return
                limit = _FAST_STEP if task.max_rate is None else min(task.max_rate, _PACED_STEP_MAX)
                step = await self.storage.move_step(task, limit, self.clock.now())
                if step.moved:
                    self.waiters.notify_every_queue()
                if step.missing_destination is not None:
                    await self.storage.finish_move_task(task, "FAILED", "AWS.SimpleQueueService.NonExistentQueue")
                    return
                if step.exhausted:
                    await self.storage.finish_move_task(task, "COMPLETED")
                    return
                if task.max_rate is None:
                    await asyncio.sleep(0)
                else:
                    await self._sleep_until(started + (task.moved - moved_at_start) * 1000 // task.max_rate)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("message move task %s failed", task.task_id)
            await self.storage.finish_move_task(task, "FAILED", "InternalError")

    async def _sleep_until(self, when: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        timer = self.clock.call_at(when, lambda: future.done() or future.set_result(None))
        try:
            await future
        finally:
            timer.cancel()

    async def _is_dead_letter_queue(self, arn: str, account_id: str) -> bool:
        queues = await self.storage.list_queues(account_id, "", None, 100_000)
        return any(targets_queue(queue, arn) for queue in queues)


def _handle(task: MoveTask) -> str:
    payload = json.dumps({"taskId": task.task_id, "sourceArn": task.source_arn}, separators=(",", ":"))
    return base64.b64encode(payload.encode("utf-8")).decode("ascii")


def _task_id(handle: str) -> str | None:
    try:
        payload = json.loads(base64.b64decode(handle.encode("ascii"), validate=True))
    except (UnicodeError, binascii.Error, ValueError):
        return None
    task_id = payload.get("taskId") if isinstance(payload, dict) else None
    return task_id if isinstance(task_id, str) else None


def _render(task: MoveTask) -> dict[str, Any]:
    result: dict[str, Any] = {
        "Status": task.status,
        "SourceArn": task.source_arn,
        "ApproximateNumberOfMessagesMoved": task.moved,
        "ApproximateNumberOfMessagesToMove": task.to_move,
        "StartedTimestamp": task.started_at,
    }
    if task.status == "RUNNING":
        result["TaskHandle"] = _handle(task)
    if task.destination_arn is not None:
        result["DestinationArn"] = task.destination_arn
    if task.max_rate is not None:
        result["MaxNumberOfMessagesPerSecond"] = task.max_rate
    if task.failure_reason is not None:
        result["FailureReason"] = task.failure_reason
    return result
