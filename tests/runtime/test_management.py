"""Managing a running runtime through its control endpoint and the CLI."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from conveyor.cli import main as conveyor_main
from conveyor.runtime.control import ControlError, ControlServer, request
from tests.runtime.support import mapping, queue_counts, running, wait_for


def test_list_disable_update_enable_delete_while_running(server: Any, sqs: Any, make_queue: Any,
                                                         tmp_path: pathlib.Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    url = make_queue()
    fn = mapping(url, "probe:record", name="managed")
    with running(server.endpoint_url, fn) as runtime:
        control = ControlServer(runtime, "127.0.0.1:0").start()
        address = control.address
        try:
            listed = request(address, "GET", "/functions")
            assert [e["mapping"]["name"] for e in listed] == ["managed"] and listed[0]["state"] == "Enabled"

            assert conveyor_main(["functions", "disable", "managed", "--control", address]) == 0
            assert request(address, "GET", "/functions/managed")["state"] == "Disabled"
            sqs.send_message(QueueUrl=url, MessageBody="while disabled")
            assert queue_counts(sqs, url) == (1, 0)

            assert conveyor_main(["functions", "update", "managed", "--batch-size", "5", "--batching-window", "1",
                                  "--max-concurrency", "3", "--control", address]) == 0
            updated = json.loads(capsys.readouterr().out)
            assert (updated["batch_size"], updated["batching_window"], updated["max_concurrency"]) == (5, 1, 3)

            assert conveyor_main(["functions", "update", "managed", "--max-concurrency", "1",
                                  "--control", address]) == 2
            assert "max_concurrency: must be between 2 and 1000" in capsys.readouterr().err

            assert conveyor_main(["functions", "enable", "managed", "--control", address]) == 0
            wait_for(lambda: queue_counts(sqs, url) == (0, 0))

            assert conveyor_main(["functions", "ls", "--json", "--control", address]) == 0
            assert json.loads(capsys.readouterr().out)[0]["stats"]["deleted"] == 1

            assert conveyor_main(["functions", "rm", "managed", "--control", address]) == 0
            assert request(address, "GET", "/functions") == []
            with pytest.raises(ControlError, match="no function named"):
                request(address, "PATCH", "/functions/managed", {"enabled": True})
        finally:
            control.stop()


def test_cli_reports_an_unreachable_runtime(capsys: pytest.CaptureFixture[str]) -> None:
    assert conveyor_main(["functions", "ls", "--control", "127.0.0.1:1"]) == 2
    assert "no runtime answers" in capsys.readouterr().err
