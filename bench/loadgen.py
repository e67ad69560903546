"""A lean asyncio HTTP/1.1 load generator for benchmarking Conveyor.

Why not aiohttp/boto3: on a 2-core box the client competes with the server for
CPU, so every microsecond the client spends per request is stolen from the thing
being measured.  Requests are pre-serialized bytes, responses are parsed only as
far as the status line, Content-Length (or chunked framing) and body.

The unit of work is a *step*: ``async def step(conn) -> int | None``.  It issues
one or more requests on its own keep-alive connection and returns how many units
(requests, messages) it completed, ``None`` to stop that connection, or raises
:class:`BadResponse` to count an error.  :func:`run_load` runs many connections
(optionally spread over forked worker processes) in a timed window.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import os
import threading
import time
from array import array
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

try:
    import orjson

    def dumps(obj: object) -> bytes:
        """Serialize JSON quickly (orjson when available)."""
        return orjson.dumps(obj)

    loads = orjson.loads
except ImportError:  # pragma: no cover - depends on environment
    import json

    def dumps(obj: object) -> bytes:
        """Serialize JSON compactly with the stdlib."""
        return json.dumps(obj, separators=(",", ":")).encode()

    loads = json.loads

JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
MAX_ERROR_SAMPLES = 5


class BadResponse(Exception):
    """A response that a step judged wrong (status, body, partial failure)."""


def build_request(host: str, port: int, target: str, body: bytes) -> bytes:
    """Serialize one SQS JSON-1.0 POST so hot loops only write bytes."""
    head = (
        f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: {JSON_CONTENT_TYPE}\r\n"
        f"X-Amz-Target: AmazonSQS.{target}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def sqs_request(host: str, port: int, action: str, payload: dict) -> bytes:
    """Build an SQS JSON request for ``action`` with a JSON ``payload``."""
    return build_request(host, port, action, dumps(payload))


class _ClientProtocol(asyncio.Protocol):
    """Minimal response framing: one outstanding request per connection."""

    __slots__ = ("_buf", "_closed_exc", "_waiter", "transport")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._closed_exc: Exception | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed_exc = exc or ConnectionResetError("server closed the connection")
        w = self._waiter
        if w is not None and not w.done():
            w.set_exception(self._closed_exc)

    def data_received(self, data: bytes) -> None:
        self._buf += data
        self._try_complete()

    def _try_complete(self) -> None:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return
        w = self._waiter
        # Status line: "HTTP/1.1 200 OK"
        try:
            status = int(buf[9:12])
        except ValueError:
            self._fail(BadResponse(f"bad status line {bytes(buf[:40])!r}"))
            return
        head = bytes(buf[:end]).lower()
        i = head.find(b"\r\ncontent-length:")
        if i >= 0:
            j = head.find(b"\r\n", i + 2)
            length = int(head[i + 17 : j if j >= 0 else len(head)])
            total = end + 4 + length
            if len(buf) < total:
                return
            body = bytes(buf[end + 4 : total])
            del buf[:total]
        elif b"\r\ntransfer-encoding: chunked" in head:
            parsed = _parse_chunked(buf, end + 4)
            if parsed is None:
                return
            body, total = parsed
            del buf[:total]
        else:
            self._fail(BadResponse("response without Content-Length"))
            return
        if w is not None and not w.done():
            self._waiter = None
            w.set_result((status, body))

    def _fail(self, exc: Exception) -> None:
        w = self._waiter
        self._buf.clear()
        if w is not None and not w.done():
            w.set_exception(exc)
        if self.transport is not None:
            self.transport.close()


def _parse_chunked(buf: bytearray, pos: int) -> tuple[bytes, int] | None:
    """Decode a chunked body starting at ``pos``; None until it is complete."""
    parts: list[bytes] = []
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
        start = eol + 2
        if size == 0:
            trailer_end = buf.find(b"\r\n", start)
            if trailer_end < 0:
                return None
            return b"".join(parts), trailer_end + 2
        if len(buf) < start + size + 2:
            return None
        parts.append(bytes(buf[start : start + size]))
        pos = start + size + 2


class Connection:
    """One keep-alive HTTP/1.1 connection doing strict request→response."""

    __slots__ = ("_proto", "host", "latencies", "port", "record_after", "requests")

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._proto: _ClientProtocol | None = None
        self.latencies = array("d")
        self.record_after = math.inf  # perf_counter() after which latencies count
        self.requests = 0

    async def connect(self) -> None:
        """(Re)open the TCP connection."""
        self.close()
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(_ClientProtocol, self.host, self.port)
        self._proto = proto

    def close(self) -> None:
        """Drop the connection (cancels a pending long poll server-side)."""
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.close()
        self._proto = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send pre-serialized request bytes and return (status, body)."""
        proto = self._proto
        if proto is None or proto._closed_exc is not None:
            await self.connect()
            proto = self._proto
            assert proto is not None
        fut: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        proto._waiter = fut
        t0 = time.perf_counter()
        proto.transport.write(raw)  # type: ignore[union-attr]
        result = await fut
        if t0 >= self.record_after:
            self.latencies.append(time.perf_counter() - t0)
            self.requests += 1
        return result


