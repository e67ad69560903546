"""``conveyor worker module:Class --queue NAME``: run a Worker subclass from the current directory.

Kept free of boto3 imports at module level so the ``conveyor`` command (and ``serve``) starts
without the worker extra installed.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import Any


def add_worker_command(commands: Any) -> None:
    """Register the subcommand on the ``conveyor`` parser's subparsers."""
    parser = commands.add_parser("worker", help="run a conveyor.worker.Worker subclass against a queue")
    parser.add_argument("target", metavar="module:Class", help="a Worker subclass, importable from here")
    parser.add_argument("--queue", required=True, help="queue name (resolved with GetQueueUrl) or queue URL")
    parser.add_argument("--endpoint", help="SQS endpoint (default: boto3 configuration, e.g. AWS_ENDPOINT_URL_SQS)")
    parser.add_argument("--region", help="AWS region (default: AWS_DEFAULT_REGION, else us-east-1)")
    parser.add_argument("--concurrency", type=int, help="handlers running at once (default 1)")
    parser.add_argument("--visibility-timeout", type=int, help="seconds; the heartbeat extends it while a job runs")
    parser.add_argument("--grace", type=float, help="seconds running jobs get to finish on SIGTERM (default 25)")
    parser.add_argument("--log-level", default="INFO")
    parser.set_defaults(handler=run_worker_command)


def _load(target: str) -> type:
    from conveyor.worker.worker import Worker

    module_name, _, class_name = target.partition(":")
    if not module_name or not class_name:
        raise ValueError(f"expected module:Class, got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    found = getattr(importlib.import_module(module_name), class_name, None)
    if not (isinstance(found, type) and issubclass(found, Worker)):
        raise ValueError(f"{target} is not a subclass of conveyor.worker.Worker")
    return found


def _queue_url(queue: str, region: str, endpoint: str | None) -> str:
    if queue.startswith(("http://", "https://")):
        return queue
    from conveyor.worker.worker import make_client

    return make_client(region, endpoint, 1).get_queue_url(QueueName=queue)["QueueUrl"]


def run_worker_command(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    region = args.region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    try:
        worker_class = _load(args.target)
        queue_url = _queue_url(args.queue, region, args.endpoint)
    except ImportError as exc:
        print(f"conveyor: cannot import {args.target}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # bad target, unknown queue, unreachable endpoint
        print(f"conveyor: {exc}", file=sys.stderr)
        return 1 if not isinstance(exc, ValueError) else 2
    options = {"region": region, "endpoint_url": args.endpoint, "concurrency": args.concurrency,
               "visibility_timeout": args.visibility_timeout, "shutdown_grace": args.grace}
    worker = worker_class(queue_url, **{name: value for name, value in options.items() if value is not None})
    worker.run()
    return 0
