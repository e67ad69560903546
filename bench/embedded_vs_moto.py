"""Conveyor's embedded server vs moto's in-process mock, on the same 200-test suite.

``python -m bench.embedded_vs_moto [--tests 200] [--repeat 3]`` writes two copies of a suite of
small SQS tests (create queue, send, receive, delete) into a temp dir — one using the
``conveyor_sqs`` fixture of Conveyor's pytest plugin (a real server over a socket), one
decorated with moto's ``mock_aws`` — runs each with pytest in a subprocess, and reports the
wall times and their ratio (best of ``--repeat`` runs each, as both share a noisy machine). It
also reports how long an embedded server takes from ``start()`` to its first answered request.
Target: Conveyor's suite takes no more than 1.5 × moto's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST_BODY = '''
    url = sqs.create_queue(QueueName="q{n}")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="message {n}")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert messages[0]["Body"] == "message {n}"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
'''

MOTO_HEADER = '''import os
import boto3
from moto import mock_aws

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
'''


def write_suites(root: Path, count: int) -> tuple[Path, Path]:
    conveyor_dir, moto_dir = root / "conveyor_suite", root / "moto_suite"
    conveyor_dir.mkdir()
    moto_dir.mkdir()
    conveyor_tests = [
        f"def test_{n}(conveyor_sqs):\n    sqs = conveyor_sqs{TEST_BODY.format(n=n)}" for n in range(count)
    ]
    moto_tests = [
        f"@mock_aws\ndef test_{n}():\n    sqs = boto3.client('sqs', region_name='us-east-1'){TEST_BODY.format(n=n)}"
        for n in range(count)
    ]
    (conveyor_dir / "test_suite.py").write_text("\n\n".join(conveyor_tests) + "\n")
    (moto_dir / "test_suite.py").write_text(MOTO_HEADER + "\n\n" + "\n\n".join(moto_tests) + "\n")
    for suite in (conveyor_dir, moto_dir):
        (suite / "pytest.ini").write_text("[pytest]\n")
    return conveyor_dir, moto_dir


def run_suite(directory: Path, count: int, plugins: list[str]) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugins, str(directory)]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or f"{count} passed" not in result.stdout:
        raise SystemExit(f"suite in {directory} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def start_to_first_request(samples: int) -> list[float]:
    """Milliseconds from ConveyorServer.start() to its first answered request (the client made beforehand)."""
    import boto3

    from conveyor.testing import ConveyorServer

    timings = []
    for _ in range(samples):
        server = ConveyorServer()
        started = time.perf_counter()
        server.start()
        client = boto3.client("sqs", endpoint_url=server.endpoint_url, region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="x")
        client_made = time.perf_counter()
        client.list_queues()
        answered = time.perf_counter()
        timings.append(((client_made - started) + (answered - client_made)) * 1000)
        server.stop()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="conveyor-vs-moto-") as tmp:
        conveyor_dir, moto_dir = write_suites(Path(tmp), args.tests)
        conveyor_times, moto_times = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine weather
            conveyor_times.append(run_suite(conveyor_dir, args.tests, []))
            moto_times.append(run_suite(moto_dir, args.tests, ["-p", "no:conveyor"]))
    best_conveyor, best_moto = min(conveyor_times), min(moto_times)
    starts = start_to_first_request(10)
    print(f"suite of {args.tests} tests, best of {args.repeat} (all runs: conveyor "
          f"{', '.join(f'{t:.2f}' for t in conveyor_times)} s; moto {', '.join(f'{t:.2f}' for t in moto_times)} s)")
    print(f"  conveyor embedded server: {best_conveyor:.2f} s")
    print(f"  moto mock_aws:            {best_moto:.2f} s")
    ratio = best_conveyor / best_moto
    print(f"  ratio conveyor / moto:    {ratio:.2f}  (target ≤ 1.50: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(f"start to first answered request (incl. creating the boto3 client): median "
          f"{statistics.median(starts):.0f} ms, max {max(starts):.0f} ms over {len(starts)} servers")


if __name__ == "__main__":
    main()
