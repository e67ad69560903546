"""``conveyor functions ...``: run mappings in the foreground, and manage a running runtime."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import Any

from conveyor.runtime.control import DEFAULT_CONTROL, ControlError, ControlServer, request
from conveyor.runtime.mapping import EventSourceMapping, MappingError, load_functions
from conveyor.runtime.poller import Options
from conveyor.runtime.runtime import FunctionRuntime, default_endpoint
from conveyor.runtime.status import status_table

_SETTINGS = [  # (flag, mapping field, type, help)
    ("--batch-size", "batch_size", int, "messages per invocation, 1..10000 (default 10)"),
    ("--batching-window", "batching_window", float, "MaximumBatchingWindowInSeconds, 0..300 (default 0)"),
    ("--max-concurrency", "max_concurrency", int, "ScalingConfig.MaximumConcurrency, 2..1000"),
    ("--timeout", "timeout", float, "function timeout in seconds (default 3)"),
    ("--memory", "memory", int, "memory size reported to the function, MB (default 128)"),
]


def add_commands(commands: Any) -> None:
    """Register ``functions`` and its subcommands on the top-level parser's subparsers."""
    functions = commands.add_parser("functions", help="run Lambda-style functions against queues")
    sub = functions.add_subparsers(dest="functions_command", required=True)
    control_help = f"the runtime's control address (default $CONVEYOR_FUNCTIONS_CONTROL or {DEFAULT_CONTROL})"

    run = sub.add_parser("run", help="poll queues and invoke functions (foreground)")
    run.add_argument("--config", help="TOML file with [[functions]] entries")
    run.add_argument("--queue", help="queue name, URL or ARN (single-function mode)")
    run.add_argument("--handler", help="module:function, imported from the current directory")
    run.add_argument("--name", help="function name (default: the handler's module)")
    _add_settings(run)
    run.add_argument("--report-batch-item-failures", action="store_true", help="enable partial batch responses")
    run.add_argument("--filter", action="append", default=[], help="FilterCriteria pattern (JSON), up to 5")
    run.add_argument("--endpoint", help="SQS endpoint (default $AWS_ENDPOINT_URL_SQS, then http://127.0.0.1:9324)")
    run.add_argument("--region", help="region (default $AWS_REGION or us-east-1)")
    run.add_argument("--control", help=control_help + "; port 0 picks a free one")
    run.add_argument("--no-table", action="store_true", help="log instead of drawing the live table")
    run.add_argument("--log-level", default="WARNING")

    for verb, text in (("ls", "list functions"), ("enable", "enable a function"),
                       ("disable", "disable a function"), ("rm", "delete a function")):
        command = sub.add_parser(verb, help=f"{text} of a running runtime")
        if verb != "ls":
            command.add_argument("name")
        else:
            command.add_argument("--json", action="store_true")
        command.add_argument("--control", help=control_help)
    update = sub.add_parser("update", help="change a function's settings in a running runtime")
    update.add_argument("name")
    _add_settings(update)
    update.add_argument("--report-batch-item-failures", action=argparse.BooleanOptionalAction, default=None)
    update.add_argument("--control", help=control_help)


def _add_settings(parser: argparse.ArgumentParser) -> None:
    for flag, dest, kind, text in _SETTINGS:
        parser.add_argument(flag, dest=dest, type=kind, help=text)


def _control(args: argparse.Namespace) -> str:
    return args.control or os.environ.get("CONVEYOR_FUNCTIONS_CONTROL") or DEFAULT_CONTROL


def main(args: argparse.Namespace) -> int:
    try:
        if args.functions_command == "run":
            return _run(args)
        return _manage(args)
    except (MappingError, ControlError) as exc:
        print(f"conveyor functions: {exc}", file=sys.stderr)
        return 2


def _cli_mapping(args: argparse.Namespace) -> EventSourceMapping:
    if not args.queue or not args.handler:
        raise MappingError("queue", "give --config FILE, or both --queue and --handler")
    settings = {dest: getattr(args, dest) for _, dest, _, _ in _SETTINGS if getattr(args, dest) is not None}
    name = args.name or args.handler.replace(":", ".").split(".")[0]
    return EventSourceMapping(name=name, queue=args.queue, handler=args.handler, filters=args.filter,
                              report_batch_item_failures=args.report_batch_item_failures, **settings).validate()


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings: dict[str, Any] = {}
    if args.config:
        try:
            settings, mappings = load_functions(args.config)
        except OSError as exc:
            raise MappingError("config", str(exc)) from None
    else:
        mappings = [_cli_mapping(args)]
    endpoint = args.endpoint or settings.get("endpoint") or default_endpoint()
    region = args.region or settings.get("region") or os.environ.get("AWS_REGION") or "us-east-1"
    runtime = FunctionRuntime(mappings, endpoint, Options(region=region))
    control = ControlServer(runtime, args.control or settings.get("control") or _control(args))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runtime.start()
    control.start()
    print(f"conveyor functions: control on {control.address}", file=sys.stderr, flush=True)
    try:
        if args.no_table or not sys.stdout.isatty():
            stop.wait()
        else:
            from rich.live import Live

            def table() -> Any:
                return status_table(runtime.list(), endpoint, control.address)

            with Live(table(), refresh_per_second=2) as live:
                while not stop.wait(0.5):
                    live.update(table())
    finally:
        control.stop()
        runtime.stop()
    return 0


def _manage(args: argparse.Namespace) -> int:
    address = _control(args)
    verb = args.functions_command
    if verb == "ls":
        entries = request(address, "GET", "/functions")
        if args.json:
            print(json.dumps(entries, indent=2))
        else:
            from rich.console import Console

            Console().print(status_table(entries, "-", address))
        return 0
    path = f"/functions/{args.name}"
    if verb == "rm":
        request(address, "DELETE", path)
    elif verb in ("enable", "disable"):
        request(address, "PATCH", path, {"enabled": verb == "enable"})
    else:
        changes = {dest: getattr(args, dest) for _, dest, _, _ in _SETTINGS if getattr(args, dest) is not None}
        if args.report_batch_item_failures is not None:
            changes["report_batch_item_failures"] = args.report_batch_item_failures
        print(json.dumps(request(address, "PATCH", path, changes)["mapping"], indent=2))
    return 0
