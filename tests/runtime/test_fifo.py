"""FIFO: groups run in parallel, order holds within a group, a failure blocks its group."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from tests.runtime.support import invocations, mapping, queue_counts, running, stats, wait_for


def test_order_within_groups_and_a_failure_blocks_its_group(server: Any, sqs: Any, make_queue: Any,
                                                            tmp_path: pathlib.Path) -> None:
    url = make_queue(fifo=True, VisibilityTimeout="2")
    groups = ["a", "b", "c"]
    for n in range(6):
        for group in groups:
            body = {"g": group, "n": n, "fail": group == "a" and n == 1, "once": True}
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageGroupId=group,
                             MessageDeduplicationId=f"{group}-{n}")
    fn = mapping(url, "probe:partial", report_batch_item_failures=True, batch_size=4, max_concurrency=4, timeout=2)
    with running(server.endpoint_url, fn) as runtime:
        wait_for(lambda: stats(runtime, fn.name)["deleted"] == 18, timeout=25)
    assert queue_counts(sqs, url) == (0, 0)
    done: dict[str, list[int]] = {g: [] for g in groups}
    for entry in invocations(tmp_path):
        blocked: set[str] = set()
        for record in entry["event"]["Records"]:
            body = json.loads(record["body"])
            if record["messageId"] in entry["failures"]:
                blocked.add(body["g"])
            elif body["g"] not in blocked:
                done[body["g"]].append(body["n"])
    assert done == {g: list(range(6)) for g in groups}  # each once, in order, despite the retry
    receives = [json.loads(r["body"])["n"] for e in invocations(tmp_path) for r in e["event"]["Records"]
                if json.loads(r["body"])["g"] == "a"]
    assert receives.count(1) == 2  # a-1 failed once and was retried before a-2 completed
