"""Seed 002's dead-letter setup with the AWS CLI, then redrive with the AWS CLI and with ``conveyor redrive``.

The DLQ commands are the blog's text with only ``--endpoint-url "$ENDPOINT"`` added (the blog's
hard-coded queue URLs become the URLs the server returned). Receives pass
``--visibility-timeout 0`` so the message can be received again at once on the real clock.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from typing import Any

from tests.e2e.test_aws_cli import CLI_TIMEOUT, ok, sh
from tests.support.process import ServerProcess, client_env, sqs_client

RECEIVE = r"""
aws sqs receive-message --endpoint-url "$ENDPOINT" --queue-url "$QUEUE_URL" --visibility-timeout 0 \
    --attribute-names All --output json
"""


def conveyor(server: ServerProcess, *args: str, endpoint_from_env: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the ``conveyor`` command as an operator would, against ``server``."""
    endpoint = [] if endpoint_from_env else ["--endpoint", server.endpoint_url]
    env = client_env(server.endpoint_url if endpoint_from_env else None)
    return subprocess.run([sys.executable, "-m", "conveyor", *args, *endpoint], env=env, capture_output=True,
                          text=True, timeout=CLI_TIMEOUT)


def fails_in_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("conveyor: "), result.stderr
    return lines[0]


def receive(server: ServerProcess, queue_url: str) -> list[dict[str, Any]]:
    out = ok(sh(RECEIVE, server, QUEUE_URL=queue_url)).strip()
    return json.loads(out).get("Messages", []) if out else []


def dead_letter(server: ServerProcess, queue_url: str, body: str) -> str:
    """Send ``body`` and receive it three times without deleting; the fourth receive finds nothing."""
    sqs = sqs_client(server.endpoint_url)
    message_id = sqs.send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]
    for count in ("1", "2", "3"):
        messages = receive(server, queue_url)
        assert [(m["MessageId"], m["Attributes"]["ApproximateReceiveCount"]) for m in messages] == [
            (message_id, count)
        ]
    assert receive(server, queue_url) == []
    return message_id


def wait_until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return result


def test_seed_002_dead_letter_queue_then_redrive(server):
    sqs = sqs_client(server.endpoint_url)
    queue_url = sqs.create_queue(QueueName="my-queue")["QueueUrl"]  # made by Terraform in the blog

    # 建立死信佇列
    dlq_url = json.loads(ok(sh(r"""
aws sqs create-queue \
    --endpoint-url "$ENDPOINT" \
    --queue-name my-queue-dlq \
    --attributes '{
        "MessageRetentionPeriod": "1209600"
    }'
""", server)))["QueueUrl"]

    # 取得死信佇列 ARN, then 設定主佇列的重新驅動政策 (in one shell, as the blog runs them)
    assert ok(sh(r"""
DLQ_ARN=$(aws sqs get-queue-attributes \
    --endpoint-url "$ENDPOINT" \
    --queue-url "$DLQ_URL" \
    --attribute-names QueueArn \
    --query 'Attributes.QueueArn' \
    --output text)

aws sqs set-queue-attributes \
    --endpoint-url "$ENDPOINT" \
    --queue-url "$QUEUE_URL" \
    --attributes "{
        \"RedrivePolicy\": \"{\\\"deadLetterTargetArn\\\":\\\"${DLQ_ARN}\\\",\\\"maxReceiveCount\\\":\\\"3\\\"}\"
    }"
""", server, DLQ_URL=dlq_url, QUEUE_URL=queue_url)) == ""
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    message_id = dead_letter(server, queue_url, '{"order_id": "A-1001"}')
    dead = receive(server, dlq_url)
    assert [(m["MessageId"], m["Body"]) for m in dead] == [(message_id, '{"order_id": "A-1001"}')]
    assert dead[0]["Attributes"]["ApproximateReceiveCount"] == "4"
    assert dead[0]["Attributes"]["DeadLetterQueueSourceArn"].endswith(":my-queue")

    # conveyor dlq ls: the DLQ, its depth and its source (endpoint from AWS_ENDPOINT_URL_SQS)
    listed = json.loads(ok(conveyor(server, "dlq", "ls", "--json", endpoint_from_env=True)))
    assert listed == [{"name": "my-queue-dlq", "arn": dlq_arn, "url": dlq_url, "visible": 1, "in_flight": 0,
                       "sources": ["my-queue"]}]
    table = ok(conveyor(server, "dlq", "ls"))
    assert "my-queue-dlq" in table and "my-queue" in table

    # Redrive with the AWS CLI's move task
    started = json.loads(ok(sh(r"""
aws sqs start-message-move-task --endpoint-url "$ENDPOINT" --source-arn "$DLQ_ARN"
""", server, DLQ_ARN=dlq_arn)))
    assert started["TaskHandle"]

    def completed() -> dict[str, Any] | None:
        results = json.loads(ok(sh(r"""
aws sqs list-message-move-tasks --endpoint-url "$ENDPOINT" --source-arn "$DLQ_ARN"
""", server, DLQ_ARN=dlq_arn)))["Results"]
        return results[0] if results[0]["Status"] == "COMPLETED" else None

    assert wait_until(completed)["ApproximateNumberOfMessagesMoved"] == 1
    back = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0)["Messages"]
    assert [m["Body"] for m in back] == ['{"order_id": "A-1001"}']
    assert back[0]["MessageId"] != message_id  # a redriven message is a new message

    # Dead-letter it once more, then redrive with conveyor redrive
    sqs.purge_queue(QueueUrl=queue_url)
    again = dead_letter(server, queue_url, "second")
    result = conveyor(server, "redrive", "my-queue-dlq")
    assert result.returncode == 0, result
    assert result.stdout.strip() == "moved 1 message from my-queue-dlq to their source queues"
    assert "Traceback" not in result.stderr
    back = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert [m["Body"] for m in back] == ["second"] and back[0]["MessageId"] != again
    assert json.loads(ok(conveyor(server, "dlq", "ls", "--json")))[0]["visible"] == 0


