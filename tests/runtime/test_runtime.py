"""The runtime against a real queue: result rules, failures, filters, scaling figures."""

from __future__ import annotations

import json
import pathlib
import time
from typing import Any

from tests.runtime.support import invocations, mapping, queue_counts, running, stats, wait_for


def send(sqs: Any, url: str, *bodies: Any) -> list[str]:
    entries = [{"Id": str(i), "MessageBody": b if isinstance(b, str) else json.dumps(b)} for i, b in enumerate(bodies)]
    ids = []
    for start in range(0, len(entries), 10):
        ids += [r["MessageId"] for r in sqs.send_message_batch(QueueUrl=url, Entries=entries[start:start + 10])[
            "Successful"]]
    return ids


def test_partial_batch_failures_keep_only_the_reported_messages(server: Any, sqs: Any, make_queue: Any,
                                                                 tmp_path: pathlib.Path) -> None:
    url = make_queue(VisibilityTimeout="2")
    ids = send(sqs, url, {"n": 1}, {"n": 2, "fail": True, "once": True}, {"n": 3})
    fn = mapping(url, "probe:partial", report_batch_item_failures=True, batching_window=1, timeout=2)
    with running(server.endpoint_url, fn) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 3, timeout=20)
        assert stats(runtime, fn.name)["retried"] == 1
    seen = [r["messageId"] for e in invocations(tmp_path) for r in e["event"]["Records"]]
    assert sorted(seen) == sorted([*ids, ids[1]])  # only the failed one came back
    assert queue_counts(sqs, url) == (0, 0)


def test_invalid_item_identifier_fails_the_whole_batch(server: Any, sqs: Any, make_queue: Any,
                                                       tmp_path: pathlib.Path) -> None:
    url = make_queue(VisibilityTimeout="30")
    send(sqs, url, {"respond": {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}})
    fn = mapping(url, "probe:respond", report_batch_item_failures=True)
    with running(server.endpoint_url, fn) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["errors"] == 1)
        assert "not in the batch" in stats(runtime, fn.name)["last_error"]
    assert queue_counts(sqs, url) == (0, 1)  # nothing deleted: in flight until its timeout


def test_retry_after_seconds_extension(server: Any, sqs: Any, make_queue: Any, tmp_path: pathlib.Path) -> None:
    url = make_queue(VisibilityTimeout="30")
    send(sqs, url, {"respond": {"batchItemFailures": [{"itemIdentifier": "$FIRST", "retryAfterSeconds": 0}]}})
    fn = mapping(url, "probe:respond", report_batch_item_failures=True)
    with running(server.endpoint_url, fn):
        wait_for(lambda: len(invocations(tmp_path)) >= 2, timeout=10)  # back at once, not after 30 s


def test_crash_and_timeout_fail_the_batch_only_and_it_comes_back(server: Any, sqs: Any, make_queue: Any,
                                                                 tmp_path: pathlib.Path) -> None:
    url = make_queue(VisibilityTimeout="2")
    fn = mapping(url, "probe:record", timeout=1, batch_size=1)
    with running(server.endpoint_url, fn) as runtime:
        send(sqs, url, {"do": "crash"})
        wait_for(lambda: stats(runtime, fn.name)["crashes"] >= 1)
        send(sqs, url, {"do": "sleep", "seconds": 3})
        wait_for(lambda: stats(runtime, fn.name)["timeouts"] >= 1)
        send(sqs, url, {"ok": 1})
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 1)  # the runtime carried on
        wait_for(lambda: stats(runtime, fn.name)["crashes"] >= 2, timeout=10)  # the crash batch came back
        failed_count = stats(runtime, fn.name)["errors"]
    assert failed_count >= 3


def test_filters_delete_what_no_pattern_matches(server: Any, sqs: Any, make_queue: Any,
                                                tmp_path: pathlib.Path) -> None:
    url = make_queue()
    send(sqs, url, {"type": "order", "n": 1}, {"type": "refund"}, "plain text", {"type": "order", "n": 2})
    fn = mapping(url, "probe:record", filters=['{"body": {"type": ["order"]}}'], batching_window=1)
    with running(server.endpoint_url, fn) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] + stats(runtime, fn.name)["filtered"] == 4)
        assert stats(runtime, fn.name)["filtered"] == 2
    bodies = [json.loads(r["body"]) for e in invocations(tmp_path) for r in e["event"]["Records"]]
    assert sorted(b["n"] for b in bodies) == [1, 2]
    assert queue_counts(sqs, url) == (0, 0)


def test_warm_starts_reuse_the_worker_and_batches_fill_up(server: Any, sqs: Any, make_queue: Any,
                                                          tmp_path: pathlib.Path) -> None:
    url = make_queue()
    fn = mapping(url, "probe:record", batch_size=20, batching_window=1, max_concurrency=2)
    with running(server.endpoint_url, fn, initial_concurrency=1, rate_per_minute=0) as runtime:  # one lane
        for _ in range(3):
            send(sqs, url, *[{"i": i} for i in range(20)])
            wait_for(lambda: queue_counts(sqs, url) == (0, 0))
        assert stats(runtime, fn.name)["cold_starts"] == 1
    entries = invocations(tmp_path)
    assert {e["pid"] for e in entries} == {entries[0]["pid"]}
    assert [e["invocation"] for e in entries] == list(range(1, len(entries) + 1))  # module state survives
    assert max(len(e["event"]["Records"]) for e in entries) == 20  # the window gathers past 10


def test_concurrency_ramps_from_five_and_respects_the_maximum(server: Any, sqs: Any, make_queue: Any,
                                                              tmp_path: pathlib.Path) -> None:
    url = make_queue(VisibilityTimeout="30")
    send(sqs, url, *[{"do": "sleep", "seconds": 0.5} for _ in range(30)])
    fn = mapping(url, "probe:record", batch_size=1, max_concurrency=8)
    started = time.monotonic()
    with running(server.endpoint_url, fn, rate_per_minute=600) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 30, timeout=30)
        peak = stats(runtime, fn.name)["peak_concurrency"]
    assert 5 <= peak <= 8, peak
    assert time.monotonic() - started < 20
