"""Conveyor inside your own tests: a real SQS server, in-process, whose clock the test controls.

    from conveyor.testing import ConveyorServer

    with ConveyorServer(clock="manual") as sqs_server:
        sqs = sqs_server.client()
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hi")
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)
        sqs_server.clock.advance(30)          # the message is visible again, no sleeping

The server listens on a free loopback port and keeps everything in memory unless given a
data dir; several can run side by side, and stopping one releases its port and thread.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from conveyor.clock import Clock, ManualClock, SystemClock
from conveyor.config import ServerConfig
from conveyor.embedded import EmbeddedServer

__all__ = ["ConveyorServer"]

_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SQS"


class ConveyorServer(EmbeddedServer):
    """An embedded server with the conveniences a test suite wants."""

    def __init__(
        self,
        *,
        clock: Literal["system", "manual"] | Clock = "system",
        data_dir: str | None = None,
        region: str = "us-east-1",
        account_id: str = "000000000000",
        set_env: bool = False,
    ) -> None:
        config = ServerConfig(
            port=0,
            store="memory" if data_dir is None else "sqlite",
            data_dir=data_dir or "./conveyor-data",
            region=region,
            account_id=account_id,
        )
        super().__init__(config, _make_clock(clock))
        self._set_env = set_env
        self._saved_env: str | None = None

    @property
    def manual_clock(self) -> ManualClock:
        """The clock, when the server runs on a manual one (``clock="manual"``)."""
        if not isinstance(self.clock, ManualClock):
            raise RuntimeError('this server runs on the system clock; start it with clock="manual"')
        return self.clock

    def start(self) -> ConveyorServer:
        super().start()
        if self._set_env:
            self._saved_env = os.environ.get(_ENDPOINT_VARIABLE)
            os.environ[_ENDPOINT_VARIABLE] = self.endpoint_url
        return self

    def stop(self) -> None:
        if self._set_env:
            if self._saved_env is None:
                os.environ.pop(_ENDPOINT_VARIABLE, None)
            else:
                os.environ[_ENDPOINT_VARIABLE] = self._saved_env
        super().stop()

    def __enter__(self) -> ConveyorServer:
        return self.start()

    def client(self, **kwargs: Any) -> Any:
        """A boto3 SQS client for this server (dummy credentials unless given)."""
        import boto3

        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.config.region,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        options.update(kwargs)
        return boto3.client("sqs", **options)

    def reset(self) -> None:
        """Forget every queue and message — cooldowns too, so the next test may reuse names."""
        assert self.server.service is not None
        self.call(self.server.service.move_tasks.stop())
        self.call(self.server.storage.reset())


def _make_clock(clock: Literal["system", "manual"] | Clock) -> Clock:
    if clock == "system":
        return SystemClock()
    if clock == "manual":
        return ManualClock(start=SystemClock().now())
    if isinstance(clock, str):
        raise ValueError(f'clock must be "system", "manual" or a Clock, not {clock!r}')
    return clock
