"""``conveyor worker`` as a real process: SIGTERM drains in-flight jobs and exits 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from conveyor.embedded import EmbeddedServer
from tests.support.process import client_env, die_with_parent
from tests.worker.support import queue_depth, wait_for

HERE = Path(__file__).resolve().parent


def start_cli_worker(server: EmbeddedServer, queue: str, logs: Path, *options: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "conveyor", "worker", "app_workers:SlowJobWorker", "--queue", queue,
               "--endpoint", server.endpoint_url, *options]
    with logs.open("wb") as log:
        return subprocess.Popen(command, cwd=HERE, env=client_env(), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)


def run_until_sigterm(server: EmbeddedServer, sqs: Any, tmp_path: Path, seconds: float,
                      *options: str) -> tuple[int, str, Path, str]:
    """Start a worker on a fresh queue, send one job, SIGTERM once it started; (exit code, log, record, url)."""
    name = f"drain-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    record, logs = tmp_path / "record.txt", tmp_path / "worker.log"
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"record": str(record), "seconds": seconds}))
    process = start_cli_worker(server, name, logs, *options)
    try:
        wait_for(lambda: record.exists() or process.poll() is not None, 20, "the job to start")
        assert process.poll() is None, logs.read_text()
        process.send_signal(signal.SIGTERM)
        code = process.wait(20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, logs.read_text(), record, url


def test_sigterm_lets_the_running_job_finish_then_exits_0(server, sqs, tmp_path) -> None:
    code, log, record, url = run_until_sigterm(server, sqs, tmp_path, 2.5, "--visibility-timeout", "2",
                                               "--grace", "15")
    assert code == 0, log
    assert record.read_text().split() == ["start", "done"]
    assert "1 in-flight job(s) finished, 0 handed back" in log
    assert queue_depth(sqs, url) == (0, 0)  # deleted, not left for a retry


def test_sigterm_hands_back_a_job_that_outlives_the_grace_period(server, sqs, tmp_path) -> None:
    started = time.monotonic()
    code, log, record, url = run_until_sigterm(server, sqs, tmp_path, 60, "--visibility-timeout", "60",
                                               "--grace", "1")
    assert code == 0, log
    assert time.monotonic() - started < 15
    assert record.read_text().split() == ["start"]
    assert "0 in-flight job(s) finished, 1 handed back" in log
    # Visible again at once (visibility 0), not after its 60 s timeout.
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert len(messages) == 1 and messages[0]["MessageId"] in log


def test_unknown_queue_is_a_one_line_error(server, tmp_path) -> None:
    logs = tmp_path / "worker.log"
    process = start_cli_worker(server, "no-such-queue", logs)
    assert process.wait(20) == 1
    assert "NonExistentQueue" in logs.read_text() or "does not exist" in logs.read_text()
