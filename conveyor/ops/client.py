"""The SQS client behind the operator commands, and the few look-ups they all need.

Operator commands are ordinary SQS clients: they talk to a running server through boto3, never
to its store, so they work the same against a remote Conveyor (or Amazon SQS itself). The
endpoint comes from ``--endpoint``, else ``AWS_ENDPOINT_URL_SQS`` (the variable every AWS SDK
reads), else the server's default address. A local server checks no signatures, so when no
credentials are configured anywhere dummy ones are used rather than failing before the request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

DEFAULT_ENDPOINT = "http://127.0.0.1:9324"
DEFAULT_REGION = "us-east-1"
_DUMMY_CREDENTIALS = {"aws_access_key_id": "conveyor", "aws_secret_access_key": "conveyor"}


class OpsError(Exception):
    """A failure to show the operator as one line (no traceback)."""


@dataclass(frozen=True, slots=True)
class QueueRef:
    """A queue as the commands need it: its URL for data calls, its ARN for move tasks."""

    name: str
    url: str
    arn: str


def endpoint_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("AWS_ENDPOINT_URL_SQS") or DEFAULT_ENDPOINT


def sqs_client(endpoint: str | None = None) -> Any:
    """A boto3 SQS client for the server at ``endpoint`` (see the module docstring for defaults)."""
    session = boto3.session.Session()
    credentials = {} if session.get_credentials() is not None else _DUMMY_CREDENTIALS
    return session.client(
        "sqs",
        endpoint_url=endpoint_url(endpoint),
        region_name=session.region_name or DEFAULT_REGION,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        **credentials,
    )


def resolve_queue(sqs: Any, ref: str) -> QueueRef:
    """A queue named by name, URL or ARN; OpsError if there is no such queue."""
    try:
        if ref.startswith("arn:"):
            pieces = ref.split(":")
            if len(pieces) != 6 or pieces[2] != "sqs":
                raise OpsError(f"not an SQS queue ARN: {ref}")
            url = sqs.get_queue_url(QueueName=pieces[5], QueueOwnerAWSAccountId=pieces[4])["QueueUrl"]
        elif "://" in ref:
            url = ref
        else:
            url = sqs.get_queue_url(QueueName=ref)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    except ClientError as exc:
        if error_code(exc) in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise OpsError(f"no such queue: {ref}") from None
        raise
    return QueueRef(queue_name(url), url, arn)


def queue_name(url_or_arn: str) -> str:
    if url_or_arn.startswith("arn:"):
        return url_or_arn.rsplit(":", 1)[-1]
    return urlsplit(url_or_arn).path.rstrip("/").rsplit("/", 1)[-1]


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def describe(exc: Exception) -> str:
    """One line for any failure a command can meet talking to the server."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Message') or exc} ({error.get('Code', 'error')})"
    if isinstance(exc, BotoCoreError | OpsError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# Failures a command reports as a line: the server said no, could not be reached, or we said no.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError, OpsError)
