"""Run the Conveyor benchmark: ``python -m bench.run [--scenarios a,b] [--duration S]``.

Starts a reference server (the bare HTTP stack, the ceiling) and a Conveyor
server as subprocesses, runs the chosen scenarios against them, prints a table
and writes JSON.  Every throughput is also given as a ratio to the reference
requests/s of the same run, because absolute numbers on a shared 2-core box
move by tens of percent between runs while the ratios do not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import loadgen as lg

HOST = "127.0.0.1"
ALL_SCENARIOS = [
    "reference",
    "send_batch",
    "fifo_send_batch_1g",
    "fifo_send_batch_100g",
    "drain",
    "fifo_drain_1g",
    "fifo_drain_100g",
    "send_single",
    "longpoll_latency",
    "backlog",
]
DEFAULT_SCENARIOS = ["reference", "send_batch", "drain", "send_single", "longpoll_latency"]
FIFO_SCENARIOS = ["fifo_send_batch_1g", "fifo_send_batch_100g", "fifo_drain_1g", "fifo_drain_100g"]
# Names that stand for several scenarios on the command line.
SCENARIO_SETS = {"fifo": FIFO_SCENARIOS}
# Scenarios reported relative to another one of the same run, which is then always run too.
BASELINES = {
    "backlog": "drain",
    "fifo_send_batch_1g": "send_batch",
    "fifo_send_batch_100g": "send_batch",
    "fifo_drain_1g": "drain",
    "fifo_drain_100g": "drain",
}
DEFAULT_SERVER_CMD = (
    "{python} -m conveyor serve --host {host} --port {port} --data-dir {data_dir} --store {store} --log-level warning"
)
BODY_100 = "m" * 100
FIFO_ATTRIBUTES = {"FifoQueue": "true"}

# Targets shown next to the figures (see README.md).
TARGETS = {
    "send_batch": ("≥ 40,000 msg/s", lambda r: r["value"] >= 40_000),
    "drain": ("≥ 20,000 msg/s", lambda r: r["value"] >= 20_000),
    "send_single": ("≥ 5,000 req/s", lambda r: r["value"] >= 5_000),
    "longpoll_latency": (
        "p50 ≤ 1.5 ms, p99 ≤ 5 ms",
        lambda r: r["p50_ms"] is not None and r["p50_ms"] <= 1.5 and r["p99_ms"] <= 5.0,
    ),
    "backlog": (
        "≥ 80 % of drain, RSS < 300 MB",
        lambda r: r["ratio_to_baseline"] >= 0.8 and r["server_peak_rss_mb"] < 300,
    ),
    "fifo_send_batch_100g": ("≥ 70 % of send_batch", lambda r: r["ratio_to_baseline"] >= 0.7),
    "fifo_drain_100g": ("≥ 70 % of drain", lambda r: r["ratio_to_baseline"] >= 0.7),
}


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    """Ask the kernel for an unused port (tiny race, acceptable for a benchmark)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class ServerProc:
    """A server subprocess with its log, so failures can be shown, not guessed."""

    name: str
    cmd: list[str]
    port: int
    log_path: Path
    proc: subprocess.Popen | None = None

    def start(self, cwd: str | None = None) -> None:
        """Launch the process with output going to a log file."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
        log.close()

    @property
    def pid(self) -> int:
        """Server process id (for /proc CPU and memory readings)."""
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        """True while the process has not exited."""
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """Last lines of the server output, for error reports."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, probe: bytes, timeout: float = 30.0) -> None:
        """Poll with a real request until the server answers 200 (or give up loudly)."""
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                status, body = lg.run_async(_one_request(self.port, probe))  # type: ignore[misc]
                if status == 200:
                    return
                last = f"HTTP {status}: {body[:200]!r}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout}s ({last}):\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


async def _one_request(port: int, raw: bytes) -> tuple[int, bytes]:
    """One request on a throwaway connection."""
    conn = lg.Connection(HOST, port)
    try:
        return await asyncio.wait_for(conn.request(raw), 10)
    finally:
        conn.close()


# --------------------------------------------------------------------------- helpers


