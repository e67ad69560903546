"""Operator commands: SQS clients that manage a running server (``conveyor redrive``, ``conveyor dlq``).

Registering them imports neither boto3 nor rich; each command loads its module when it runs,
so ``conveyor serve`` starts as fast as before.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    """Add the operator subcommands to the ``conveyor`` parser's subparsers."""
    redrive = commands.add_parser(
        "redrive", help="move a dead-letter queue's messages back to their source queues (or --to a queue)"
    )
    redrive.add_argument("dlq", help="the dead-letter queue: name, URL or ARN")
    redrive.add_argument("--to", help="destination queue (name, URL or ARN); default: each message's source")
    redrive.add_argument("--rate", type=_rate, help="at most this many messages per second (1-500)")
    _endpoint_argument(redrive)
    redrive.set_defaults(handler=_redrive)

    dlq = commands.add_parser("dlq", help="dead-letter queues")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    ls = dlq_commands.add_parser("ls", help="list dead-letter queues with their depth and source queues")
    _endpoint_argument(ls)
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(handler=_dlq_ls)


def _endpoint_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint", help="server URL (default: $AWS_ENDPOINT_URL_SQS, else http://127.0.0.1:9324)"
    )


def _rate(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 500:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 500, not {text!r}")
    return value


def _redrive(args: argparse.Namespace) -> int:
    from conveyor.ops.dlq import redrive_command

    return redrive_command(args)


def _dlq_ls(args: argparse.Namespace) -> int:
    from conveyor.ops.dlq import dlq_ls_command

    return dlq_ls_command(args)