def check_ok(status: int, body: bytes) -> bytes:
    """Raise BadResponse unless the status is 200; return the body."""
    if status != 200:
        raise BadResponse(f"HTTP {status}: {body[:200]!r}")
    return body


Step = Callable[[Connection], Awaitable[int | None]]
StepFactory = Callable[[int], Step]  # global connection index -> step


@dataclass
class LoadResult:
    """Merged outcome of a load run across connections and processes."""

    units: int = 0  # units completed inside the measuring window
    requests: int = 0  # HTTP requests started inside the window
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0  # length of the measuring window actually used
    latencies: array = field(default_factory=lambda: array("d"))
    client_cpu: float = 0.0  # CPU seconds used by the load generator in the window
    window_start: float = 0.0  # monotonic clock
    server_cpu: float | None = None  # CPU seconds the watched server used in the window
    server_cpu_span: float = 0.0  # wall seconds over which server_cpu was sampled

    @property
    def rate(self) -> float:
        """Units per second over the window."""
        return self.units / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def request_rate(self) -> float:
        """HTTP requests per second over the window."""
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, p: float) -> float | None:
        """Request-latency percentile in milliseconds (None without samples)."""
        return percentile_ms(self.latencies, p)


def percentile_ms(samples: array | list[float], p: float) -> float | None:
    """Nearest-rank percentile of seconds samples, in milliseconds."""
    if not samples:
        return None
    ordered = sorted(samples)
    k = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k] * 1000.0


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed: it halves the client's per-request CPU."""
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - depends on environment
        return asyncio.new_event_loop()


def run_async(coro: Awaitable) -> object:
    """Run a coroutine to completion on a fresh (uvloop) event loop."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coro)  # type: ignore[arg-type]


async def _drive(
    host: str,
    port: int,
    step_factory: StepFactory,
    conn_indexes: list[int],
    start_at: float,
    measure_from: float,
    stop_at: float,
) -> dict:
    """Run this process's connections; all clock values are time.monotonic()."""
    conns = [Connection(host, port) for _ in conn_indexes]
    await asyncio.gather(*(c.connect() for c in conns))
    units = 0
    errors = 0
    samples: list[str] = []
    last_done = 0.0
    cpu_at_measure: list[float] = []

    async def loop_one(conn: Connection, step: Step) -> None:
        nonlocal units, errors, last_done
        now = time.monotonic()
        while now < stop_at:
            try:
                n = await step(conn)
            except Exception as exc:  # any failure is counted and sampled, never silently measured
                errors += 1
                if len(samples) < MAX_ERROR_SAMPLES:
                    samples.append(f"{type(exc).__name__}: {exc}")
                if not isinstance(exc, BadResponse):
                    conn.close()
                    await asyncio.sleep(0.01)
                now = time.monotonic()
                continue
            now = time.monotonic()
            if n is None:
                return
            if now >= measure_from and now <= stop_at:
                units += n
                last_done = now

    delay = start_at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    # Latency recording is keyed to perf_counter; translate the window start.
    perf_from = time.perf_counter() + (measure_from - time.monotonic())
    for c in conns:
        c.record_after = perf_from

    async def mark_cpu() -> None:
        wait = measure_from - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        cpu_at_measure.append(time.process_time())

    marker = asyncio.ensure_future(mark_cpu())
    await asyncio.gather(*(loop_one(c, step_factory(i)) for c, i in zip(conns, conn_indexes, strict=True)))
    cpu_end = time.process_time()
    if not marker.done():
        marker.cancel()
    for c in conns:
        c.close()
    lat = array("d")
    reqs = 0
    for c in conns:
        lat.extend(c.latencies)
        reqs += c.requests
    return {
        "units": units,
        "requests": reqs,
        "errors": errors,
        "samples": samples,
        "last_done": last_done,
        "latencies": lat.tobytes(),
        "cpu": cpu_end - cpu_at_measure[0] if cpu_at_measure else 0.0,
    }