class Bench:
    """Shared state of one run: servers, options and results so far."""

    def __init__(self, args: argparse.Namespace, ref: ServerProc, sqs: ServerProc) -> None:
        self.args = args
        self.ref = ref
        self.sqs = sqs
        self.results: dict[str, dict] = {}

    @property
    def port(self) -> int:
        """Conveyor's port."""
        return self.sqs.port

    def req(self, action: str, payload: dict) -> bytes:
        """Serialize a request to Conveyor."""
        return lg.sqs_request(HOST, self.port, action, payload)

    def call(self, action: str, payload: dict) -> dict:
        """One synchronous SQS call for setup work; raises on any non-200."""
        status, body = lg.run_async(_one_request(self.port, self.req(action, payload)))  # type: ignore[misc]
        if status != 200:
            raise RuntimeError(f"{action} failed: HTTP {status}: {body[:300]!r}")
        return lg.loads(body) if body else {}

    def create_queue(self, name: str, attributes: dict[str, str] | None = None) -> str:
        """Create a fresh queue and return the URL the server reports."""
        payload: dict = {"QueueName": name}
        if attributes:
            payload["Attributes"] = attributes
        return self.call("CreateQueue", payload)["QueueUrl"]

    def queue_depth(self, url: str) -> dict[str, int]:
        """Visible / in-flight counts, to sanity-check what a scenario claims."""
        try:
            attrs = self.call(
                "GetQueueAttributes",
                {
                    "QueueUrl": url,
                    "AttributeNames": [
                        "ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible",
                    ],
                },
            ).get("Attributes", {})
        except (RuntimeError, OSError):
            return {}
        return {k: int(v) for k, v in attrs.items()}

    def load(
        self,
        factory: lg.StepFactory,
        *,
        duration: float | None,
        connections: int | None = None,
        warmup: float | None = None,
        port: int | None = None,
        pid: int | None = None,
    ) -> lg.LoadResult:
        """run_load against Conveyor (or ``port``) with the run's defaults."""
        return lg.run_load(
            HOST,
            port or self.port,
            factory,
            connections=connections or self.args.connections,
            duration=duration,
            warmup=self.args.warmup if warmup is None else warmup,
            processes=self.args.processes,
            watch_pid=pid or self.sqs.pid,
        )

    def memory_mb(self) -> dict[str, float]:
        """Server RSS and peak RSS in MB."""
        kb = lg.server_memory_kb(self.sqs.pid)
        return {
            "server_rss_mb": round(kb.get("VmRSS", 0) / 1024, 1),
            "server_peak_rss_mb": round(kb.get("VmHWM", 0) / 1024, 1),
        }

    def ref_rps(self) -> float | None:
        """Reference requests/s of this run (None if it was not measured)."""
        r = self.results.get("reference")
        return r["value"] if r and r["value"] else None


def measure_sends(b: Bench, factory: Any, url: str, unit: str) -> dict:
    """Run a send load for the window, then check the queue holds at least what was acknowledged."""
    res = b.load(factory, duration=b.args.duration)
    out = summarize(res, unit, res.rate)
    check_depth(out, b.queue_depth(url), res.units)
    return out


def check_depth(out: dict, depth: dict[str, int], sent: int) -> None:
    """Every send the benchmark counted must be in the queue; a shortfall means lost messages."""
    out["queue_depth_after"] = depth
    visible = depth.get("ApproximateNumberOfMessages")
    if visible is not None and visible < sent:
        out["note"] = f"queue holds {visible:,} messages but {sent:,} sends were counted"
        out["errors"] += 1


def compare_to_baseline(b: Bench, name: str, out: dict) -> None:
    """Ratio of a scenario's rate to its baseline's (``BASELINES``) in this run.

    ``cpu_ratio_to_baseline`` is the same comparison by server CPU per unit (message):
    baseline cost / this cost, so above 1 is better in both. It does not depend on how much
    CPU the server managed to get, so it is the steadier of the two on a shared machine.
    """
    base_name = BASELINES[name]
    base = b.results.get(base_name) or {}
    out["baseline"] = base_name
    out["ratio_to_baseline"] = _r(out["value"] / base["value"]) if base.get("value") else None
    base_cost, cost = _cpu_per_unit(base), _cpu_per_unit(out)
    out["cpu_ratio_to_baseline"] = _r(base_cost / cost) if base_cost and cost else None


def _cpu_per_unit(r: dict) -> float | None:
    """Server CPU µs per unit (message) from summarize()'s per-request figures."""
    per_req, rps, rate = r.get("server_cpu_us_per_request"), r.get("requests_per_s"), r.get("value")
    return per_req * rps / rate if per_req and rps and rate else None


def summarize(res: lg.LoadResult, unit: str, value: float) -> dict:
    """Common figures of a timed load: rates, latency, errors, CPU per request."""
    out: dict = {
        "unit": unit,
        "value": round(value, 1),
        "requests_per_s": round(res.request_rate, 1),
        "p50_ms": _r(res.percentile_ms(50)),
        "p99_ms": _r(res.percentile_ms(99)),
        "errors": res.errors,
        "error_samples": res.error_samples,
        "measured_s": round(res.elapsed, 2),
        "requests": res.requests,
        "client_cpu_us_per_request": _r(res.client_cpu / res.requests * 1e6 if res.requests else None),
        "server_cpu_us_per_request": _r(
            res.server_cpu / res.requests * 1e6 if res.server_cpu is not None and res.requests else None
        ),
        "server_cpu_util": _r(res.server_cpu / res.server_cpu_span if res.server_cpu and res.server_cpu_span else None),
    }
    return out


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(x, nd)


