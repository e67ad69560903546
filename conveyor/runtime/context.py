"""The ``context`` object and reserved environment variables a Lambda Python handler sees."""

from __future__ import annotations

import datetime
import os
import time
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FunctionIdentity:
    """What the runtime knows of a function: enough to build its context and environment."""

    name: str
    handler: str  # "module:function"
    memory_mb: int = 128
    region: str = "us-east-1"
    account_id: str = "000000000000"
    version: str = "$LATEST"
    log_stream_name: str = field(default_factory=lambda: new_log_stream_name("$LATEST"))

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.name}"


def new_log_stream_name(version: str) -> str:
    """Lambda names each execution environment's stream ``YYYY/MM/DD/[version]<32 hex>``."""
    today = datetime.datetime.now(datetime.UTC).strftime("%Y/%m/%d")
    return f"{today}/[{version}]{uuid.uuid4().hex}"


class LambdaContext:
    """The real context: ``get_remaining_time_in_millis`` counts down to the invocation's deadline."""

    def __init__(self, identity: FunctionIdentity, aws_request_id: str, deadline: float) -> None:
        self.function_name = identity.name
        self.function_version = identity.version
        self.invoked_function_arn = identity.arn
        self.memory_limit_in_mb = str(identity.memory_mb)
        self.aws_request_id = aws_request_id
        self.log_group_name = identity.log_group_name
        self.log_stream_name = identity.log_stream_name
        self.identity = None
        self.client_context = None
        self._deadline = deadline  # epoch seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


def lambda_handler_name(handler: str) -> str:
    """Lambda's ``_HANDLER`` spelling (``module.function``) of our ``module:function``."""
    return handler.replace(":", ".")


def lambda_environment(identity: FunctionIdentity, task_root: str, provisioned: bool = False) -> dict[str, str]:
    """Reserved variables Lambda sets; libraries such as Powertools read them."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": identity.name,
        "AWS_LAMBDA_FUNCTION_VERSION": identity.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(identity.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": identity.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": identity.log_stream_name,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency" if provisioned else "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_REGION": identity.region,
        "AWS_DEFAULT_REGION": identity.region,
        "_HANDLER": lambda_handler_name(identity.handler),
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": os.path.dirname(os.path.abspath(__file__)),
        "TZ": os.environ.get("TZ", ":UTC"),
    }
