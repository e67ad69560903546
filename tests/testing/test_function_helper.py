"""run_function: a Lambda handler's test in a few lines, against an embedded server on a manual clock.

The user's seed handlers (``tests/runtime/seed_handlers``, verbatim) are driven by name and as
callables; probes defined here check what the helper reports and what it leaves on the queue.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import pathlib
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from conveyor.runtime.mapping import MappingError
from conveyor.runtime.testing import FunctionRun, run_function
from conveyor.testing import ConveyorServer

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "runtime" / "seed_handlers"
DOCS = ROOT / "docs" / "testing.md"


@pytest.fixture(scope="module")
def server() -> Iterator[ConveyorServer]:
    with ConveyorServer(clock="manual") as embedded:
        yield embedded


@pytest.fixture(scope="module")
def sqs(server: ConveyorServer) -> Any:
    return server.client()


@pytest.fixture
def queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName=f"fn-{uuid.uuid4().hex[:12]}")["QueueUrl"]


@pytest.fixture
def seeds(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Import a seed handler module as a test would import the code it tests."""
    monkeypatch.syspath_prepend(str(SEEDS))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # seed_dlq builds boto3 clients at import
    level = logging.getLogger().level  # the seeds set the root logger to INFO when imported
    yield importlib.import_module
    logging.getLogger().setLevel(level)


def send(sqs: Any, url: str, *bodies: Any, **kwargs: Any) -> list[str]:
    """Send each body (JSON-encoded unless a str); returns the message ids in order."""
    ids = []
    for body in bodies:
        text = body if isinstance(body, str) else json.dumps(body)
        ids.append(sqs.send_message(QueueUrl=url, MessageBody=text, **kwargs)["MessageId"])
    return ids


