"""The benchmark ceiling: Conveyor's own HTTP stack with a do-nothing handler.

Every scenario is reported as a ratio to this server's requests/s measured in
the same run, which cancels out most of the noise of a shared machine: what is
left is the cost of the SQS layer and storage on top of the bare HTTP path.

Run: ``python -m bench.reference_server --port 9400``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from conveyor.http.types import HttpRequest, HttpResponse

BODY = b'{"QueueUrls":[]}'
CONTENT_TYPE = "application/x-amz-json-1.0"


async def handler(req: HttpRequest) -> HttpResponse:
    """Answer every request with the same small JSON body, touching nothing else."""
    return HttpResponse(200, BODY, CONTENT_TYPE)


async def serve(host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT, on the same server function Conveyor uses."""
    from conveyor.http.server import start_server

    server = await start_server(handler, host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(f"reference server listening on {host}:{port}", flush=True)
    await stop.wait()
    server.close()


def main() -> None:
    """Parse arguments and run on uvloop when available (as Conveyor does)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    from bench.loadgen import run_async

    run_async(serve(args.host, args.port))


if __name__ == "__main__":
    main()
