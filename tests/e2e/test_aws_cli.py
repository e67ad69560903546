"""The AWS CLI commands of seed 002 ("AWS Lambda 與 SQS 非同步處理"), run as the blog writes them.

Each command is the blog's text with only ``--endpoint-url "$ENDPOINT"`` added, run by bash so the
shell quoting (the attributes JSON, the escaped RedrivePolicy) is exactly the reader's. Where the
blog hard-codes ``https://sqs.ap-northeast-1.amazonaws.com/123456789012/...`` a reader would paste
the URL the server gave them; here that is a shell variable holding the URL the server returned.
"""

from __future__ import annotations

import json
import subprocess

from tests.support.process import client_env, sqs_client

CLI_TIMEOUT = 30


def sh(script: str, server, **variables: str) -> subprocess.CompletedProcess[str]:
    env = client_env()
    env.update(variables, ENDPOINT=server.endpoint_url)
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result.stdout


def test_seed_002_cli_sequence(server):
    sqs = sqs_client(server.endpoint_url)

    # 建立標準佇列
    created = json.loads(ok(sh(r"""
aws sqs create-queue \
    --endpoint-url "$ENDPOINT" \
    --queue-name my-standard-queue \
    --attributes '{
        "VisibilityTimeout": "30",
        "MessageRetentionPeriod": "345600",
        "ReceiveMessageWaitTimeSeconds": "20"
    }'
""", server)))
    standard_url = created["QueueUrl"]
    assert standard_url == server.queue_url("my-standard-queue")
    attributes = sqs.get_queue_attributes(QueueUrl=standard_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["MessageRetentionPeriod"] == "345600"
    assert attributes["ReceiveMessageWaitTimeSeconds"] == "20"

    # 取得佇列 URL
    assert json.loads(ok(sh(r"""
aws sqs get-queue-url --endpoint-url "$ENDPOINT" --queue-name my-standard-queue
""", server))) == {"QueueUrl": standard_url}

    # 建立死信佇列
    dlq_url = json.loads(ok(sh(r"""
aws sqs create-queue \
    --endpoint-url "$ENDPOINT" \
    --queue-name my-queue-dlq \
    --attributes '{
        "MessageRetentionPeriod": "1209600"
    }'
""", server)))["QueueUrl"]
    assert dlq_url == server.queue_url("my-queue-dlq")
    # The blog's main queue ("my-queue") is made elsewhere in the post (Terraform); make it here.
    queue_url = sqs.create_queue(QueueName="my-queue")["QueueUrl"]

    # 取得死信佇列 ARN
    dlq_arn = ok(sh(r"""
DLQ_ARN=$(aws sqs get-queue-attributes \
    --endpoint-url "$ENDPOINT" \
    --queue-url "$DLQ_URL" \
    --attribute-names QueueArn \
    --query 'Attributes.QueueArn' \
    --output text)
echo "$DLQ_ARN"
""", server, DLQ_URL=dlq_url)).strip()
    assert dlq_arn == "arn:aws:sqs:us-east-1:000000000000:my-queue-dlq"

    # 設定主佇列的重新驅動政策
    assert ok(sh(r"""
aws sqs set-queue-attributes \
    --endpoint-url "$ENDPOINT" \
    --queue-url "$QUEUE_URL" \
    --attributes "{
        \"RedrivePolicy\": \"{\\\"deadLetterTargetArn\\\":\\\"${DLQ_ARN}\\\",\\\"maxReceiveCount\\\":\\\"3\\\"}\"
    }"
""", server, QUEUE_URL=queue_url, DLQ_ARN=dlq_arn)) == ""
    stored = json.loads(ok(sh(r"""
aws sqs get-queue-attributes --endpoint-url "$ENDPOINT" --queue-url "$QUEUE_URL" --attribute-names RedrivePolicy
""", server, QUEUE_URL=queue_url)))
    policy = json.loads(stored["Attributes"]["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == dlq_arn
    assert int(policy["maxReceiveCount"]) == 3

    # redrive-dlq.sh, one round: receive from the DLQ, send its body to the main queue, delete it from the DLQ.
    original = '{"order_id": "A-1001", "action": "create", "note": "訂單 with \\"quotes\\" & spaces"}'
    sent = json.loads(ok(sh(r"""
aws sqs send-message \
    --endpoint-url "$ENDPOINT" \
    --queue-url $TARGET_QUEUE_URL \
    --message-body "$BODY"
""", server, TARGET_QUEUE_URL=dlq_url, BODY=original)))
    assert set(sent) >= {"MessageId", "MD5OfMessageBody"}

    message_json = ok(sh(r"""
MESSAGE=$(aws sqs receive-message \
    --endpoint-url "$ENDPOINT" \
    --queue-url $SOURCE_QUEUE_URL \
    --max-number-of-messages 1 \
    --wait-time-seconds 5 \
    --output json)
echo "$MESSAGE"
""", server, SOURCE_QUEUE_URL=dlq_url))
    messages = json.loads(message_json)["Messages"]
    assert len(messages) == 1
    assert messages[0]["MessageId"] == sent["MessageId"]
    assert messages[0]["Body"] == original
    assert messages[0]["MD5OfBody"] == sent["MD5OfMessageBody"]

    # The script's own jq extraction of BODY and RECEIPT_HANDLE, then send + delete, verbatim.
    ok(sh(r"""
BODY=$(echo $MESSAGE | jq -r '.Messages[0].Body')
RECEIPT_HANDLE=$(echo $MESSAGE | jq -r '.Messages[0].ReceiptHandle')

aws sqs send-message \
    --endpoint-url "$ENDPOINT" \
    --queue-url $TARGET_QUEUE_URL \
    --message-body "$BODY"

aws sqs delete-message \
    --endpoint-url "$ENDPOINT" \
    --queue-url $SOURCE_QUEUE_URL \
    --receipt-handle "$RECEIPT_HANDLE"
""", server, MESSAGE=message_json, SOURCE_QUEUE_URL=dlq_url, TARGET_QUEUE_URL=queue_url))

    moved = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert [message["Body"] for message in moved] == [original]
    counts = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")

    # list-queues with a prefix
    listed = json.loads(ok(sh(r"""
aws sqs list-queues --endpoint-url "$ENDPOINT" --queue-name-prefix my-queue
""", server)))
    assert sorted(listed["QueueUrls"]) == sorted([queue_url, dlq_url])


def test_get_queue_url_of_a_missing_queue_fails_like_sqs(server):
    result = sh(r"""
aws sqs get-queue-url --endpoint-url "$ENDPOINT" --queue-name my-standard-queue
""", server)
    assert result.returncode == 255, result  # the AWS CLI v1 exit code for a service error
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: "
        "The specified queue does not exist."
    )