def counts(sqs: Any, url: str) -> tuple[int, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(a[names[0]]), int(a[names[1]])


# -- the seed handlers -------------------------------------------------------------------------

def test_a_handler_test_is_a_few_lines(sqs: Any, queue: str, seeds: Any) -> None:
    good, bad = send(sqs, queue, {"order_id": 1}, {"order_id": 2, "valid": False})
    run = run_function(seeds("seed_partial").lambda_handler, queue, report_batch_item_failures=True)
    assert (run.deleted, run.kept) == ([good], [bad])


def test_basic_seed_by_name_gets_the_batch_and_everything_is_deleted(sqs: Any, queue: str) -> None:
    ids = send(sqs, queue, *({"order_id": n, "action": "ship"} for n in range(3)))
    run = run_function("seed_basic:lambda_handler", queue, task_root=SEEDS)
    assert run.drained and len(run.invocations) == 1
    assert run.message_ids == ids and run.deleted == ids and run.kept == []
    assert [json.loads(b)["order_id"] for b in run.bodies] == [0, 1, 2]
    assert run.responses[0]["statusCode"] == 200
    assert json.loads(run.responses[0]["body"]) == {"processed": 3, "failed": 0}
    assert counts(sqs, queue) == (0, 0)


def test_batch_seed_as_a_callable(sqs: Any, queue: str, seeds: Any) -> None:
    send(sqs, queue, *({"n": n} for n in range(4)))
    run = run_function(seeds("seed_batch").lambda_handler, queue)
    results = json.loads(run.responses[0]["body"])["results"]
    assert sorted(r["messageId"] for r in results) == sorted(run.message_ids)
    assert {r["status"] for r in results} == {"success"} and len(run.deleted) == 4


def test_partial_failures_keep_the_failed_messages_until_their_visibility_timeout(
        server: ConveyorServer, sqs: Any, queue: str) -> None:
    ids = send(sqs, queue, {"order_id": 1}, {"order_id": 2, "valid": False}, {"order_id": 3},
               {"order_id": 4, "valid": False})
    run = run_function("seed_partial:lambda_handler", queue, task_root=SEEDS, report_batch_item_failures=True)
    assert run.responses == [{"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[3]}]}]
    assert run.deleted == [ids[0], ids[2]] and run.kept == [ids[1], ids[3]] and not run.failed
    assert counts(sqs, queue) == (0, 2)
    assert run_function("seed_partial:lambda_handler", queue, task_root=SEEDS).invocations == []

    server.manual_clock.advance(30)  # the queue's visibility timeout: the failed ones are back
    retry = run_function("seed_partial:lambda_handler", queue, task_root=SEEDS, report_batch_item_failures=True)
    assert retry.message_ids == [ids[1], ids[3]] and retry.kept == [ids[1], ids[3]]
    assert {r["attributes"]["ApproximateReceiveCount"] for r in retry.records} == {"2"}


def test_without_report_batch_item_failures_a_returned_failure_list_is_ignored(sqs: Any, queue: str) -> None:
    ids = send(sqs, queue, {"order_id": 1}, {"valid": False})
    run = run_function("seed_partial:lambda_handler", queue, task_root=SEEDS)
    assert run.responses[0]["batchItemFailures"] and run.deleted == ids and run.kept == []


def test_a_raising_handler_deletes_nothing(server: ConveyorServer, sqs: Any, queue: str) -> None:
    ids = send(sqs, queue, {"order_id": 1}, "not json")
    run = run_function("seed_basic:lambda_handler", queue, task_root=SEEDS)
    invocation, = run.invocations
    assert invocation.failed and invocation.deleted == [] and invocation.kept == ids
    assert isinstance(invocation.exception, json.JSONDecodeError)
    assert invocation.error is not None and invocation.error["errorType"] == "JSONDecodeError"
    assert invocation.failure == f"JSONDecodeError: {invocation.exception}"
    with pytest.raises(json.JSONDecodeError):
        run.raise_errors()
    assert counts(sqs, queue) == (0, 2)
    server.manual_clock.advance(30)
    assert run_function(lambda event, context: None, queue).deleted == ids


def test_dlq_seed_with_its_sns_client_monkeypatched(server: ConveyorServer, sqs: Any, seeds: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process, the test can swap the handler's module globals: here the SNS client it alerts with."""
    name = f"orders-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    main = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    message_id, = send(sqs, main, {"type": "order", "order_id": "", "valid": False})

    assert run_function(seeds("seed_partial").lambda_handler, main, report_batch_item_failures=True).kept
    server.manual_clock.advance(30)
    assert run_function(seeds("seed_partial").lambda_handler, main).invocations == []  # moved to the DLQ

    published: list[dict[str, Any]] = []

    class FakeSNS:
        def publish(self, **kwargs: Any) -> None:
            published.append(kwargs)

    seed_dlq = seeds("seed_dlq")
    monkeypatch.setattr(seed_dlq, "sns", FakeSNS())
    run = run_function(seed_dlq.lambda_handler, dlq)
    assert run.deleted == [message_id] and not run.failed
    alert = json.loads(published[0]["Message"])
    assert alert["message_id"] == message_id and alert["analysis"]["possible_causes"] == ["Missing order_id"]


# -- what the handler is given -----------------------------------------------------------------

def test_event_context_and_environment_are_lambdas(sqs: Any, queue: str) -> None:
    seen: dict[str, Any] = {}

    def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
        seen["env"] = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        seen["remaining"] = context.get_remaining_time_in_millis()
        return {"ok": "yes"}

    message_id, = send(sqs, queue, "hello", MessageAttributes={"kind": {"DataType": "String", "StringValue": "x"}})
    run = run_function(handler, queue, name="orders-fn", timeout=10, memory=256)
    record, = run.records
    assert record["messageId"] == message_id and record["body"] == "hello"
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(queue.rsplit("/", 1)[1])
    assert record["awsRegion"] == "us-east-1" and record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "x"
    context = run.invocations[0].context
    assert context.function_name == "orders-fn" and context.memory_limit_in_mb == "256"
    assert seen["env"] == "orders-fn" and 9_000 < seen["remaining"] <= 10_000
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ  # restored after the run
    assert run.responses == [{"ok": "yes"}]


def test_batches_follow_batch_size_and_the_run_drains_the_queue(sqs: Any, queue: str) -> None:
    for start in range(0, 25, 10):
        entries = [{"Id": str(n), "MessageBody": str(n)} for n in range(start, min(start + 10, 25))]
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    run = run_function(lambda event, context: None, queue, batch_size=10)
    assert [len(e["Records"]) for e in run.events] == [10, 10, 5]
    assert sorted(map(int, run.bodies)) == list(range(25)) and counts(sqs, queue) == (0, 0)


def test_a_batch_larger_than_ten_gathers_several_receives(sqs: Any, queue: str) -> None:
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(10)])
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(10, 15)])
    run = run_function(lambda event, context: None, queue, batch_size=100)
    assert [len(e["Records"]) for e in run.events] == [15]


