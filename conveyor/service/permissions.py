"""AddPermission and RemovePermission: both edit statements of the queue's Policy attribute.

Enforcement belongs to authentication; here the policy is only written, as SQS writes it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from conveyor.errors import InvalidParameterValue, MissingParameter
from conveyor.model.types import QueueRecord
from conveyor.service.base import ActionGroup
from conveyor.service.context import RequestContext
from conveyor.service.params import required_str, str_list

_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_GRANTABLE = {
    "*",
    "ChangeMessageVisibility",
    "DeleteMessage",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "PurgeQueue",
    "ReceiveMessage",
    "SendMessage",
    "ListQueueTags",
}
_MAX_STATEMENTS = 20


class PermissionActions(ActionGroup):
    async def add_permission(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        label = _label(params)
        accounts = _non_empty(params, "AWSAccountIds")
        actions = _non_empty(params, "Actions")
        for account in accounts:
            if not _ACCOUNT.match(account):
                raise InvalidParameterValue(
                    f"Value [{account}] for parameter PrincipalId is invalid. Reason: Unable to verify."
                )
        for action in actions:
            if action not in _GRANTABLE:
                raise InvalidParameterValue(f"Value SQS:{action} for parameter ActionName is invalid. "
                                            "Reason: Please refer to the appropriate WSDL for a list of valid actions.")
        policy = self._policy(queue)
        statements: list[dict[str, Any]] = policy["Statement"]
        if any(statement.get("Sid") == label for statement in statements):
            raise InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: Already exists.")
        if len(statements) >= _MAX_STATEMENTS:
            raise InvalidParameterValue("Too many statements in the queue policy.")
        statements.append({
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in accounts]},
            "Action": [f"SQS:{action}" for action in actions],
            "Resource": self.queue_arn(queue),
        })
        await self._save(queue, policy)
        return {}

    async def remove_permission(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        queue = await self.queue_from(params, ctx)
        label = required_str(params, "Label")
        policy = self._policy(queue)
        kept = [statement for statement in policy["Statement"] if statement.get("Sid") != label]
        if len(kept) == len(policy["Statement"]):
            raise InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: can't find label.")
        policy["Statement"] = kept
        await self._save(queue, policy if kept else None)
        return {}

    def _policy(self, queue: QueueRecord) -> dict[str, Any]:
        text = queue.attributes.get("Policy")
        if text:
            policy = json.loads(text)
            policy.setdefault("Statement", [])
            if isinstance(policy["Statement"], dict):
                policy["Statement"] = [policy["Statement"]]
            return policy
        return {"Version": "2012-10-17", "Id": f"{self.queue_arn(queue)}/SQSDefaultPolicy", "Statement": []}

    async def _save(self, queue: QueueRecord, policy: dict[str, Any] | None) -> None:
        attributes = dict(queue.attributes)
        if policy is None:
            attributes.pop("Policy", None)
        else:
            attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        await self.storage.update_queue(queue, self.clock.now(), attributes=attributes)


def _label(params: dict[str, Any]) -> str:
    label = required_str(params, "Label")
    if not _LABEL.match(label):
        raise InvalidParameterValue(
            f"Value {label} for parameter Label is invalid. Reason: Must be up to 80 alphanumeric characters, "
            "hyphens (-), or underscores (_)."
        )
    return label


def _non_empty(params: dict[str, Any], name: str) -> list[str]:
    values = str_list(params, name)
    if not values:
        raise MissingParameter(f"The request must contain the parameter {name}.")
    return values
