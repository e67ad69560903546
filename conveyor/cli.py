"""The ``conveyor`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from conveyor.config import ConfigError, ServerConfig, load_config
from conveyor.http.server import install_uvloop
from conveyor.ops import register as register_ops_commands
from conveyor.runtime.cli import add_commands as add_function_commands
from conveyor.runtime.cli import main as functions_main
from conveyor.server import ConveyorServer, serve_forever
from conveyor.worker.cli import add_worker_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conveyor", description="An SQS-compatible message-queue server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the SQS server")
    serve.add_argument("--config", help="TOML file with server settings and queues to declare")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default 9324)")
    serve.add_argument("--data-dir", help="directory of the SQLite store (default ./conveyor-data)")
    serve.add_argument("--store", choices=["sqlite", "memory"], help="'memory' keeps nothing on disk")
    serve.add_argument("--durability", choices=["process", "fsync"],
                       help="'process' (default) survives a killed server; 'fsync' survives power loss too")
    serve.add_argument("--region", help="region shown in queue ARNs (default us-east-1)")
    serve.add_argument("--account-id", help="account id of queues (default 000000000000)")
    serve.add_argument("--time-travel", action="store_true", default=None,
                       help="run on a manual clock that tests move with POST /_conveyor/clock (tests only)")
    serve.add_argument("--log-level", default="INFO")
    add_function_commands(commands)
    register_ops_commands(commands)
    add_worker_command(commands)
    return parser


def _config(args: argparse.Namespace) -> ServerConfig:
    config = load_config(args.config) if args.config else ServerConfig()
    for flag, attribute in [("host", "host"), ("port", "port"), ("data_dir", "data_dir"), ("store", "store"),
                            ("durability", "durability"), ("region", "region"), ("account_id", "account_id"),
                            ("time_travel", "time_travel")]:
        value = getattr(args, flag)
        if value is not None:
            setattr(config, attribute, value)
    return config


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = _config(args)
    except ConfigError as exc:
        print(f"conveyor: {exc}", file=sys.stderr)
        return 2
    install_uvloop()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve_forever(ConveyorServer(config), stop)

    try:
        asyncio.run(main())
    except OSError as exc:  # cannot bind the port, cannot create or open the data dir, ...
        print(f"conveyor: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "functions":
        return functions_main(args)
    handler = getattr(args, "handler", None)
    return handler(args) if handler is not None else 2


if __name__ == "__main__":
    sys.exit(main())
