"""Queue names, queue URLs and queue ARNs.

Routing is by account and name only, never by host: clients behind proxies, in containers,
or rebuilding URLs from ARNs must all reach the same queue.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from conveyor.errors import InvalidAddress, InvalidParameterValue, MissingParameter, QueueDoesNotExist
from conveyor.model import limits

__all__ = ["parse_queue_arn", "parse_queue_url", "queue_arn", "validate_queue_name"]

_BASE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_STANDARD_NAME_ERROR = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
_FIFO_NAME_ERROR = (
    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
    "must end with .fifo suffix and be 1 to 80 in length."
)


def validate_queue_name(name: str | None) -> bool:
    """Check a queue name for CreateQueue/GetQueueUrl; returns whether it names a FIFO queue."""
    if name is None:
        raise MissingParameter("The request must contain the parameter QueueName.")
    if name == "":
        raise InvalidParameterValue(
            "Value for parameter QueueName is invalid. Reason: Must specify a queue name."
        )
    fifo = name.endswith(limits.FIFO_SUFFIX)
    base = name[: -len(limits.FIFO_SUFFIX)] if fifo else name
    if len(name) > limits.MAX_QUEUE_NAME_LENGTH or not _BASE_NAME.fullmatch(base):
        raise InvalidParameterValue(_FIFO_NAME_ERROR if fifo else _STANDARD_NAME_ERROR)
    return fifo


def is_valid_queue_name(name: str) -> bool:
    """Quiet form of :func:`validate_queue_name`, for lookups that answer QueueDoesNotExist."""
    base = name[: -len(limits.FIFO_SUFFIX)] if name.endswith(limits.FIFO_SUFFIX) else name
    return len(name) <= limits.MAX_QUEUE_NAME_LENGTH and _BASE_NAME.fullmatch(base) is not None


def parse_queue_url(url: str | None) -> tuple[str, str]:
    """Return ``(account_id, queue_name)`` from a queue URL, whatever its host.

    The last two path segments are ``<account>/<name>`` (so prefixed paths such as
    ``/queue/<region>/<account>/<name>`` work too). A bare name, or a URL whose path has a
    single segment, yields ``("", name)``: the caller substitutes the requester's account.
    """
    if url is None or url == "":
        raise MissingParameter("The request must contain the parameter QueueUrl.")
    if "/" not in url:
        return "", _checked_name(url)
    parts = urlsplit(url)
    if not parts.scheme and not url.startswith("/"):
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if not segments:
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    if len(segments) == 1:
        return "", _checked_name(segments[0])
    return segments[-2], _checked_name(segments[-1])


def _checked_name(name: str) -> str:
    if not is_valid_queue_name(name):
        raise QueueDoesNotExist()
    return name


def queue_arn(region: str, account: str, name: str) -> str:
    """ARN of a queue in the ``aws`` partition."""
    return f"arn:aws:sqs:{region}:{account}:{name}"


def parse_queue_arn(arn: str | None, *, parameter: str = "QueueArn") -> tuple[str, str, str]:
    """Return ``(region, account, name)`` of an SQS queue ARN; any partition is accepted."""
    pieces = arn.split(":") if isinstance(arn, str) else []
    if (
        len(pieces) != 6
        or pieces[0] != "arn"
        or not pieces[1]
        or pieces[2] != "sqs"
        or not all(pieces[3:])
    ):
        raise InvalidParameterValue(
            f"You must use this format to specify the {parameter}: "
            "arn:<partition>:<service>:<region>:<account-id>:<resource-id>"
        )
    return pieces[3], pieces[4], pieces[5]
