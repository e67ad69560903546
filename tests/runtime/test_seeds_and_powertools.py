"""The user's seed handlers (verbatim) and Powertools' batch utilities run unchanged."""

from __future__ import annotations

import json
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest

from tests.runtime.support import SEEDS, mapping, queue_counts, running, stats, wait_for


class _SnsStub(BaseHTTPRequestHandler):
    """Answers SNS Publish (query protocol) so the seed DLQ handler's alert call succeeds."""

    published: ClassVar[list[dict[str, list[str]]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.published.append(form)
        body = (b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
                b"<MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId>"
                b"</ResponseMetadata></PublishResponse>")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def sns_endpoint(monkeypatch: pytest.MonkeyPatch) -> Any:
    stub = ThreadingHTTPServer(("127.0.0.1", 0), _SnsStub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", f"http://127.0.0.1:{stub.server_address[1]}")
    _SnsStub.published.clear()
    yield _SnsStub.published
    stub.shutdown()
    stub.server_close()


def send(sqs: Any, url: str, bodies: list[dict[str, Any]]) -> None:
    entries = [{"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)]
    sqs.send_message_batch(QueueUrl=url, Entries=entries)


@pytest.mark.parametrize("handler", ["seed_basic.lambda_handler", "seed_batch.lambda_handler"])
def test_seed_handlers_consume_the_queue(server: Any, sqs: Any, make_queue: Any, handler: str) -> None:
    url = make_queue()
    send(sqs, url, [{"order_id": i, "action": "create"} for i in range(10)])
    fn = mapping(url, handler, batching_window=1)
    with running(server.endpoint_url, fn, task_root=SEEDS) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 10)
        assert stats(runtime, fn.name)["errors"] == 0


def test_seed_partial_failure_handler_with_the_seed_esm_settings(server: Any, sqs: Any, make_queue: Any) -> None:
    url = make_queue(VisibilityTimeout="60")
    send(sqs, url, [{"valid": i != 3} for i in range(8)])
    # the Terraform sqs_trigger: batch 10, window 5 s, ReportBatchItemFailures, MaximumConcurrency 50
    fn = mapping(url, "seed_partial.lambda_handler", batch_size=10, batching_window=5,
                 report_batch_item_failures=True, max_concurrency=50, timeout=60)
    with running(server.endpoint_url, fn, task_root=SEEDS) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 7, timeout=20)
        assert stats(runtime, fn.name)["retried"] == 1
    assert queue_counts(sqs, url) == (0, 1)


def test_seed_dlq_handler(server: Any, sqs: Any, make_queue: Any, sns_endpoint: list[Any]) -> None:
    url = make_queue()
    send(sqs, url, [{"type": "order", "order_id": "", "amount": "x"}])
    fn = mapping(url, "seed_dlq.lambda_handler", batch_size=1, timeout=10)
    with running(server.endpoint_url, fn, task_root=SEEDS) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 1, timeout=20)
    alert = json.loads(sns_endpoint[0]["Message"][0])
    assert alert["alert_type"] == "DLQ_MESSAGE"
    assert alert["analysis"]["possible_causes"] == ["Missing order_id", "Invalid amount format"]


def test_powertools_batch_processor(server: Any, sqs: Any, make_queue: Any) -> None:
    url = make_queue(VisibilityTimeout="60")
    send(sqs, url, [{"n": i, "fail": i in (2, 5)} for i in range(8)])
    fn = mapping(url, "powertools_handlers:handler", report_batch_item_failures=True, batching_window=1, timeout=10)
    with running(server.endpoint_url, fn) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 6, timeout=30)
        assert stats(runtime, fn.name)["retried"] == 2 and stats(runtime, fn.name)["errors"] == 0


def test_powertools_fifo_processor(server: Any, sqs: Any, make_queue: Any, tmp_path: pathlib.Path) -> None:
    url = make_queue(fifo=True, VisibilityTimeout="60")
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": i, "fail": i == 2}), MessageGroupId="g",
                         MessageDeduplicationId=str(i))
    fn = mapping(url, "powertools_handlers:fifo_handler", report_batch_item_failures=True, timeout=10)
    with running(server.endpoint_url, fn) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 2, timeout=30)
        assert stats(runtime, fn.name)["retried"] == 3  # the failure and everything after it in its group
    assert queue_counts(sqs, url) == (0, 3)
