"""The exact event, context and environment a handler receives, through a real queue."""

from __future__ import annotations

import base64
import pathlib
from typing import Any

from tests.runtime.support import invocations, mapping, running, wait_for


def test_standard_queue_event_context_and_environment(server: Any, sqs: Any, make_queue: Any,
                                                      tmp_path: pathlib.Path) -> None:
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody='{"order_id": 1}', MessageAttributes={
        "Kind": {"DataType": "String", "StringValue": "OrderCreated"},
        "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        "Count": {"DataType": "Number", "StringValue": "3"},
    }, MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}})
    sqs.send_message(QueueUrl=url, MessageBody="plain")
    fn = mapping(url, "probe:record", name="shape", memory=256, timeout=5, batching_window=1)
    with running(server.endpoint_url, fn):
        wait_for(lambda: sum(len(e["event"]["Records"]) for e in invocations(tmp_path)) == 2)
    entry = invocations(tmp_path)[0]
    records = sorted((r for e in invocations(tmp_path) for r in e["event"]["Records"]), key=lambda r: r["body"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    first = records[1]
    assert list(first) == ["messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                           "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion"]
    assert set(first["attributes"]) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                        "ApproximateFirstReceiveTimestamp", "AWSTraceHeader"}
    assert all(isinstance(v, str) for v in first["attributes"].values())
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert first["attributes"]["AWSTraceHeader"] == "Root=1-abc"
    assert first["messageAttributes"] == {
        "Kind": {"stringValue": "OrderCreated", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "Blob": {"binaryValue": base64.b64encode(b"\x00\x01").decode(), "stringListValues": [],
                 "binaryListValues": [], "dataType": "Binary"},
        "Count": {"stringValue": "3", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
    }
    assert (first["eventSource"], first["eventSourceARN"], first["awsRegion"]) == ("aws:sqs", arn, "us-east-1")
    plain = records[0]
    assert plain["messageAttributes"] == {} and "md5OfMessageAttributes" not in plain
    context = entry["context"]
    assert context["function_name"] == "shape" and context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:000000000000:function:shape"
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_group_name"] == "/aws/lambda/shape"
    assert "[$LATEST]" in context["log_stream_name"]
    assert context["identity"] is None and context["client_context"] is None
    assert 4000 < context["remaining"] <= 5000
    env = entry["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "shape" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["_HANDLER"] == "probe.record" and env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == context["log_stream_name"]
    assert env["LAMBDA_TASK_ROOT"].endswith("handlers")


def test_fifo_event_attributes(server: Any, sqs: Any, make_queue: Any, tmp_path: pathlib.Path) -> None:
    url = make_queue(fifo=True)
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g1", MessageDeduplicationId="d1")
    with running(server.endpoint_url, mapping(url, "probe:record")):
        wait_for(lambda: invocations(tmp_path))
    attributes = invocations(tmp_path)[0]["event"]["Records"][0]["attributes"]
    assert attributes["MessageGroupId"] == "g1" and attributes["MessageDeduplicationId"] == "d1"
    assert attributes["SequenceNumber"].isdigit()
