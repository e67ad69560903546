"""Lambda FilterCriteria for SQS: EventBridge patterns on a record's ``body``.

A JSON body is matched as JSON (patterns that go inside ``body``); a body that is not JSON is
matched only by patterns on the plain string (``{"body": [...]}``), and the other way round a
plain-string pattern never matches a JSON body. Patterns are ORed; Lambda deletes what none match.
"""

from __future__ import annotations

import json
from typing import Any

MAX_PATTERNS = 5
_NUMERIC_OPS = {"=", "<", "<=", ">", ">="}
_OPERATORS = {"prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case"}


class FilterError(ValueError):
    """A pattern Lambda would reject."""


def parse_patterns(patterns: list[Any]) -> list[dict[str, Any]]:
    """Accept patterns as JSON strings (Lambda's ``{"Pattern": "..."}``) or dicts; validate them."""
    if len(patterns) > MAX_PATTERNS:
        raise FilterError(f"at most {MAX_PATTERNS} filter patterns, got {len(patterns)}")
    parsed = []
    for index, raw in enumerate(patterns):
        if isinstance(raw, dict) and set(raw) == {"Pattern"}:
            raw = raw["Pattern"]
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError as exc:
                raise FilterError(f"filter {index + 1} is not valid JSON: {exc}") from None
        if not isinstance(raw, dict) or set(raw) != {"body"}:
            raise FilterError(f"filter {index + 1}: SQS mappings filter on the 'body' key only")
        _check(raw["body"], f"filter {index + 1}: body")
        parsed.append(raw)
    return parsed


def _check(node: Any, where: str) -> None:
    if isinstance(node, dict):
        if not node:
            raise FilterError(f"{where}: empty object")
        for key, value in node.items():
            _check(value, f"{where}.{key}")
    elif isinstance(node, list):
        if not node:
            raise FilterError(f"{where}: empty list of values")
        for item in node:
            if isinstance(item, dict):
                _check_operator(item, where)
            elif isinstance(item, list):
                raise FilterError(f"{where}: nested lists are not allowed")
    else:
        raise FilterError(f"{where}: a pattern leaf must be a list of values")


def _check_operator(item: dict[str, Any], where: str) -> None:
    if len(item) != 1 or next(iter(item)) not in _OPERATORS:
        raise FilterError(f"{where}: unknown operator {item!r}")
    (name, value), = item.items()
    if name == "numeric":
        if not isinstance(value, list) or len(value) not in (2, 4):
            raise FilterError(f"{where}: numeric takes [op, n] or [op, n, op, n]")
        for op, number in zip(value[::2], value[1::2], strict=True):
            if op not in _NUMERIC_OPS or isinstance(number, bool) or not isinstance(number, int | float):
                raise FilterError(f"{where}: bad numeric comparison {op!r} {number!r}")
    elif name == "exists" and not isinstance(value, bool):
        raise FilterError(f"{where}: exists takes true or false")
    elif name in ("prefix", "suffix", "equals-ignore-case") and not isinstance(value, str):
        raise FilterError(f"{where}: {name} takes a string")


class FilterSet:
    """Compiled patterns; an empty set lets every message through."""

    def __init__(self, patterns: list[Any] | None = None) -> None:
        self.patterns = parse_patterns(list(patterns or []))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, body: str) -> bool:
        if not self.patterns:
            return True
        try:
            document: Any = json.loads(body)
            is_json = isinstance(document, dict)
        except ValueError:
            is_json = False
        for pattern in self.patterns:
            shape = pattern["body"]
            if isinstance(shape, dict):
                if is_json and _match_object(shape, document):
                    return True
            elif not is_json and _match_values(shape, body, present=True):
                return True
        return False


def _match_object(pattern: dict[str, Any], document: dict[str, Any]) -> bool:
    for key, sub in pattern.items():
        present = key in document
        value = document.get(key)
        if isinstance(sub, dict):
            if not (present and isinstance(value, dict) and _match_object(sub, value)):
                return False
        elif not _match_values(sub, value, present):
            return False
    return True


def _match_values(allowed: list[Any], value: Any, present: bool) -> bool:
    """EventBridge: a field matches if it (or, for an array, any element) matches any allowed value."""
    for rule in allowed:
        if isinstance(rule, dict) and "exists" in rule:
            if rule["exists"] == present:
                return True
            continue
        if not present:
            continue
        candidates = value if isinstance(value, list) else [value]
        if any(_match_one(rule, candidate) for candidate in candidates):
            return True
    return False


def _match_one(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return _same(rule, value)
    (name, arg), = rule.items()
    if name == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if name == "suffix":
        return isinstance(value, str) and value.endswith(arg)
    if name == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == arg.lower()
    if name == "numeric":
        return _numeric(arg, value)
    if name == "anything-but":
        return _anything_but(arg, value)
    return False


def _same(expected: Any, value: Any) -> bool:
    if expected is None or value is None:
        return expected is None and value is None
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _numeric(comparisons: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    checks = {"=": value.__eq__, "<": value.__lt__, "<=": value.__le__, ">": value.__gt__, ">=": value.__ge__}
    return all(checks[op](number) for op, number in zip(comparisons[::2], comparisons[1::2], strict=True))


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, dict) and "prefix" in arg:
        return isinstance(value, str) and not value.startswith(arg["prefix"])
    if isinstance(arg, dict) and "suffix" in arg:
        return isinstance(value, str) and not value.endswith(arg["suffix"])
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(_same(item, value) for item in excluded)
