"""The pytest plugin, used by a small sample project the way another project would use it."""

from __future__ import annotations

import pytest

SAMPLE = '''
import json
import boto3
import pytest


def test_client_and_clean_slate(conveyor_sqs):
    assert conveyor_sqs.list_queues().get("QueueUrls", []) == []
    url = conveyor_sqs.create_queue(QueueName="orders")["QueueUrl"]
    conveyor_sqs.send_message(QueueUrl=url, MessageBody="one")


def test_each_test_starts_empty_and_may_reuse_names(conveyor_sqs):
    assert conveyor_sqs.list_queues().get("QueueUrls", []) == []
    conveyor_sqs.create_queue(QueueName="orders")


def test_code_under_test_finds_the_server_through_the_environment(conveyor_sqs):
    url = conveyor_sqs.create_queue(QueueName="env")["QueueUrl"]
    own = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    own.send_message(QueueUrl=url, MessageBody="from code under test")
    assert conveyor_sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "from code under test"


@pytest.mark.conveyor_queues("plain", {"name": "jobs.fifo", "attributes": {"ContentBasedDeduplication": True},
                                       "dead_letter": {"max_receive_count": 2}})
def test_declared_queues(conveyor_sqs, conveyor_queues):
    assert set(conveyor_queues) == {"plain", "jobs.fifo", "jobs-dlq.fifo"}
    attrs = conveyor_sqs.get_queue_attributes(QueueUrl=conveyor_queues["jobs.fifo"], AttributeNames=["All"])
    policy = json.loads(attrs["Attributes"]["RedrivePolicy"])
    assert policy["maxReceiveCount"] == 2 and policy["deadLetterTargetArn"].endswith(":jobs-dlq.fifo")


def test_time_travel(conveyor_sqs, conveyor_clock):
    url = conveyor_sqs.create_queue(QueueName="later")["QueueUrl"]
    conveyor_sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=600)
    assert "Messages" not in conveyor_sqs.receive_message(QueueUrl=url)
    conveyor_clock.advance(600)
    assert conveyor_sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "x"
'''


def test_sample_project_uses_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nconveyor_clock = manual\n")
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_manual_clock_fixture_refuses_a_system_clock_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_clock="def test_it(conveyor_clock):\n    pass\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*clock=*manual*"])


def test_plugin_starts_nothing_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="import threading\n\ndef test_it():\n"
                        "    assert not any(t.name == 'conveyor-embedded' for t in threading.enumerate())\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
