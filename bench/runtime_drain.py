"""How fast does the function runtime drain a queue, next to a bare client doing the same?

``python -m bench.runtime_drain [--messages 100000]``

One durable Conveyor server (``conveyor serve --store sqlite``, a temporary data directory) is
started the way ``bench/run.py`` starts it. Two queues are filled with ``--messages`` 100-byte
messages each (batched sends, not timed), then drained one after the other:

* **bare**: a raw client (``bench/loadgen.py``) with 10 concurrent consumers, each looping
  ReceiveMessage (10) + DeleteMessageBatch until the queue is empty. This is the reference.
* **runtime**: ``conveyor.runtime.FunctionRuntime`` with one mapping (BatchSize 10,
  MaximumConcurrency 10) and a no-op handler module written to a temporary directory, built the
  way ``conveyor functions run`` builds it. The clock runs from ``start()`` (cold starts
  included) until the runtime has deleted every message.

The handler appends the ``messageId`` of every record it is given to a file per worker process
(one write per invocation). At the end every id must be there exactly once, the mapping must
report no errors and the queue must be empty; otherwise the run fails (exit status 1).

The figure that matters is runtime/bare (target ≥ 60 %). CPU seconds per message of each
process (server, runtime pollers, handler workers, bare client) are read from ``/proc`` so a
shortfall can be placed; ``--profile DIR`` also records the runtime phase with py-spy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from bench import loadgen as lg
from bench.run import DEFAULT_SERVER_CMD, HOST, Bench, ServerProc, drain_factory, fill_queue, free_port, run_metadata

TARGET_RATIO = 0.60
FUNCTION_NAME = "bench-noop"

HANDLER_SOURCE = '''\
"""No-op SQS handler for bench/runtime_drain.py: records each messageId, nothing else."""

import os

_OUT = open(os.path.join(os.environ["BENCH_IDS_DIR"], f"{os.getpid()}.ids"), "a")  # noqa: SIM115


def handler(event, context):
    _OUT.write("".join(record["messageId"] + "\\n" for record in event["Records"]))
    _OUT.flush()  # workers are killed at shutdown: nothing may wait in a buffer
'''


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.runtime_drain", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--messages", type=int, default=100_000, help="messages per queue (default 100,000)")
    p.add_argument("--consumers", type=int, default=10, help="bare-drain consumers (default 10)")
    p.add_argument("--batch-size", type=int, default=10, help="mapping BatchSize (default 10)")
    p.add_argument("--max-concurrency", type=int, default=10, help="mapping MaximumConcurrency (default 10)")
    p.add_argument("--store", default="sqlite", choices=["sqlite", "memory"])
    p.add_argument("--connections", type=int, default=32, help="connections used to fill the queues")
    p.add_argument("--order", choices=["bare-first", "runtime-first"], default="bare-first")
    p.add_argument("--timeout", type=float, default=1800, help="give up on the runtime drain after S seconds")
    p.add_argument("--profile", metavar="DIR", help="record the runtime phase with py-spy into DIR")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "runtime_drain.json"))
    args = p.parse_args(argv)
    # Bench.load() reads these; fills run untimed with no warm-up in one process.
    args.warmup, args.processes = 0.0, 1
    return args


def cpu_seconds(pids: list[int]) -> float:
    return sum(lg.server_cpu_seconds(pid) or 0.0 for pid in pids)


def fill(b: Bench, name: str, total: int) -> tuple[str, dict]:
    url = b.create_queue(name)
    figures = fill_queue(b, url, total)
    depth = b.queue_depth(url).get("ApproximateNumberOfMessages", 0)
    if figures["filled"] != total or depth != total:
        raise RuntimeError(f"fill of {name}: {figures['filled']:,} sent, {depth:,} in the queue, {total:,} wanted")
    print(f"  filled {name}: {total:,} messages at {figures['fill_rate_msg_s']:,.0f} msg/s", file=sys.stderr)
    return url, figures


def bare_drain(b: Bench, args: argparse.Namespace) -> dict:
    url, figures = fill(b, "bench-bare-drain", args.messages)
    factory, counters = drain_factory(b, url)
    server_cpu = cpu_seconds([b.sqs.pid])
    res = lg.run_load(HOST, b.port, factory, connections=args.consumers, duration=None, warmup=0.0)
    server_cpu = cpu_seconds([b.sqs.pid]) - server_cpu
    depth = b.queue_depth(url)
    out = {
        "messages": res.units,
        "seconds": round(res.elapsed, 3),
        "msg_per_s": round(res.rate, 1),
        "requests": res.requests,
        "errors": res.errors,
        "error_samples": res.error_samples,
        "empty_receives": counters["empty_receives"],
        "queue_after": depth,
        "cpu_us_per_msg": {
            "server": round(server_cpu / max(1, res.units) * 1e6, 1),
            "client": round(res.client_cpu / max(1, res.units) * 1e6, 1),
        },
        "fill": figures,
    }
    if res.units != args.messages:
        out["errors"] += 1
        out["error_samples"].append(f"deleted {res.units:,} of {args.messages:,}")
    return out


def write_handler(root: Path) -> None:
    (root / "bench_noop_handler.py").write_text(HANDLER_SOURCE)


def start_profilers(directory: str) -> list[subprocess.Popen]:
    """py-spy on this process and its children: the runtime's pollers, the handler workers and the
    server (a child too). ``--gil`` keeps only samples of threads holding the GIL, i.e. CPU work.

    The collapsed stacks (``DIR/runtime.txt``, one line per stack with its sample count) are
    written when the runtime phase ends; feed them to flamegraph.pl or speedscope, or grep them.
    """
    if shutil.which("py-spy") is None:
        print("  py-spy not found (pip install py-spy): no profile", file=sys.stderr)
        return []
    Path(directory).mkdir(parents=True, exist_ok=True)
    output = str(Path(directory) / "runtime.txt")
    cmd = ["py-spy", "record", "--pid", str(os.getpid()), "--subprocesses", "--gil", "--rate", "250"]
    cmd += ["--format", "raw", "--output", output]
    return [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)]


def stop_profilers(profilers: list[subprocess.Popen]) -> list[str]:
    problems = []
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.kill()
        if profiler.returncode and profiler.stderr:
            problems.append(profiler.stderr.read().decode(errors="replace")[-300:])
    return problems


def runtime_drain(b: Bench, args: argparse.Namespace, work: Path) -> dict:
    # Imported here so the bare phase runs without the runtime (and boto3) loaded.
    from conveyor.runtime.mapping import EventSourceMapping
    from conveyor.runtime.poller import Options
    from conveyor.runtime.runtime import FunctionRuntime

    url, figures = fill(b, "bench-runtime-drain", args.messages)
    task_root, ids_dir = work / "functions", work / "ids"
    task_root.mkdir()
    ids_dir.mkdir()
    write_handler(task_root)
    os.environ["BENCH_IDS_DIR"] = str(ids_dir)  # spawned workers inherit it
    mapping = EventSourceMapping(
        name=FUNCTION_NAME,
        queue=url,
        handler="bench_noop_handler:handler",
        batch_size=args.batch_size,
        max_concurrency=args.max_concurrency,
    )
    # What `conveyor functions run` builds: default Options but for where handlers are imported from.
    runtime = FunctionRuntime(
        [mapping], f"http://{HOST}:{b.port}", Options(region="us-east-1", task_root=str(task_root))
    )
    profilers = start_profilers(args.profile) if args.profile else []
    if profilers:
        time.sleep(1.0)  # let py-spy attach before the clock starts
    me = [os.getpid()]
    cpu_server, cpu_runtime = cpu_seconds([b.sqs.pid]), cpu_seconds(me)
    workers: dict[int, float] = {}  # worker pid -> last CPU seconds seen (they are killed at stop)
    started = time.monotonic()
    runtime.start()
    deadline = started + args.timeout
    stats: dict[str, Any] = {}
    progress: list[tuple[float, int]] = []
    while time.monotonic() < deadline:
        stats = runtime.describe(FUNCTION_NAME)["stats"]
        progress.append((time.monotonic() - started, stats["deleted"]))
        for child in multiprocessing.active_children():
            if child.pid is not None:
                workers[child.pid] = lg.server_cpu_seconds(child.pid) or workers.get(child.pid, 0.0)
        if stats["deleted"] >= args.messages:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    cpu_server = cpu_seconds([b.sqs.pid]) - cpu_server
    cpu_runtime = cpu_seconds(me) - cpu_runtime
    for pid in workers:
        workers[pid] = lg.server_cpu_seconds(pid) or workers[pid]
    final = runtime.describe(FUNCTION_NAME).get("stats") or stats
    profile_problems = stop_profilers(profilers)
    runtime.stop()  # lanes finish their current long poll first (up to WaitTimeSeconds, 20 s)
    depth = b.queue_depth(url)
    check = check_ids(ids_dir, args.messages)
    deleted = progress[-1][1] if progress else 0
    n = max(1, deleted)
    out = {
        "messages": deleted,
        "seconds": round(elapsed, 3),
        "msg_per_s": round(deleted / elapsed, 1) if elapsed else 0.0,
        "steady_msg_per_s": steady_rate(progress, args.messages),
        "invocations": final.get("invocations", 0),
        "stats": final,
        "queue_after": depth,
        "handler_check": check,
        "cpu_us_per_msg": {
            "server": round(cpu_server / n * 1e6, 1),
            "runtime_pollers": round(cpu_runtime / n * 1e6, 1),
            "handler_workers": round(sum(workers.values()) / n * 1e6, 1),
        },
        "worker_processes": len(workers),
        "fill": figures,
        "errors": 0,
        "error_samples": [],
    }
    problems = []
    if deleted < args.messages:
        problems.append(f"runtime deleted {deleted:,} of {args.messages:,} within {args.timeout:g} s")
    if out["stats"].get("errors"):
        problems.append(f"{out['stats']['errors']} failed invocations: {out['stats'].get('last_error')}")
    if any(depth.get(k) for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")):
        problems.append(f"queue not empty afterwards: {depth}")
    if not check["exactly_once"]:
        problems.append(
            f"handler saw {check['distinct']:,} distinct ids in {check['records']:,} records "
            f"for {args.messages:,} messages"
        )
    out["errors"], out["error_samples"] = len(problems), problems
    if profile_problems:
        out["profile_errors"] = profile_problems
    return out


def check_ids(ids_dir: Path, expected: int) -> dict:
    """Every message id the handler saw, across all worker files: each once, and all of them."""
    records = 0
    seen: set[str] = set()
    for path in ids_dir.glob("*.ids"):
        for line in path.read_text().splitlines():
            if line:
                records += 1
                seen.add(line)
    return {
        "records": records,
        "distinct": len(seen),
        "files": len(list(ids_dir.glob("*.ids"))),
        "exactly_once": records == len(seen) == expected,
    }


def steady_rate(progress: list[tuple[float, int]], total: int) -> float | None:
    """Rate between 10 % and 90 % deleted: without the cold start and the tail."""
    low = next((p for p in progress if p[1] >= total * 0.1), None)
    high = next((p for p in progress if p[1] >= total * 0.9), None)
    if not low or not high or high[0] <= low[0]:
        return None
    return round((high[1] - low[1]) / (high[0] - low[0]), 1)


def print_report(result: dict) -> None:
    bare, rt = result["bare"], result["runtime"]
    print()
    print(f"{'':>10} {'messages':>10} {'seconds':>8} {'msg/s':>9}  CPU µs/msg")
    print(
        f"{'bare':>10} {bare['messages']:>10,} {bare['seconds']:>8.2f} {bare['msg_per_s']:>9,.0f}  "
        + ", ".join(f"{k} {v:g}" for k, v in bare["cpu_us_per_msg"].items())
    )
    print(
        f"{'runtime':>10} {rt['messages']:>10,} {rt['seconds']:>8.2f} {rt['msg_per_s']:>9,.0f}  "
        + ", ".join(f"{k} {v:g}" for k, v in rt["cpu_us_per_msg"].items())
    )
    steady = f" (steady 10–90 %: {rt['steady_msg_per_s']:,.0f} msg/s)" if rt.get("steady_msg_per_s") else ""
    ratio = result["ratio"]
    verdict = "meets" if ratio is not None and ratio >= TARGET_RATIO else "MISSES"
    print(
        f"runtime/bare = {ratio:.1%}{steady}; target ≥ {TARGET_RATIO:.0%}: {verdict}"
        if ratio is not None
        else "runtime/bare: n/a"
    )
    check = rt["handler_check"]
    print(
        f"handler: {check['records']:,} records, {check['distinct']:,} distinct ids over {check['files']} "
        f"worker files, {rt['invocations']:,} invocations — "
        + ("every message exactly once" if check["exactly_once"] else "NOT exactly once")
    )
    for phase in ("bare", "runtime"):
        for problem in result[phase]["error_samples"]:
            print(f"ERROR ({phase}): {problem}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repo_root = str(Path(__file__).resolve().parent.parent)
    work = Path(tempfile.mkdtemp(prefix="conveyor-runtime-bench-"))
    data_dir = work / "data"
    data_dir.mkdir()
    port = free_port()
    cmd = shlex.split(
        DEFAULT_SERVER_CMD.format(
            python=shlex.quote(sys.executable),
            host=HOST,
            port=port,
            data_dir=shlex.quote(str(data_dir)),
            store=args.store,
        )
    )
    server = ServerProc("conveyor", cmd, port, work / "conveyor.log")
    b = Bench(args, server, server)
    started = time.time()
    load_before = os.getloadavg()
    result: dict[str, Any] = {}
    try:
        server.start(cwd=repo_root)
        server.wait_ready(lg.sqs_request(HOST, port, "ListQueues", {}))
        print(f"conveyor up: pid {server.pid} ({' '.join(cmd)})", file=sys.stderr)
        phases = [("bare", lambda: bare_drain(b, args)), ("runtime", lambda: runtime_drain(b, args, work))]
        if args.order == "runtime-first":
            phases.reverse()
        for name, run in phases:
            print(f"→ {name} drain of {args.messages:,} messages", file=sys.stderr, flush=True)
            result[name] = run()
            print(f"  {result[name]['msg_per_s']:,.0f} msg/s", file=sys.stderr, flush=True)
    finally:
        server.stop()
        log_tail = server.log_tail(20)
        shutil.rmtree(work, ignore_errors=True)
    bare_rate, rt_rate = result["bare"]["msg_per_s"], result["runtime"]["msg_per_s"]
    result["ratio"] = round(rt_rate / bare_rate, 4) if bare_rate else None
    result["target_ratio"] = TARGET_RATIO
    result["meta"] = run_metadata(started, load_before, cmd, vars(args))
    print_report(result)
    errors = result["bare"]["errors"] + result["runtime"]["errors"]
    if errors and log_tail:
        print("conveyor log tail:\n" + textwrap.indent(log_tail, "  "), file=sys.stderr)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"wrote {out} ({result['meta']['wall_s']} s)")
    return 1 if errors else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
