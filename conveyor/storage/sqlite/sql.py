"""Loads the named SQL statements kept beside this module."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


@cache
def schema() -> str:
    return files(__package__).joinpath("schema.sql").read_text("utf-8")


@cache
def queries() -> dict[str, str]:
    text = files(__package__).joinpath("queries.sql").read_text("utf-8")
    parts = _NAME.split(text)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}
