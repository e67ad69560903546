"""Mapping validation: Lambda's limits, errors that name the field."""

from __future__ import annotations

import pathlib

import pytest

from conveyor.runtime.mapping import EventSourceMapping, MappingError, load_functions


def make(**settings: object) -> EventSourceMapping:
    base: dict = {"name": "fn", "queue": "orders", "handler": "handler:lambda_handler"}
    base.update(settings)
    return EventSourceMapping(**base)


@pytest.mark.parametrize(("settings", "field", "reason"), [
    ({"batch_size": 0}, "batch_size", "between 1 and 10000"),
    ({"batch_size": 10_001, "batching_window": 1}, "batch_size", "between 1 and 10000"),
    ({"batch_size": 11, "queue": "orders.fifo"}, "batch_size", "FIFO"),
    ({"batch_size": 100}, "batching_window", "at least 1 second"),
    ({"batching_window": 301}, "batching_window", "between 0 and 300"),
    ({"max_concurrency": 1}, "max_concurrency", "between 2 and 1000"),
    ({"max_concurrency": 1001}, "max_concurrency", "between 2 and 1000"),
    ({"timeout": 901}, "timeout", "heartbeat"),
    ({"handler": "no_function"}, "handler", "module:function"),
    ({"filters": [{"body": {"a": [1]}}] * 6}, "filters", "at most 5"),
    ({"name": "bad name"}, "name", "letters"),
])
def test_invalid_settings_name_field_and_reason(settings: dict, field: str, reason: str) -> None:
    with pytest.raises(MappingError, match=reason) as caught:
        make(**settings).validate()
    assert caught.value.field == field


def test_valid_settings_and_lambda_handler_spelling() -> None:
    mapping = make(handler="handler.lambda_handler", batch_size=100, batching_window=5).validate()
    assert mapping.handler == "handler:lambda_handler"
    assert make(timeout=3600, heartbeat=True).validate().timeout == 3600


def test_timeout_longer_than_the_visibility_timeout_is_refused() -> None:
    with pytest.raises(MappingError, match="VisibilityTimeout of 30"):
        make(timeout=60).check_queue(30)
    make(timeout=60, heartbeat=True).check_queue(30)


def test_config_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "functions.toml"
    path.write_text('''
[runtime]
endpoint = "http://127.0.0.1:9324"

[[functions]]
name = "orders"
queue = "orders"
handler = "handler:lambda_handler"
batch_size = 10
batching_window = 5
report_batch_item_failures = true
max_concurrency = 50
timeout = 20
filters = ['{"body": {"type": ["order"]}}']

[[functions]]
name = "dlq"
queue = "orders-dlq"
handler = "dlq_handler.lambda_handler"
batch_size = 1
enabled = false
''')
    settings, mappings = load_functions(path)
    assert settings["endpoint"] == "http://127.0.0.1:9324"
    assert [m.name for m in mappings] == ["orders", "dlq"]
    assert mappings[0].max_concurrency == 50 and not mappings[1].enabled
    path.write_text('[[functions]]\nname = "x"\nqueue = "q"\nhandler = "m:f"\nbatchsize = 3\n')
    with pytest.raises(MappingError, match="batchsize: unknown setting"):
        load_functions(path)