def test_max_invocations_stops_a_run_early(sqs: Any, queue: str) -> None:
    send(sqs, queue, "a", "b", "c")
    run = run_function(lambda event, context: None, queue, batch_size=1, max_invocations=2)
    assert run.bodies == ["a", "b"] and not run.drained and counts(sqs, queue) == (1, 0)


# -- filters -----------------------------------------------------------------------------------

def test_filters_delete_what_no_pattern_matches(sqs: Any, queue: str) -> None:
    order, _, big, _ = send(sqs, queue, {"type": "order", "total": 5}, {"type": "refund"},
                            {"type": "order", "total": 500}, "plain text")
    patterns = [{"body": {"type": ["order"], "total": [{"numeric": [">", 100]}]}}, '{"body": {"type": ["x"]}}']
    run = run_function(lambda event, context: None, queue, filters=patterns)
    assert run.message_ids == [big] and run.deleted == [big]
    assert len(run.filtered) == 3 and order in run.filtered
    assert counts(sqs, queue) == (0, 0)


def test_a_batch_that_filters_empty_does_not_end_the_drain(sqs: Any, queue: str) -> None:
    send(sqs, queue, *["skip"] * 3)
    wanted = send(sqs, queue, "keep")
    run = run_function(lambda event, context: None, queue, batch_size=1, filters=[{"body": ["keep"]}])
    assert run.message_ids == wanted and len(run.filtered) == 3


# -- results and settings ----------------------------------------------------------------------

@pytest.mark.parametrize(("returned", "expected"), [
    ({"batchItemFailures": [{"itemIdentifier": "nope"}]}, "not in the batch"),
    ({"batchItemFailures": "all"}, "not a list"),
])
def test_an_invalid_partial_response_fails_the_whole_batch(sqs: Any, queue: str, returned: Any,
                                                           expected: str) -> None:
    ids = send(sqs, queue, "a", "b")
    run = run_function(lambda event, context: returned, queue, report_batch_item_failures=True)
    assert run.kept == ids and run.failed and expected in (run.invocations[0].failure or "")
    assert run.errors == []  # the handler itself did not fail


def test_retry_after_seconds_sets_the_kept_messages_visibility(server: ConveyorServer, sqs: Any, queue: str) -> None:
    message_id, = send(sqs, queue, "later")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": message_id, "retryAfterSeconds": 5}]}

    assert run_function(handler, queue, report_batch_item_failures=True).kept == [message_id]
    server.manual_clock.advance(5)
    assert run_function(lambda event, context: None, queue).deleted == [message_id]


def test_a_response_json_cannot_carry_is_a_marshal_error(sqs: Any, queue: str) -> None:
    ids = send(sqs, queue, "a")
    run = run_function(lambda event, context: {"when": object()}, queue)
    assert run.kept == ids and run.errors[0]["errorType"] == "Runtime.MarshalError"


