"""ConveyorServer: a real server in-process, on a manual clock when asked, side by side, cleanly stopped."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from conveyor.testing import ConveyorServer


def test_serves_real_clients_and_releases_port_and_thread() -> None:
    server = ConveyorServer().start()
    port = int(server.endpoint_url.rsplit(":", 1)[1])
    sqs = server.client()
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert url == server.queue_url("jobs")
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"
    own = [t for t in threading.enumerate() if t.name == "conveyor-embedded" and t.ident == server._thread.ident]
    assert own and own[0].is_alive()
    server.stop()
    assert not own[0].is_alive()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # the port is free again


def test_servers_run_side_by_side_without_sharing_queues() -> None:
    with ConveyorServer() as first, ConveyorServer() as second:
        assert first.endpoint_url != second.endpoint_url
        first.client().create_queue(QueueName="only-here")
        assert second.client().list_queues().get("QueueUrls", []) == []
        assert first.client().list_queues()["QueueUrls"] == [first.queue_url("only-here")]


def test_set_env_points_sdk_default_configuration_at_the_server_and_restores_it(monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://elsewhere:1")
    with ConveyorServer(set_env=True) as server:
        assert os.environ["AWS_ENDPOINT_URL_SQS"] == server.endpoint_url
        import boto3

        sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        assert sqs.create_queue(QueueName="via-env")["QueueUrl"] == server.queue_url("via-env")
    assert os.environ["AWS_ENDPOINT_URL_SQS"] == "http://elsewhere:1"


def test_reset_forgets_queues_and_cooldowns() -> None:
    with ConveyorServer() as server:
        sqs = server.client()
        url = sqs.create_queue(QueueName="again")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        sqs.delete_queue(QueueUrl=url)
        with pytest.raises(sqs.exceptions.QueueDeletedRecently):
            sqs.create_queue(QueueName="again")
        server.reset()
        url = sqs.create_queue(QueueName="again")["QueueUrl"]
        assert sqs.receive_message(QueueUrl=url).get("Messages") is None


def test_system_clock_server_has_no_manual_clock() -> None:
    with ConveyorServer() as server, pytest.raises(RuntimeError):
        server.manual_clock.advance(1)


def test_data_dir_server_keeps_messages_across_restart(tmp_path) -> None:
    with ConveyorServer(data_dir=str(tmp_path)) as server:
        sqs = server.client()
        sqs.send_message(QueueUrl=sqs.create_queue(QueueName="kept")["QueueUrl"], MessageBody="durable")
    with ConveyorServer(data_dir=str(tmp_path)) as server:
        sqs = server.client()
        assert sqs.receive_message(QueueUrl=server.queue_url("kept"))["Messages"][0]["Body"] == "durable"


def test_unknown_clock_name_is_refused() -> None:
    with pytest.raises(ValueError):
        ConveyorServer(clock="sundial")  # type: ignore[arg-type]
