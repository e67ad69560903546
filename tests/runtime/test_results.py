"""Lambda's result rules, one by one (pure: no queue needed)."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.runtime.results import fifo_holdbacks, interpret

IDS = ["a", "b", "c"]


def partial(response: Any) -> Any:
    return interpret(IDS, response, report_batch_item_failures=True)


def test_normal_return_deletes_the_batch() -> None:
    outcome = interpret(IDS, {"statusCode": 200})
    assert (outcome.delete, outcome.keep, outcome.failed) == (IDS, [], False)


def test_an_error_or_timeout_deletes_nothing() -> None:
    outcome = interpret(IDS, None, error="Sandbox.Timedout: Task timed out after 3.00 seconds")
    assert (outcome.delete, outcome.keep, outcome.failed) == ([], IDS, True)


def test_reported_failures_are_kept_and_the_rest_deleted() -> None:
    outcome = partial({"batchItemFailures": [{"itemIdentifier": "b"}]})
    assert (outcome.delete, outcome.keep, outcome.failed) == (["a", "c"], ["b"], False)


@pytest.mark.parametrize("response", [{"batchItemFailures": []}, {}, None, {"batchItemFailures": None},
                                      {"statusCode": 200}])
def test_full_success_shapes(response: Any) -> None:
    assert partial(response).delete == IDS


@pytest.mark.parametrize("response", [
    {"batchItemFailures": [{"itemIdentifier": ""}]},
    {"batchItemFailures": [{"itemIdentifier": None}]},
    {"batchItemFailures": [{"itemId": "a"}]},
    {"batchItemFailures": [{"itemIdentifier": "a", "reason": "x"}]},
    {"batchItemFailures": [{"itemIdentifier": "zzz"}]},
    {"batchItemFailures": ["a"]},
    {"batchItemFailures": "a"},
])
def test_malformed_reports_fail_the_whole_batch(response: Any) -> None:
    outcome = partial(response)
    assert outcome.failed and outcome.delete == [] and outcome.keep == IDS


def test_without_the_feature_the_list_is_ignored() -> None:
    outcome = interpret(IDS, {"batchItemFailures": [{"itemIdentifier": "zzz"}]})
    assert outcome.delete == IDS and not outcome.failed


def test_retry_after_extension() -> None:
    outcome = partial({"batchItemFailures": [{"itemIdentifier": "c", "retryAfterSeconds": 30}]})
    assert outcome.keep == ["c"] and outcome.retry_after == {"c": 30}
    assert partial({"batchItemFailures": [{"itemIdentifier": "c", "retryAfterSeconds": -1}]}).failed


def test_fifo_failure_holds_back_the_rest_of_its_group_only() -> None:
    ids = ["g1-1", "g2-1", "g1-2", "g1-3", "g2-2"]
    groups = {i: i.split("-")[0] for i in ids}
    outcome = interpret(ids, {"batchItemFailures": [{"itemIdentifier": "g1-1"}]}, report_batch_item_failures=True)
    adjusted, put_back = fifo_holdbacks(ids, groups, outcome)
    assert adjusted.delete == ["g2-1", "g2-2"]
    assert put_back == ["g1-2", "g1-3"]
    assert set(adjusted.keep) == {"g1-1", "g1-2", "g1-3"}