def _child(conn_out: multiprocessing.connection.Connection, args: tuple) -> None:
    """Forked worker entry: run the load and ship the raw result back."""
    try:
        conn_out.send(run_async(_drive(*args)))
    except BaseException as exc:  # report, never hang the parent
        conn_out.send({"fatal": f"{type(exc).__name__}: {exc}"})
    finally:
        conn_out.close()
        os._exit(0)


def run_load(
    host: str,
    port: int,
    step_factory: StepFactory,
    *,
    connections: int,
    duration: float | None,
    warmup: float = 0.0,
    processes: int = 1,
    watch_pid: int | None = None,
) -> LoadResult:
    """Run ``connections`` step loops for ``warmup + duration`` seconds.

    ``duration=None`` runs until every step returns None (used for untimed
    fills).  With ``processes > 1`` connections are spread over forked workers
    so the client is not limited to one core; the step factory is inherited
    through fork, so closures are fine.  Must be called without a running loop.
    ``watch_pid``'s CPU time is sampled at the window edges so the server's cost
    per request can be reported (robust to a noisy machine, unlike raw rates).
    """
    processes = max(1, min(processes, connections))
    start_at = time.monotonic() + 0.3 + 0.05 * processes  # time for workers to connect
    measure_from = start_at + warmup
    stop_at = math.inf if duration is None else measure_from + duration
    groups = [list(range(p, connections, processes)) for p in range(processes)]
    cpu_marks: list[tuple[float, float]] = []
    watcher = None
    load_done = threading.Event()
    if watch_pid is not None and duration is not None:
        watcher = threading.Thread(
            target=_sample_cpu, args=(watch_pid, (measure_from, stop_at), cpu_marks, load_done), daemon=True
        )
        watcher.start()
    raw_results: list[dict] = []
    if processes == 1:
        args = (host, port, step_factory, groups[0], start_at, measure_from, stop_at)
        raw_results.append(run_async(_drive(*args)))  # type: ignore[arg-type]
    else:
        ctx = multiprocessing.get_context("fork")
        pipes = []
        procs = []
        for g in groups:
            r, w = ctx.Pipe(duplex=False)
            args = (host, port, step_factory, g, start_at, measure_from, stop_at)
            p = ctx.Process(target=_child, args=(w, args))
            p.start()
            w.close()
            pipes.append(r)
            procs.append(p)
        for r, p in zip(pipes, procs, strict=True):
            try:
                raw_results.append(r.recv())
            except EOFError:
                raw_results.append({"fatal": f"worker {p.pid} died"})
            p.join()
    if watcher is not None:
        load_done.set()
        watcher.join()
    result = LoadResult(window_start=measure_from)
    if len(cpu_marks) == 2:
        result.server_cpu = cpu_marks[1][1] - cpu_marks[0][1]
        result.server_cpu_span = cpu_marks[1][0] - cpu_marks[0][0]
    last_done = 0.0
    for raw in raw_results:
        if "fatal" in raw:
            result.errors += 1
            result.error_samples.append(raw["fatal"])
            continue
        result.units += raw["units"]
        result.requests += raw["requests"]
        result.errors += raw["errors"]
        result.client_cpu += raw["cpu"]
        for s in raw["samples"]:
            if len(result.error_samples) < MAX_ERROR_SAMPLES:
                result.error_samples.append(s)
        last_done = max(last_done, raw["last_done"])
        lat = array("d")
        lat.frombytes(raw["latencies"])
        result.latencies.extend(lat)
    end = min(stop_at, max(last_done, measure_from))
    if duration is not None and last_done < stop_at - 0.25:
        end = last_done  # every loop ended early (e.g. queue drained): use real elapsed time
    result.elapsed = max(0.0, end - measure_from)
    return result


def _sample_cpu(pid: int, at: tuple[float, ...], out: list[tuple[float, float]], done: threading.Event) -> None:
    """Record (monotonic time, CPU seconds of ``pid``) at each instant of ``at``.

    ``done`` cuts the wait short when the load ends early (e.g. a drained queue), so a
    generous time cap never turns into idle waiting.
    """
    for t in at:
        delay = t - time.monotonic()
        if delay > 0:
            done.wait(delay)
        cpu = server_cpu_seconds(pid)
        if cpu is None:
            return
        out.append((time.monotonic(), cpu))


def server_cpu_seconds(pid: int) -> float | None:
    """utime+stime of a process from /proc, so server cost per op can be reported."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def server_memory_kb(pid: int) -> dict[str, int]:
    """VmRSS/VmHWM in kB from /proc/<pid>/status (empty if unavailable)."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    return out
