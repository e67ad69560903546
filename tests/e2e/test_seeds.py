"""The user's own client code (seeds 000 and 002), unmodified, against a server process.

The seed code only learns where the server is from ``AWS_ENDPOINT_URL_SQS`` (plus dummy
credentials and region) in its environment, as it would in a deployment.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.process import client_env, die_with_parent

HERE = Path(__file__).resolve().parent
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"  # ../shared beside the checkout


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def read(path: Path) -> str:
    return path.read_text("utf-8") if path.exists() else ""


def queue_counts(sqs, url: str) -> tuple[str, str]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]


class Workers:
    """Worker processes (worker_main.py) started by a test; the ``children`` fixture reaps them."""

    def __init__(self, server, children: list[subprocess.Popen], tmp_path: Path) -> None:
        self.server, self.children, self.tmp_path = server, children, tmp_path
        self.record = tmp_path / "record.txt"
        self.logs: dict[str, Path] = {}
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, queue_url: str, visibility_timeout: int, *names: str) -> None:
        for name in names:
            log = self.tmp_path / f"worker-{name}.log"
            with open(log, "wb") as stderr:
                proc = subprocess.Popen(
                    [sys.executable, str(HERE / "worker_main.py"), queue_url, str(self.record),
                     str(visibility_timeout), name],
                    env=client_env(self.server.endpoint_url), cwd=self.tmp_path,
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                    preexec_fn=die_with_parent,
                )
            self.children.append(proc)
            self.logs[name], self.procs[name] = log, proc
        for name in names:
            wait_for(lambda name=name: "InferenceWorker 啟動" in read(self.logs[name]) or self.procs[name].poll(),
                     20, f"worker {name} to start")
            assert self.procs[name].poll() is None, read(self.logs[name])

    def events(self) -> list[tuple[str, str, str]]:
        return [tuple(line.split(" ", 2)) for line in read(self.record).splitlines()]  # type: ignore[misc]


@pytest.fixture
def workers(server, children, tmp_path) -> Workers:
    return Workers(server, children, tmp_path)


def test_inference_worker_handles_every_job_once_and_stops_gracefully_on_sigterm(server, sqs, workers):
    url = sqs.create_queue(QueueName="inference-jobs")["QueueUrl"]
    jobs = [f"job_{index:03d}" for index in range(12)]
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(index), "MessageBody": json.dumps({"job_id": job})} for index, job in enumerate(jobs[:10])
    ])
    for job in jobs[10:]:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"job_id": job}))

    workers.start(url, 30, "w1")
    wait_for(lambda: sum(event == "done" for _, event, _ in workers.events()) >= len(jobs), 30, "all jobs done")
    events = workers.events()
    assert sorted(job for _, event, job in events if event == "start") == jobs
    assert sorted(job for _, event, job in events if event == "done") == jobs
    wait_for(lambda: queue_counts(sqs, url) == ("0", "0"), 5, "the queue to be empty")

    # SIGTERM during a job: the worker finishes and deletes it, then leaves without another long poll.
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"job_id": "job_last", "seconds": 1.5}))
    wait_for(lambda: ("w1", "start", "job_last") in workers.events(), 10, "the last job to start")
    proc = workers.procs["w1"]
    proc.send_signal(signal.SIGTERM)
    sent_at = time.monotonic()
    assert proc.wait(15) == 0, read(workers.logs["w1"])
    assert time.monotonic() - sent_at < 8
    log = read(workers.logs["w1"])
    assert "收到停止訊號,等待當前任務完成後退出..." in log
    assert "成功處理並刪除訊息,job_id=job_last" in log
    assert log.rstrip().endswith("InferenceWorker 已優雅關閉"), log
    assert "ERROR" not in log, log
    assert ("w1", "done", "job_last") in workers.events()
    assert queue_counts(sqs, url) == ("0", "0")


def test_heartbeat_keeps_a_long_job_from_being_redelivered(server, sqs, workers):
    url = sqs.create_queue(QueueName="slow-jobs")["QueueUrl"]
    workers.start(url, 2, "a", "b")  # visibility 2 s: the heartbeat extends it every 1 s
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"job_id": "long", "seconds": 3.5}))
    wait_for(lambda: any(event == "start" for _, event, _ in workers.events()), 10, "the job to start")
    started = time.monotonic()

    stolen = []
    while not any(event == "done" for _, event, _ in workers.events()):
        assert time.monotonic() - started < 10, "the job never finished"
        stolen += sqs.receive_message(QueueUrl=url, VisibilityTimeout=1).get("Messages", [])
        time.sleep(0.25)
    assert time.monotonic() - started >= 3  # the job really outlived the 2 s visibility timeout
    assert stolen == [], "the message became visible while its job was running"

    events = workers.events()
    assert [event for _, event, _ in events] == ["start", "done"], events  # the other worker never got it
    handler = events[0][0]
    wait_for(lambda: queue_counts(sqs, url) == ("0", "0"), 5, "the message to be deleted")
    log = read(workers.logs[handler])
    assert log.count("Visibility timeout 已延長") >= 2, log
    assert "Heartbeat 失敗" not in log and "處理訊息失敗" not in log, log
    assert "成功處理並刪除訊息,job_id=long" in log


def test_failed_job_is_retried_after_its_visibility_timeout_with_growing_receive_count(server, sqs, workers):
    url = sqs.create_queue(QueueName="flaky-jobs")["QueueUrl"]
    workers.start(url, 2, "w")
    sent_at = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"job_id": "bad", "fail": True}))
    wait_for(lambda: len(workers.events()) >= 3, 12, "three attempts at the failing job")
    elapsed = time.monotonic() - sent_at
    assert elapsed >= 3.5, f"three attempts within {elapsed:.1f}s: the 2 s visibility timeout was not honoured"
    assert workers.events()[:3] == [("w", "start", "bad")] * 3
    log = read(workers.logs["w"])
    assert log.count("處理訊息失敗(receive_count=") >= 2, log
    assert "處理訊息失敗(receive_count=1)" in log and "處理訊息失敗(receive_count=2)" in log, log
    wait_for(lambda: "訊息重試次數偏高(3 次)" in read(workers.logs["w"]), 5, "the third attempt's warning")


def test_seed_send_functions(server, sqs, tmp_path):
    """``send_to_standard_queue`` and ``send_to_fifo_queue`` as written, configured only by the environment."""
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    fifo_url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    message = {"order_id": "ORD-1", "action": "create", "amount": 42.5, "note": "訂單"}
    env = client_env(server.endpoint_url)
    env["PYTHONPATH"] = str(HERE)
    result = subprocess.run(
        [sys.executable, "-c",
         "import json, sys\n"
         "from seed_send_messages import send_to_fifo_queue, send_to_standard_queue\n"
         "message = json.loads(sys.argv[3])\n"
         "print(send_to_standard_queue(sys.argv[1], message))\n"
         "for step in range(3):\n"
         "    print(send_to_fifo_queue(sys.argv[2], {**message, 'step': step}, 'user-1'))\n",
         url, fifo_url, json.dumps(message)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    message_id, *fifo_ids = result.stdout.split()
    order_created = {"MessageType": {"DataType": "String", "StringValue": "OrderCreated"}}

    received = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
    assert len(received) == 1
    assert received[0]["MessageId"] == message_id
    assert json.loads(received[0]["Body"]) == message
    assert received[0]["MessageAttributes"] == order_created

    # FIFO: three distinct dedup ids, one group: all three arrive, in order.
    fifo = sqs.receive_message(QueueUrl=fifo_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                               AttributeNames=["MessageGroupId"])["Messages"]
    assert [m["MessageId"] for m in fifo] == fifo_ids
    assert [json.loads(m["Body"])["step"] for m in fifo] == [0, 1, 2]
    assert all(m["Attributes"]["MessageGroupId"] == "user-1" for m in fifo)
    assert all(m["MessageAttributes"] == order_created for m in fifo)


class _Stop(Exception):
    pass


def test_long_polling_loop_gets_a_message_sent_while_it_waits(server, sqs):
    QUEUE_URL = sqs.create_queue(QueueName="my-queue")["QueueUrl"]  # the seed's name
    got: list[tuple[float, list[str]]] = []
    errors: list[BaseException] = []

    def process_batch(messages):
        got.append((time.monotonic(), [message["Body"] for message in messages]))
        for message in messages:
            sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])
        if sum(len(bodies) for _, bodies in got) >= 3:
            raise _Stop

    def seed_loop():
        try:
            # Seed 000, "Long Polling(加一個參數就能開)", verbatim:
            # Long Polling:SQS 幫你等,有訊息才回應(最多等 20 秒)
            while True:
                response = sqs.receive_message(
                    QueueUrl=QUEUE_URL,
                    MaxNumberOfMessages=10, # 一次最多拿 10 筆,提高吞吐量
                    WaitTimeSeconds=20, # ← 加這個就是 long polling
                )
                messages = response.get("Messages", [])
                if messages:
                    process_batch(messages)
                # 不需要 sleep,SQS 已經幫你等了
        except _Stop:
            pass
        except BaseException as exc:
            errors.append(exc)

    poller = threading.Thread(target=seed_loop, daemon=True)
    poller.start()
    time.sleep(1.0)  # the loop is now waiting inside a long poll
    assert got == []
    sent_at = time.monotonic()
    sqs.send_message_batch(QueueUrl=QUEUE_URL, Entries=[
        {"Id": str(index), "MessageBody": f"job-{index}"} for index in range(3)
    ])
    poller.join(10)
    assert not poller.is_alive(), "the long-polling loop did not get the messages"
    assert errors == []
    assert sorted(body for _, bodies in got for body in bodies) == ["job-0", "job-1", "job-2"]
    assert got[0][0] - sent_at < 1.0, "the long poll did not answer promptly"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the user's seed posts are not here")
@pytest.mark.parametrize(
    ("copy", "seed", "start", "end"),
    [
        ("seed_inference_worker.py", "000_", "import boto3\nimport json\nimport logging\nimport signal",
         "# 使用方式:繼承並實作 handle()"),
        ("seed_send_messages.py", "002_", "import boto3\nimport json\nimport uuid", "Event Source Mapping 設定"),
    ],
)
def test_seed_copies_are_verbatim(copy, seed, start, end):
    """The copies differ from the posts only in indentation (and a header comment)."""
    text = next(SEEDS.glob(f"{seed}*.txt")).read_text("utf-8")
    text = text[text.index(start):]
    original = [line.strip() for line in text[:text.index(end)].splitlines() if line.strip()]
    ours = (HERE / copy).read_text("utf-8")
    ours = ours[ours.index(start.split("\n")[0]):]
    assert [line.strip() for line in ours.splitlines() if line.strip()] == original