def test_an_overrun_counts_as_a_timeout_once_the_handler_returns(sqs: Any, queue: str) -> None:
    ids = send(sqs, queue, "slow")
    run = run_function(lambda event, context: time.sleep(1.1), queue, timeout=1)
    assert run.kept == ids and run.errors[0]["errorType"] == "Sandbox.Timedout"


def test_timeout_none_never_times_out(sqs: Any, queue: str) -> None:
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "1"})
    send(sqs, queue, "a")
    run = run_function(lambda event, context: context.get_remaining_time_in_millis(), queue, timeout=None)
    assert run.responses[0] > 800_000 and len(run.deleted) == 1


def test_fifo_failure_blocks_the_rest_of_its_group(server: ConveyorServer, sqs: Any) -> None:
    url = sqs.create_queue(QueueName=f"fn-{uuid.uuid4().hex[:8]}.fifo",
                           Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    a1, a2 = send(sqs, url, "a1", "a2", MessageGroupId="a")
    b1, = send(sqs, url, "b1", MessageGroupId="b")

    def fail_a1(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                                      if r["body"] == "a1"]}

    run = run_function(fail_a1, url, report_batch_item_failures=True)
    assert run.deleted == [b1] and run.kept == [a1, a2]
    assert run_function(fail_a1, url).invocations == []  # group a waits for a1
    server.manual_clock.advance(30)
    assert run_function(lambda event, context: None, url).bodies == ["a1", "a2"]


@pytest.mark.parametrize(("settings", "field"), [
    ({"batch_size": 0}, "batch_size"),
    ({"timeout": 31}, "timeout"),  # longer than the queue's VisibilityTimeout (30)
    ({"filters": [{"headers": ["x"]}]}, "filters"),
    ({"name": "bad name"}, "name"),
])
def test_settings_are_checked_as_the_runtime_checks_them(queue: str, settings: dict[str, Any], field: str) -> None:
    with pytest.raises(MappingError) as caught:
        run_function(lambda event, context: None, queue, **settings)
    assert caught.value.field == field


def test_fifo_queue_named_by_name_refuses_a_batch_over_ten(server: ConveyorServer, sqs: Any) -> None:
    name = f"fn-{uuid.uuid4().hex[:8]}.fifo"
    sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})
    with pytest.raises(MappingError, match="FIFO"):
        run_function(lambda event, context: None, name, endpoint_url=server.endpoint_url, batch_size=20)


def test_a_handler_name_that_cannot_be_imported_says_so(queue: str, tmp_path: pathlib.Path) -> None:
    (tmp_path / "probe_mod.py").write_text("def handle(event, context):\n    return len(event['Records'])\n")
    with pytest.raises(MappingError, match="module:function"):
        run_function("probe_mod", queue, task_root=tmp_path)
    with pytest.raises(AttributeError, match="missing"):
        run_function("probe_mod:nope", queue, task_root=tmp_path)
    assert isinstance(run_function("probe_mod.handle", queue, task_root=tmp_path), FunctionRun)


# -- docs/testing.md ---------------------------------------------------------------------------

def _doc_files() -> dict[str, str]:
    """Code blocks of docs/testing.md whose first line is ``# file: <name>``."""
    files = {}
    for block in re.findall(r"```\w*\n(.*?)```", DOCS.read_text(), flags=re.S):
        first, _, rest = block.partition("\n")
        if first.startswith("# file: "):
            files[first.removeprefix("# file: ").strip()] = rest
    return files


def test_the_python_examples_in_the_docs_run(pytester: pytest.Pytester) -> None:
    files = _doc_files()
    assert {"test_pytest_example.py", "test_unittest_example.py", "test_handler_example.py"} <= set(files)
    for name, text in files.items():
        if name.endswith((".py", ".ini", ".toml", ".cfg")):
            path = pytester.path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    tests = sum(len(re.findall(r"^\s*def test_", text, flags=re.M)) for text in files.values())
    result.assert_outcomes(passed=tests)