def check_batch_failures(body: bytes) -> None:
    """Batch calls answer 200 even when entries fail: Failed entries always carry SenderFault."""
    if b"SenderFault" in body:
        failed = lg.loads(body).get("Failed") or []
        if failed:
            raise lg.BadResponse(f"{len(failed)} batch entries failed: {failed[0]}")


def fill_queue(b: Bench, url: str, total: int, batch: Callable[[int, int], bytes] | None = None) -> dict:
    """Untimed-ish fill with SendMessageBatch across connections; returns fill rate.

    ``batch(connection, n)`` builds the request for ``n`` entries (default: a fixed
    standard-queue batch of 100-byte bodies, serialized once per size).
    """
    conns = b.args.connections
    quotas = [total // conns + (1 if i < total % conns else 0) for i in range(conns)]
    entries_cache: dict[int, bytes] = {}

    def fixed_batch(i: int, n: int) -> bytes:
        if n not in entries_cache:
            entries = [{"Id": str(k), "MessageBody": BODY_100} for k in range(n)]
            entries_cache[n] = b.req("SendMessageBatch", {"QueueUrl": url, "Entries": entries})
        return entries_cache[n]

    request_for = batch or fixed_batch

    def factory(i: int) -> lg.Step:
        remaining = quotas[i]

        async def step(conn: lg.Connection) -> int | None:
            nonlocal remaining
            if remaining <= 0:
                return None
            n = min(10, remaining)
            body = lg.check_ok(*await conn.request(request_for(i, n)))
            check_batch_failures(body)
            remaining -= n
            return n

        return step

    res = b.load(factory, duration=None, warmup=0.0)
    if res.errors:
        print(f"  fill: {res.errors} errors, e.g. {res.error_samples[:2]}", file=sys.stderr)
    return {"filled": res.units, "fill_rate_msg_s": round(res.rate, 1), "fill_errors": res.errors}


async def delete_batch(b: Bench, conn: lg.Connection, url: str, msgs: list[dict]) -> None:
    """DeleteMessageBatch of received messages; raises on any failed entry."""
    entries = [{"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(msgs)]
    body = lg.check_ok(*await conn.request(b.req("DeleteMessageBatch", {"QueueUrl": url, "Entries": entries})))
    check_batch_failures(body)


def drain_factory(
    b: Bench,
    url: str,
    quotas: list[int] | None = None,
    check: Callable[[list[dict]], str | None] | None = None,
) -> tuple[lg.StepFactory, dict]:
    """Consumers doing ReceiveMessage(10) + DeleteMessageBatch until the queue looks empty.

    ``check(messages)`` sees every non-empty receive before its delete and returns a
    problem or None; a problem is counted as an error *after* the delete, so a FIFO
    group is never left blocked by a message the benchmark judged wrong.
    """
    recv = b.req(
        "ReceiveMessage",
        {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0, "VisibilityTimeout": 300},
    )
    counters = {"empty_receives": 0}

    def factory(i: int) -> lg.Step:
        empties = 0
        remaining = math.inf if quotas is None else quotas[i]

        async def step(conn: lg.Connection) -> int | None:
            nonlocal empties, remaining
            if remaining <= 0:
                return None
            body = lg.check_ok(*await conn.request(recv))
            msgs = lg.loads(body).get("Messages") or []
            if not msgs:
                counters["empty_receives"] += 1
                empties += 1
                if empties >= 3:
                    return None  # queue drained: stop this consumer
                await asyncio.sleep(0.02)
                return 0
            empties = 0
            problem = check(msgs) if check else None
            await delete_batch(b, conn, url, msgs)
            if problem:
                raise lg.BadResponse(problem)
            remaining -= len(msgs)
            return len(msgs)

        return step

    return factory, counters


# --------------------------------------------------------------------------- scenarios


def _reference_factory(b: Bench) -> lg.StepFactory:
    probe = lg.sqs_request(HOST, b.ref.port, "ListQueues", {})

    def factory(i: int) -> lg.Step:
        async def step(conn: lg.Connection) -> int:
            lg.check_ok(*await conn.request(probe))
            return 1

        return step

    return factory


def sc_reference(b: Bench) -> dict:
    """Fixed-body requests against the bare HTTP stack: the ceiling for all ratios."""
    factory = _reference_factory(b)
    res = b.load(factory, duration=b.args.duration, port=b.ref.port, pid=b.ref.pid)
    out = summarize(res, "req/s", res.rate)
    out["value_start"] = out["value"]
    # A single connection's round trip: the floor for any latency figure.
    rtt = b.load(factory, duration=min(2.0, b.args.duration), connections=1, warmup=0.3, port=b.ref.port, pid=b.ref.pid)
    out["rtt_p50_ms"] = _r(rtt.percentile_ms(50))
    out["rtt_p99_ms"] = _r(rtt.percentile_ms(99))
    out["errors"] += rtt.errors
    return out


def remeasure_reference(b: Bench) -> None:
    """Measure the ceiling again after the scenarios and use the mean of both.

    Other tenants of a shared machine come and go within a minute; bracketing the run
    halves the error of every ratio and ``reference_drift`` shows how noisy the run was.
    """
    r = b.results["reference"]
    res = b.load(_reference_factory(b), duration=min(3.0, b.args.duration), port=b.ref.port, pid=b.ref.pid)
    r["value_end"] = round(res.rate, 1)
    r["errors"] += res.errors
    r["value"] = round((r["value_start"] + r["value_end"]) / 2, 1)
    r["reference_drift"] = _r((r["value_end"] - r["value_start"]) / r["value_start"]) if r["value_start"] else None


def sc_send_batch(b: Bench) -> dict:
    """SendMessageBatch of 10 × 100-byte bodies, as fast as the connections go."""
    url = b.create_queue("bench-send-batch")
    raw = b.req(
        "SendMessageBatch",
        {"QueueUrl": url, "Entries": [{"Id": str(i), "MessageBody": BODY_100} for i in range(10)]},
    )
    return send_batch_load(b, url, lambda i: raw)


def send_batch_load(b: Bench, url: str, request_for: Callable[[int], bytes], expect: bytes | None = None) -> dict:
    """Timed SendMessageBatch of 10 entries per request; ``request_for(connection)`` gives the bytes.

    ``expect``, if given, must occur once per entry in every response (e.g. a FIFO SequenceNumber).
    """

    def factory(i: int) -> lg.Step:
        async def step(conn: lg.Connection) -> int:
            body = lg.check_ok(*await conn.request(request_for(i)))
            check_batch_failures(body)
            if expect is not None and body.count(expect) != 10:
                raise lg.BadResponse(f"expected 10 × {expect!r} in {body[:200]!r}")
            return 10

        return step

    return measure_sends(b, factory, url, "msg/s")


def drain_fill_size(b: Bench) -> int:
    """Enough messages to keep consumers busy for the whole window, without wasting fill time.

    With ``--drain-messages 0`` (auto) the size follows this run's send_batch rate: draining
    has so far been slower than sending (about 0.7×), and a fill far beyond the window only costs time.
    """
    if b.args.drain_messages:
        return b.args.drain_messages
    window = b.args.duration + min(b.args.warmup, 0.5)
    sent = b.results.get("send_batch", {}).get("value")
    estimate = 1.2 * sent * window if sent else 50_000 * window
    return int(min(1_000_000, max(100_000, estimate)))


def sc_drain(b: Bench) -> dict:
    """Pre-filled queue drained by Receive(10)+DeleteMessageBatch consumers."""
    url = b.create_queue("bench-drain")
    return drain_load(b, url, fill_queue(b, url, drain_fill_size(b)))


def drain_load(b: Bench, url: str, fill: dict, check: Callable[[list[dict]], str | None] | None = None) -> dict:
    """Timed drain of a filled queue (see drain_factory), with the fill's figures attached."""
    factory, counters = drain_factory(b, url, check=check)
    # Short warm-up: messages drained while warming up are gone from the measured window.
    res = b.load(factory, duration=b.args.duration, warmup=min(b.args.warmup, 0.5))
    out = summarize(res, "msg/s", res.rate)
    out.update(fill)
    out["empty_receives"] = counters["empty_receives"]
    if res.elapsed < b.args.duration * 0.9:
        out["note"] = f"queue ran dry after {res.elapsed:.1f}s; raise --drain-messages"
    out["queue_depth_after"] = b.queue_depth(url)
    return out


class FifoBatches:
    """SendMessageBatch requests for a FIFO queue, built per call (dedup ids must be unique).

    Each batch is one message group; a connection's batches rotate over ``groups`` groups,
    offset by connection so concurrent batches hit different groups. Bodies are
    ``group:connection:seq:`` padded to 100 bytes, ``seq`` counting the connection's messages,
    so a consumer can check the order within a group (see :class:`GroupOrder`).
    """

    def __init__(self, b: Bench, url: str, groups: int) -> None:
        self.b = b
        self.url = url
        self.groups = groups
        self.connections = b.args.connections
        self.batches = [0] * self.connections  # per connection; forked workers each own a copy
        self.sent = [0] * self.connections

    def __call__(self, i: int, n: int = 10) -> bytes:
        """The next batch of ``n`` entries for connection ``i``."""
        group = (self.batches[i] * self.connections + i) % self.groups
        self.batches[i] += 1
        first = self.sent[i]
        self.sent[i] += n
        entries = [
            {
                "Id": str(k),
                "MessageBody": f"{group}:{i}:{seq}:".ljust(100, "m"),
                "MessageGroupId": f"g{group}",
                "MessageDeduplicationId": f"{i}-{seq}",
            }
            for k, seq in enumerate(range(first, first + n))
        ]
        return self.b.req("SendMessageBatch", {"QueueUrl": self.url, "Entries": entries})


class GroupOrder:
    """Checks received FIFO messages (bodies from :class:`FifoBatches`) for per-group order.

    One connection sends its batches one after another, so within a group its messages have
    a known order: their ``seq`` must strictly increase in receive order (a repeat is a
    duplicate delivery). A group's next batch is only handed out after the previous one is
    deleted, and the consumer checks before it deletes, so the client sees receives of one
    group in server order and the check has no false alarms across consumers.
    """

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], int] = {}
        self.checked = 0

    def __call__(self, msgs: list[dict]) -> str | None:
        problem = None
        for m in msgs:
            group, conn, seq_text, _ = m["Body"].split(":", 3)
            seq = int(seq_text)
            prev = self.last.get((group, conn), -1)
            if seq <= prev and problem is None:
                problem = f"group g{group}: message {conn}:{seq} received after {conn}:{prev}"
            self.last[group, conn] = max(seq, prev)
        self.checked += len(msgs)
        return problem


def _fifo_queue(b: Bench, name: str) -> str:
    return b.create_queue(f"bench-{name.replace('_', '-')}.fifo", FIFO_ATTRIBUTES)


def sc_fifo_send_batch(b: Bench, name: str, groups: int) -> dict:
    """SendMessageBatch of 10 × 100 B to a FIFO queue, each batch one group, rotating over ``groups``."""
    url = _fifo_queue(b, name)
    batches = FifoBatches(b, url, groups)
    out = send_batch_load(b, url, batches, expect=b'"SequenceNumber"')
    out["groups"] = groups
    compare_to_baseline(b, name, out)
    return out


def fifo_drain_fill_size(b: Bench, groups: int) -> int:
    """Sized from this run's standard drain rate (the FIFO drain should come near it, not beyond)."""
    if b.args.drain_messages:
        return b.args.drain_messages
    drained = b.results.get("drain", {}).get("value")
    if not drained:
        return drain_fill_size(b)
    window = b.args.duration + min(b.args.warmup, 0.5)
    # One group drains one batch at a time, far below the standard rate.
    share = 1.2 if groups > 1 else 0.8
    return int(min(1_000_000, max(20_000, share * drained * window)))


def sc_fifo_drain(b: Bench, name: str, groups: int) -> dict:
    """Pre-filled FIFO queue (``groups`` groups) drained like ``drain``, checking per-group order."""
    url = _fifo_queue(b, name)
    fill = fill_queue(b, url, fifo_drain_fill_size(b, groups), FifoBatches(b, url, groups))
    order = GroupOrder()
    out = drain_load(b, url, fill, check=order)
    out["groups"] = groups
    # Forked load workers (--processes > 1) check their own share; this counts the parent's.
    out["order_checked"] = order.checked
    compare_to_baseline(b, name, out)
    return out


def sc_send_single(b: Bench) -> dict:
    """SendMessage of one 100-byte body per request."""
    url = b.create_queue("bench-send-single")
    raw = b.req("SendMessage", {"QueueUrl": url, "MessageBody": BODY_100})

    def factory(i: int) -> lg.Step:
        async def step(conn: lg.Connection) -> int:
            body = lg.check_ok(*await conn.request(raw))
            if b"MessageId" not in body:
                raise lg.BadResponse(f"no MessageId in {body[:200]!r}")
            return 1

        return step

    return measure_sends(b, factory, url, "req/s")


def sc_longpoll_latency(b: Bench) -> dict:
    """Send→receive latency with receivers parked in 20 s long polls on an empty queue."""
    url = b.create_queue("bench-longpoll")
    out = lg.run_async(_longpoll(b, url))
    assert isinstance(out, dict)
    return out


async def _longpoll(b: Bench, url: str) -> dict:
    """One producer, one message in flight at a time, N long-polling receivers."""
    recv = b.req(
        "ReceiveMessage",
        {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20, "VisibilityTimeout": 60},
    )
    loop = asyncio.get_running_loop()
    pending: dict[int, asyncio.Future[float]] = {}
    errors: list[str] = []
    receivers = [lg.Connection(HOST, b.port) for _ in range(b.args.receivers)]
    producer = lg.Connection(HOST, b.port)
    await asyncio.gather(producer.connect(), *(c.connect() for c in receivers))

    async def receive_loop(conn: lg.Connection) -> None:
        while True:
            try:
                body = lg.check_ok(*await conn.request(recv))
                got = time.perf_counter()
                msgs = lg.loads(body).get("Messages") or []
                for m in msgs:
                    fut = pending.get(int(m["Body"].split(":", 1)[0]))
                    if fut is not None and not fut.done():
                        fut.set_result(got)
                if msgs:
                    await delete_batch(b, conn, url, msgs)
            except Exception as exc:  # counted, and the receiver carries on
                errors.append(f"receiver: {type(exc).__name__}: {exc}")
                conn.close()
                await asyncio.sleep(0.05)

    tasks = [asyncio.ensure_future(receive_loop(c)) for c in receivers]
    await asyncio.sleep(0.3)  # let every receiver park in its long poll
    latencies: list[float] = []
    send_latencies: list[float] = []
    timeouts = 0
    seq = 0
    start = time.monotonic()
    measure_from = start + b.args.warmup
    stop_at = measure_from + b.args.duration
    while time.monotonic() < stop_at and len(latencies) < b.args.longpoll_samples:
        seq += 1
        fut: asyncio.Future[float] = loop.create_future()
        pending[seq] = fut
        raw = b.req("SendMessage", {"QueueUrl": url, "MessageBody": f"{seq}:".ljust(100, "x")})
        t0 = time.perf_counter()
        try:
            body = lg.check_ok(*await producer.request(raw))
            send_done = time.perf_counter()
            if b"MessageId" not in body:
                raise lg.BadResponse(f"no MessageId in {body[:200]!r}")
            got = await asyncio.wait_for(fut, 5.0)
        except TimeoutError:
            timeouts += 1
            errors.append(f"message {seq} not received within 5 s")
            continue
        except Exception as exc:  # counted, and the producer carries on
            errors.append(f"producer: {type(exc).__name__}: {exc}")
            producer.close()
            await asyncio.sleep(0.05)
            continue
        finally:
            pending.pop(seq, None)
        if time.monotonic() >= measure_from:
            latencies.append(got - t0)
            send_latencies.append(send_done - t0)
        await asyncio.sleep(0)  # let the receiver finish its delete before the next send
    measured = time.monotonic() - measure_from
    for t in tasks:
        t.cancel()
    for c in [producer, *receivers]:
        c.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    p50 = lg.percentile_ms(latencies, 50)
    return {
        "unit": "ms p50",
        "value": _r(p50),
        "p50_ms": _r(p50),
        "p99_ms": _r(lg.percentile_ms(latencies, 99)),
        "max_ms": _r(max(latencies) * 1000 if latencies else None),
        "send_p50_ms": _r(lg.percentile_ms(send_latencies, 50)),
        "samples": len(latencies),
        "receivers": len(receivers),
        "timeouts": timeouts,
        "errors": len(errors),
        "error_samples": errors[: lg.MAX_ERROR_SAMPLES],
        "measured_s": round(measured, 2),
    }


def sc_backlog(b: Bench) -> dict:
    """Drain rate with a deep backlog, plus the server's memory while holding it."""
    url = b.create_queue("bench-backlog")
    total = b.args.backlog
    print(f"  filling {total:,} messages (not timed)…", file=sys.stderr, flush=True)
    fill = fill_queue(b, url, total)
    mem_full = b.memory_mb()
    first = min(b.args.backlog_drain, total)
    conns = b.args.connections
    quotas = [first // conns + (1 if i < first % conns else 0) for i in range(conns)]
    factory, counters = drain_factory(b, url, quotas)
    res = b.load(factory, duration=max(60.0, b.args.duration * 10), warmup=0.0)
    out = summarize(res, "msg/s", res.rate)
    out.update(fill)
    out["backlog"] = total
    out["drained"] = res.units
    out["server_rss_after_fill_mb"] = mem_full["server_rss_mb"]
    out.update(b.memory_mb())
    compare_to_baseline(b, "backlog", out)
    out["empty_receives"] = counters["empty_receives"]
    return out


SCENARIOS: dict[str, Callable[[Bench], dict]] = {
    "reference": sc_reference,
    "send_batch": sc_send_batch,
    "drain": sc_drain,
    "send_single": sc_send_single,
    "longpoll_latency": sc_longpoll_latency,
    "backlog": sc_backlog,
    "fifo_send_batch_1g": lambda b: sc_fifo_send_batch(b, "fifo_send_batch_1g", 1),
    "fifo_send_batch_100g": lambda b: sc_fifo_send_batch(b, "fifo_send_batch_100g", 100),
    "fifo_drain_1g": lambda b: sc_fifo_drain(b, "fifo_drain_1g", 1),
    "fifo_drain_100g": lambda b: sc_fifo_drain(b, "fifo_drain_100g", 100),
}


# --------------------------------------------------------------------------- report


def add_ratios(b: Bench, name: str, r: dict) -> None:
    """Attach target verdicts and ratios to the reference measured in this run."""
    ref = b.ref_rps()
    if name in TARGETS:
        text, ok = TARGETS[name]
        r["target"] = text
        try:
            r["target_met"] = bool(ok(r))
        except (TypeError, KeyError):
            r["target_met"] = False
    if "failed" in r:
        return
    if name == "longpoll_latency":
        rtt = b.results.get("reference", {}).get("rtt_p50_ms")
        r["ratio_to_reference"] = _r(r["p50_ms"] / rtt, 2) if rtt and r.get("p50_ms") else None
        r["ratio_basis"] = "p50 / reference single-connection round-trip p50 (lower is better)"
    elif ref and name != "reference":
        r["ratio_to_reference"] = _r(r["value"] / ref)
        r["request_ratio_to_reference"] = _r(r["requests_per_s"] / ref)
    ref_cost = b.results.get("reference", {}).get("server_cpu_us_per_request")
    if ref_cost and r.get("server_cpu_us_per_request") and name != "reference":
        # Server CPU per request relative to the bare stack: steady even when the box is busy.
        r["server_cost_ratio"] = _r(r["server_cpu_us_per_request"] / ref_cost, 2)
    elif name == "reference":
        r["ratio_to_reference"] = 1.0


def fmt(x: object, nd: int = 2) -> str:
    """Human formatting for the table."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.{nd}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def print_table(results: dict[str, dict]) -> None:
    """Rich table if rich is installed, plain aligned text otherwise."""
    headers = [
        "scenario",
        "result",
        "unit",
        "×ref",
        "×base",
        "req/s ×ref",
        "p50 ms",
        "p99 ms",
        "errors",
        "srv µs/req",
        "cost ×ref",
        "target",
        "met",
    ]
    rows = []
    for name, r in results.items():
        if "failed" in r:
            rows.append([name, "FAILED", "", "", "", "", "", "", "", "", "", r.get("target", ""), "NO"])
            continue
        rows.append(
            [
                name,
                fmt(r.get("value")),
                r.get("unit", ""),
                fmt(r.get("ratio_to_reference"), 3),
                fmt(r.get("ratio_to_baseline"), 3) if "baseline" in r else "",
                fmt(r.get("request_ratio_to_reference"), 3),
                fmt(r.get("p50_ms")),
                fmt(r.get("p99_ms")),
                fmt(r.get("errors")),
                fmt(r.get("server_cpu_us_per_request"), 1),
                fmt(r.get("server_cost_ratio"), 1),
                r.get("target", ""),
                fmt(r.get("target_met")) if "target_met" in r else "",
            ]
        )
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Conveyor benchmark")
        for h in headers:
            table.add_column(h, justify="left" if h in ("scenario", "unit", "target") else "right")
        for row in rows:
            table.add_row(*[str(c) for c in row])
        # Piped into a log, rich would squeeze the table to 80 columns.
        Console(width=None if sys.stdout.isatty() else 200).print(table)
    except ImportError:
        widths = [max(len(str(h)), *(len(str(row[i])) for row in rows)) for i, h in enumerate(headers)]
        print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for row in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    for name, r in results.items():
        extra = []
        if name == "reference" and "rtt_p50_ms" in r:
            extra.append(f"1-conn RTT p50 {fmt(r['rtt_p50_ms'], 3)} ms")
        if name == "reference" and "value_end" in r:
            extra.append(
                f"start {fmt(r['value_start'])} / end {fmt(r['value_end'])} req/s"
                f" (drift {r['reference_drift']:+.0%}; ratios use the mean)"
            )
        if "fill_rate_msg_s" in r:
            extra.append(f"fill {fmt(r['fill_rate_msg_s'])} msg/s")
        if "baseline" in r:
            extra.append(
                f"{fmt(r['ratio_to_baseline'], 3)}× {r['baseline']} rate"
                f" ({fmt(r.get('cpu_ratio_to_baseline'), 3)}× by server CPU per message)"
            )
        if "order_checked" in r:
            extra.append(f"per-group order checked on {r['order_checked']:,} messages")
        if "server_peak_rss_mb" in r and name == "backlog":
            extra.append(f"RSS {r['server_rss_mb']} MB (peak {r['server_peak_rss_mb']} MB)")
        if r.get("note"):
            extra.append(r["note"])
        if r.get("error_samples"):
            extra.append(f"errors e.g. {r['error_samples'][:2]}")
        if r.get("failed"):
            extra.append(r["failed"])
        if extra:
            print(f"  {name}: " + "; ".join(extra))


def run_metadata(started: float, load_before: tuple[float, float, float], server_cmd: Any,
                 args: dict[str, Any]) -> dict[str, Any]:
    """What a result file records about the run that produced it."""
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "wall_s": round(time.time() - started, 1),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "server_cmd": server_cmd,
        "args": args,
    }


def git_commit() -> str | None:
    """The commit being measured, for the JSON record."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """CLI options; defaults keep a full run around a minute."""
    p = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--scenarios",
        default=",".join(DEFAULT_SCENARIOS),
        help=f"comma list of {', '.join(ALL_SCENARIOS)}, or the set fifo (reference is always run)",
    )
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per scenario")
    p.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each window")
    p.add_argument("--store", default="sqlite", choices=["sqlite", "memory"])
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "latest.json"))
    p.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    p.add_argument(
        "--processes",
        type=int,
        default=1,
        help="load-generator worker processes (1 suits 2 cores: the server needs the other)",
    )
    p.add_argument("--drain-messages", type=int, default=0, help="pre-fill for drain (0: sized from send_batch)")
    p.add_argument("--backlog", type=int, default=1_000_000, help="messages to fill for the backlog scenario")
    p.add_argument("--backlog-drain", type=int, default=100_000, help="messages drained (backlog)")
    p.add_argument("--receivers", type=int, default=8, help="long-polling receivers")
    p.add_argument("--longpoll-samples", type=int, default=5_000, help="long-poll sample cap")
    p.add_argument(
        "--server-cmd",
        default=DEFAULT_SERVER_CMD,
        help="server command template ({python} {host} {port} {data_dir} {store})",
    )
    args = p.parse_args(argv)
    names = [n for s in args.scenarios.split(",") if s.strip() for n in SCENARIO_SETS.get(s.strip(), [s.strip()])]
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenarios {unknown}; choose from {ALL_SCENARIOS} or {list(SCENARIO_SETS)}")
    names += [BASELINES[s] for s in names if s in BASELINES]  # e.g. backlog is reported relative to drain
    names.append("reference")  # every ratio needs it
    args.scenario_list = [s for s in ALL_SCENARIOS if s in names]
    return args


def main(argv: list[str] | None = None) -> int:
    """Start servers, run scenarios, print and save the results; exit 1 on errors."""
    args = parse_args(argv)
    repo_root = str(Path(__file__).resolve().parent.parent)
    tmp = tempfile.TemporaryDirectory(prefix="conveyor-bench-")
    data_dir = Path(tmp.name) / "data"
    data_dir.mkdir()
    ref_port, sqs_port = free_port(), free_port()
    ref_cmd = [sys.executable, "-m", "bench.reference_server", "--host", HOST, "--port", str(ref_port)]
    ref = ServerProc("reference server", ref_cmd, ref_port, Path(tmp.name) / "reference.log")
    cmd = shlex.split(
        args.server_cmd.format(
            python=shlex.quote(sys.executable),
            host=HOST,
            port=sqs_port,
            data_dir=shlex.quote(str(data_dir)),
            store=args.store,
        )
    )
    sqs = ServerProc("conveyor", cmd, sqs_port, Path(tmp.name) / "conveyor.log")
    b = Bench(args, ref, sqs)
    started = time.time()
    load_before = os.getloadavg()
    try:
        ref.start(cwd=repo_root)
        sqs.start(cwd=repo_root)
        ref.wait_ready(lg.sqs_request(HOST, ref_port, "ListQueues", {}))
        sqs.wait_ready(lg.sqs_request(HOST, sqs_port, "ListQueues", {}))
        print(f"servers up: reference pid {ref.pid}, conveyor pid {sqs.pid} ({' '.join(cmd)})", file=sys.stderr)
        for name in args.scenario_list:
            print(f"→ {name}", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            try:
                if not sqs.alive() or not ref.alive():
                    raise RuntimeError("a server has exited")
                r = SCENARIOS[name](b)
            except Exception as exc:  # report and carry on with the other scenarios
                r = {"failed": f"{type(exc).__name__}: {exc}", "errors": 1}
                if not sqs.alive():
                    r["server_log"] = sqs.log_tail()
            r["wall_s"] = round(time.monotonic() - t0, 1)
            if name != "backlog" and "failed" not in r:
                r.update(b.memory_mb() if name != "reference" else {})
            add_ratios(b, name, r)
            b.results[name] = r
        others = [n for n in b.results if n != "reference"]
        if "failed" not in b.results.get("reference", {"failed": 1}) and others and ref.alive():
            print("→ reference (again)", file=sys.stderr, flush=True)
            remeasure_reference(b)
            for name in b.results:
                add_ratios(b, name, b.results[name])
    finally:
        sqs.stop()
        ref.stop()
        server_log = sqs.log_tail(20)
        tmp.cleanup()
    meta = run_metadata(started, load_before, cmd, {k: v for k, v in vars(args).items() if k != "scenario_list"})
    print_table(b.results)
    cpus = os.cpu_count() or 1
    la = f"load average {load_before[0]:.1f} before, {meta['loadavg_after'][0]:.1f} after ({cpus} CPUs)"
    busy = max(load_before[0], meta["loadavg_after"][0]) > cpus
    print(la + ("; the machine was busy: trust the ratios, not the absolute rates" if busy else ""))
    if any("failed" in r for r in b.results.values()) and server_log:
        print("conveyor log tail:\n" + server_log, file=sys.stderr)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": b.results}, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out} ({meta['wall_s']} s)")
    return 1 if any(r.get("errors") for r in b.results.values()) else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