def test_conveyor_redrive_to_a_destination_with_a_rate(server):
    sqs = sqs_client(server.endpoint_url)
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    sqs.create_queue(QueueName="orders", Attributes={"RedrivePolicy": policy})
    retry_url = sqs.create_queue(QueueName="orders-retry")["QueueUrl"]
    for start in range(0, 30, 10):
        sqs.send_message_batch(QueueUrl=dlq_url, Entries=[{"Id": str(i), "MessageBody": f"m{start + i}"}
                                                          for i in range(10)])

    started = time.monotonic()
    result = conveyor(server, "redrive", dlq_arn, "--to", retry_url, "--rate", "20")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result
    assert result.stdout.strip() == "moved 30 messages from orders-dlq to orders-retry"
    assert elapsed >= 1.0  # 30 messages at 20 a second take more than a second
    counts = sqs.get_queue_attributes(QueueUrl=retry_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "30"


def test_conveyor_redrive_reports_failures_in_one_line(server):
    sqs = sqs_client(server.endpoint_url)
    dlq_url = sqs.create_queue(QueueName="lonely-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName="lonely", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})
    sqs.send_message(QueueUrl=dlq_url, MessageBody="sent straight to the DLQ: no source to go back to")

    line = fails_in_one_line(conveyor(server, "redrive", "lonely-dlq"))
    assert "failed" in line and "0 of 1" in line
    assert "no such queue: missing" in fails_in_one_line(conveyor(server, "redrive", "missing"))
    assert "Dead Letter Queue" in fails_in_one_line(conveyor(server, "redrive", "lonely"))
    assert "no such queue" in fails_in_one_line(conveyor(server, "redrive", "lonely-dlq", "--to", "nowhere"))
    unreachable = subprocess.run([sys.executable, "-m", "conveyor", "dlq", "ls", "--endpoint", "http://127.0.0.1:9"],
                                 env=client_env(), capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert "Could not connect" in fails_in_one_line(unreachable)


def test_ctrl_c_cancels_the_move_task(server):
    sqs = sqs_client(server.endpoint_url)
    dlq_url = sqs.create_queue(QueueName="slow-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName="slow", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})
    sqs.create_queue(QueueName="slow-retry")
    sqs.send_message_batch(QueueUrl=dlq_url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])

    redrive = subprocess.Popen(
        [sys.executable, "-m", "conveyor", "redrive", "slow-dlq", "--to", "slow-retry", "--rate", "1",
         "--endpoint", server.endpoint_url],
        env=client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: sqs.list_message_move_tasks(SourceArn=dlq_arn).get("Results"))
        time.sleep(0.5)  # let the command reach its progress loop
        redrive.send_signal(signal.SIGINT)
        _, stderr = redrive.communicate(timeout=CLI_TIMEOUT)
    finally:
        if redrive.poll() is None:
            redrive.kill()
    assert redrive.returncode == 130
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("conveyor: redrive cancelled after ")
    task = wait_until(lambda: (t := sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0])["Status"]
                      == "CANCELLED" and t)
    remaining = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert int(remaining["Attributes"]["ApproximateNumberOfMessages"]) == 10 - task["ApproximateNumberOfMessagesMoved"]
    assert task["ApproximateNumberOfMessagesMoved"] < 10
