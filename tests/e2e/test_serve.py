"""``conveyor serve`` flags, as an operator uses them: stores, restarts, naming, config errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.process import ServerProcess, free_port, sqs_client


def _drain_bodies(sqs, url: str) -> list[str]:
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_memory_store_keeps_nothing_across_restart(start_server):
    server = start_server(data_dir=None, args=["--store", "memory"])
    sqs = sqs_client(server.endpoint_url)
    url = sqs.create_queue(QueueName="ephemeral")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="gone soon")
    assert sqs.list_queues().get("QueueUrls") == [url]

    assert server.terminate() == 0
    server.restart()

    assert sqs.list_queues().get("QueueUrls", []) == []
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="ephemeral")
    # Nothing was written to disk either: the server's working directory holds only its logs.
    assert not list(Path(server._workdir).glob("**/*.db"))


def test_data_dir_keeps_queues_and_messages_across_sigterm_restart(start_server, tmp_path):
    server = start_server(data_dir=tmp_path / "data")
    sqs = sqs_client(server.endpoint_url)
    url = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "45", "DelaySeconds": "0"},
                           tags={"team": "payments"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one",
                     MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "two"},
                                                  {"Id": "b", "MessageBody": "three"}])

    assert server.terminate() == 0, server.stderr_text()
    server.restart()

    assert sqs.get_queue_url(QueueName="durable")["QueueUrl"] == url
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45"
    assert attributes["ApproximateNumberOfMessages"] == "3"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "payments"}
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    by_body = {message["Body"]: message for message in received}
    assert set(by_body) == {"one", "two", "three"}
    assert by_body["one"]["MessageAttributes"] == {"kind": {"DataType": "String", "StringValue": "order"}}


def test_sigint_stops_gracefully_and_fsync_durability_keeps_messages(start_server, tmp_path):
    server = start_server(data_dir=tmp_path / "data", args=["--durability", "fsync"])
    sqs = sqs_client(server.endpoint_url)
    url = sqs.create_queue(QueueName="synced")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="on disk")

    server._proc.send_signal(subprocess.signal.SIGINT)  # type: ignore[union-attr]
    assert server._proc.wait(15) == 0, server.stderr_text()  # type: ignore[union-attr]
    assert "Traceback" not in server.stderr_text()
    server.start()

    assert _drain_bodies(sqs, url) == ["on disk"]


def test_region_and_account_id_show_in_arn_and_urls(start_server):
    server = start_server(args=["--region", "ap-northeast-1", "--account-id", "123456789012"],
                          account_id="123456789012")
    sqs = sqs_client(server.endpoint_url)
    url = sqs.create_queue(QueueName="my-queue")["QueueUrl"]
    assert url == f"http://127.0.0.1:{server.port}/123456789012/my-queue"
    assert sqs.get_queue_url(QueueName="my-queue")["QueueUrl"] == url
    assert sqs.list_queues(QueueNamePrefix="my-")["QueueUrls"] == [url]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == "arn:aws:sqs:ap-northeast-1:123456789012:my-queue"
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert _drain_bodies(sqs, url) == ["hello"]


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ('[server]\nprot = 9324\n', "server.prot"),
        ('[server]\nport = "9324"\n', "server.port"),
        ('[server]\nstore = "redis"\n', "server.store"),
        ('[[queues]]\nname = "q"\ncolour = "red"\n', "queues[0].colour"),
        ('[[queues]]\nname = "q"\nattributes = { VisibilityTimeout = 1.5 }\n',
         "queues[0].attributes.VisibilityTimeout"),
        ('[[queues]]\nname = "q"\nattributes = { VisibilityTimeout = 99999 }\n', "VisibilityTimeout"),
        ('[queue]\nname = "q"\n', "queue"),
    ],
)
def test_invalid_config_exits_non_zero_with_one_line_naming_the_key(tmp_path, toml, names):
    config = tmp_path / "conveyor.toml"
    config.write_text(toml)
    result = subprocess.run(
        [sys.executable, "-m", "conveyor", "serve", "--config", str(config), "--port", str(free_port()),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=20, cwd=tmp_path,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert names in lines[0]


def test_server_process_fails_fast_with_stderr_when_the_server_cannot_start(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nprot = 1\n")
    server = ServerProcess(None, ["--config", str(config)])
    with pytest.raises(RuntimeError, match=r"server\.prot"):
        server.__enter__()
    assert not server.is_running()


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conveyor", "serve", *args],
                          capture_output=True, text=True, timeout=20, cwd=tmp_path)


def test_port_in_use_exits_non_zero_with_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve(tmp_path, "--port", str(port), "--store", "memory")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "address already in use" in lines[0].lower()


def test_data_dir_that_is_a_file_exits_non_zero_with_one_line(tmp_path):
    (tmp_path / "not-a-dir").write_text("")
    result = _serve(tmp_path, "--port", str(free_port()), "--data-dir", str(tmp_path / "not-a-dir"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "not-a-dir" in lines[0]


def test_sigterm_during_a_long_poll_stops_promptly(start_server):
    """A worker is almost always inside a 20 s long poll; stopping the server must not wait it out."""
    server = start_server()
    sqs = sqs_client(server.endpoint_url, read_timeout=30)
    url = sqs.create_queue(QueueName="idle")["QueueUrl"]
    outcome: dict[str, object] = {}

    def long_poll() -> None:
        try:
            outcome["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as exc:
            outcome["error"] = exc

    poller = threading.Thread(target=long_poll, daemon=True)
    poller.start()
    time.sleep(0.5)  # the receive is now waiting on the server
    started = time.monotonic()
    assert server.terminate(timeout=5) == 0, server.stderr_text()
    assert time.monotonic() - started < 5
    poller.join(5)
    assert not poller.is_alive()
    # The waiting receive is answered (empty) or its connection closed, not left hanging.
    assert outcome.get("response", {}).get("Messages") is None
