"""Durability: what a client was told is stored survives ``kill -9`` of the server.

Default durability is ``process``: a response means the write reached the database file, so a
killed (not power-cut) server loses nothing it acknowledged.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from tests.support.process import ServerProcess, sqs_client

PRODUCERS = 4
KILL_AFTER = 1.2


def drain(sqs, url: str) -> list[dict]:
    """Receive and delete until the queue answers empty; every message received, in order."""
    received: list[dict] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       VisibilityTimeout=60).get("Messages", [])
        if not messages:
            return received
        received += messages
        result = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(messages)
        ])
        assert not result.get("Failed"), result


class Producer(threading.Thread):
    """Sends until the server goes away; remembers what was acknowledged and what was in flight."""

    def __init__(self, number: int, endpoint_url: str, url: str) -> None:
        super().__init__(name=f"producer-{number}", daemon=True)
        self.number, self.url = number, url
        self.sqs = sqs_client(endpoint_url, connect_timeout=2, read_timeout=5)
        self.acked: dict[str, str] = {}  # body -> message id
        self.in_flight: set[str] = set()
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        step = 0
        while not self.stop.is_set():
            step += 1
            if step % 2:
                body = f"p{self.number}-{step}"
                self.in_flight = {body}
                try:
                    response = self.sqs.send_message(QueueUrl=self.url, MessageBody=body)
                except (BotoCoreError, ClientError) as exc:
                    self.error = exc
                    return
                self.acked[body] = response["MessageId"]
            else:
                bodies = {str(entry): f"p{self.number}-{step}-{entry}" for entry in range(5)}
                self.in_flight = set(bodies.values())
                try:
                    response = self.sqs.send_message_batch(QueueUrl=self.url, Entries=[
                        {"Id": entry, "MessageBody": body} for entry, body in bodies.items()
                    ])
                except (BotoCoreError, ClientError) as exc:
                    self.error = exc
                    return
                assert not response.get("Failed"), response
                for entry in response["Successful"]:
                    self.acked[bodies[entry["Id"]]] = entry["MessageId"]
            self.in_flight = set()


def test_acknowledged_sends_survive_sigkill_mid_traffic(start_server, tmp_path):
    server = start_server(data_dir=tmp_path / "data")
    sqs = sqs_client(server.endpoint_url)
    url = sqs.create_queue(QueueName="crash")["QueueUrl"]

    producers = [Producer(number, server.endpoint_url, url) for number in range(PRODUCERS)]
    for producer in producers:
        producer.start()
    time.sleep(KILL_AFTER)
    assert all(producer.is_alive() for producer in producers), [producer.error for producer in producers]
    server.kill()
    for producer in producers:
        producer.stop.set()
        producer.join(15)
        assert not producer.is_alive()
    # The kill really happened mid-traffic: every producer was cut off by a connection error.
    assert all(producer.error is not None for producer in producers)

    acked = {body: message_id for producer in producers for body, message_id in producer.acked.items()}
    in_flight = set().union(*(producer.in_flight for producer in producers))
    assert len(acked) >= 100, f"only {len(acked)} sends acknowledged before the kill"

    server.restart()
    received = drain(sqs, url)
    by_body: dict[str, str] = {}
    for message in received:
        assert message["Body"] not in by_body, f"{message['Body']} delivered twice"
        by_body[message["Body"]] = message["MessageId"]

    print(f"acknowledged {len(acked)}, in flight at the kill {len(in_flight)}, "
          f"of which stored {len(in_flight & set(by_body))}; received {len(by_body)}")
    lost = sorted(set(acked) - set(by_body))
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged messages lost, e.g. {lost[:5]}"
    assert all(by_body[body] == message_id for body, message_id in acked.items())
    unexpected = sorted(set(by_body) - set(acked) - in_flight)
    assert not unexpected, f"messages that were never sent: {unexpected[:5]}"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == \
        ("0", "0")


def test_in_flight_messages_survive_sigkill_and_reappear_after_their_visibility_timeout(start_server, tmp_path):
    server = start_server(data_dir=tmp_path / "data")
    sqs = sqs_client(server.endpoint_url)
    url = sqs.create_queue(QueueName="in-flight")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(5)])

    received_at = time.monotonic()
    in_flight = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=5)["Messages"]
    assert len(in_flight) == 3
    server.kill()
    server.restart()

    # The three are still in flight: only the other two can be received now.
    others = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
    assert time.monotonic() - received_at < 4, "restart took too long for this test to mean anything"
    assert sorted(m["Body"] for m in others) == sorted({f"m{n}" for n in range(5)} - {m["Body"] for m in in_flight})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == \
        ("0", "5")
    # A receipt handle from before the crash still works while its message is in flight.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=in_flight[0]["ReceiptHandle"])

    again: list[dict] = []
    deadline = received_at + 12
    while len(again) < 2 and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                                    AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
        if batch:
            elapsed = time.monotonic() - received_at
            assert elapsed >= 4.5, f"in-flight messages came back after {elapsed:.2f}s, before their 5 s timeout"
        again += batch
    assert sorted(m["MessageId"] for m in again) == sorted(m["MessageId"] for m in in_flight[1:])
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "2" for m in again)


CONFIG = """\
[server]
data_dir = "{data_dir}"
region = "eu-central-1"

[[queues]]
name = "orders-dlq"
attributes = {{ MessageRetentionPeriod = 1209600 }}

[[queues]]
name = "orders"
attributes = {{ VisibilityTimeout = 60, DelaySeconds = "0", ReceiveMessageWaitTimeSeconds = 5, \
RedrivePolicy = '{{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:000000000000:orders-dlq","maxReceiveCount":"3"}}' }}
tags = {{ team = "payments", env = "test" }}
"""


def test_config_file_declares_queues_and_restart_is_idempotent(start_server, tmp_path):
    config = tmp_path / "conveyor.toml"
    config.write_text(CONFIG.format(data_dir=(tmp_path / "data").as_posix()))
    server: ServerProcess = start_server(data_dir=None, args=["--config", str(config)])
    sqs = sqs_client(server.endpoint_url)

    def check_declared() -> str:
        urls = sqs.list_queues()["QueueUrls"]
        assert sorted(urls) == [server.queue_url("orders"), server.queue_url("orders-dlq")]
        url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["VisibilityTimeout"] == "60"
        assert attributes["DelaySeconds"] == "0"
        assert attributes["ReceiveMessageWaitTimeSeconds"] == "5"
        assert attributes["QueueArn"] == "arn:aws:sqs:eu-central-1:000000000000:orders"
        assert '"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:000000000000:orders-dlq"' in \
            attributes["RedrivePolicy"].replace(" ", "")
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "payments", "env": "test"}
        dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
        assert sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["MessageRetentionPeriod"])["Attributes"] == \
            {"MessageRetentionPeriod": "1209600"}
        return url

    url = check_declared()
    assert Path(tmp_path / "data" / "conveyor.db").exists()
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "one"}, {"Id": "2", "MessageBody": "two"}])
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "90"})  # drifts from the config

    assert server.terminate() == 0, server.stderr_text()
    server.restart()
    assert check_declared() == url  # declared attributes win again; nothing duplicated
    assert "Traceback" not in server.stderr_text()

    server.restart(graceful=False)  # and after a crash too
    check_declared()
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["one", "two"]
