"""FilterCriteria: EventBridge patterns on the body."""

from __future__ import annotations

import json

import pytest

from conveyor.runtime.filters import FilterError, FilterSet


def match(pattern: dict, body: object) -> bool:
    text = body if isinstance(body, str) else json.dumps(body)
    return FilterSet([{"Pattern": json.dumps({"body": pattern})}]).matches(text)


@pytest.mark.parametrize(("pattern", "body", "expected"), [
    ({"code": ["BBBB"]}, {"code": "BBBB"}, True),
    ({"code": ["BBBB"]}, {"code": "AAAA"}, False),
    ({"code": [{"prefix": "BB"}]}, {"code": "BBAA"}, True),
    ({"code": [{"suffix": "AA"}]}, {"code": "BBAA"}, True),
    ({"code": [{"anything-but": ["AAAA", "CCCC"]}]}, {"code": "BBBB"}, True),
    ({"code": [{"anything-but": ["AAAA"]}]}, {"code": "AAAA"}, False),
    ({"code": [{"anything-but": {"prefix": "A"}}]}, {"code": "AB"}, False),
    ({"n": [{"numeric": [">", 10, "<=", 20]}]}, {"n": 20}, True),
    ({"n": [{"numeric": [">", 10, "<=", 20]}]}, {"n": 21}, False),
    ({"n": [{"numeric": ["=", 5]}]}, {"n": 5.0}, True),
    ({"x": [{"exists": True}]}, {"x": 1}, True),
    ({"x": [{"exists": False}]}, {"y": 1}, True),
    ({"x": [{"exists": False}]}, {"x": 1}, False),
    ({"x": [None]}, {"x": None}, True),
    ({"x": [""]}, {"x": ""}, True),
    ({"x": [""]}, {"x": None}, False),
    ({"a": {"b": [1]}}, {"a": {"b": 1}}, True),
    ({"tags": ["red"]}, {"tags": ["blue", "red"]}, True),
])
def test_operators_on_json_bodies(pattern: dict, body: object, expected: bool) -> None:
    assert match(pattern, body) is expected


def test_plain_string_bodies_match_only_plain_string_patterns() -> None:
    assert match([{"prefix": "hello"}], "hello world")
    assert not match([{"prefix": "hello"}], {"hello": 1})  # JSON body, string pattern
    assert not match({"hello": [{"exists": True}]}, "hello world")  # string body, JSON pattern


def test_patterns_are_ored_and_limited_to_five() -> None:
    patterns = [{"body": {"k": [i]}} for i in range(3)]
    assert FilterSet(patterns).matches('{"k": 2}')
    assert not FilterSet(patterns).matches('{"k": 9}')
    with pytest.raises(FilterError, match="at most 5"):
        FilterSet([{"body": {"k": [i]}} for i in range(6)])


@pytest.mark.parametrize("pattern", ['{"attributes": {"x": [1]}}', "not json", '{"body": {"k": "v"}}',
                                     '{"body": {"k": [{"numeric": [">"]}]}}', '{"body": {"k": [{"nope": 1}]}}'])
def test_invalid_patterns_are_rejected(pattern: str) -> None:
    with pytest.raises(FilterError):
        FilterSet([pattern])
