"""The committed shape data matches botocore's model, and its query names match the old model."""

from __future__ import annotations

import copy
import importlib.util
import json
import pathlib
from types import ModuleType

import pytest

from tests.support.query_model import query_model_file

REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_shapes", REPO / "scripts" / "gen_shapes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_file_is_up_to_date(gen: ModuleType) -> None:
    generated = gen.generate(gen.load_model(gen.default_model_path()))
    committed = json.loads((REPO / "conveyor/protocol/sqs_shapes.json").read_text(encoding="utf-8"))
    assert committed == generated, "run: python scripts/gen_shapes.py"


def test_query_names_agree_with_the_query_era_model(gen: ModuleType) -> None:
    generated = gen.generate(gen.load_model(gen.default_model_path()))
    assert gen.verify(generated, gen.load_model(query_model_file())) == []


def test_verify_notices_a_wrong_name(gen: ModuleType) -> None:
    generated = copy.deepcopy(gen.generate(gen.load_model(gen.default_model_path())))
    generated["shapes"]["ReceiveMessageResult"]["members"]["Messages"]["name"] = "Messages"
    problems = gen.verify(generated, gen.load_model(query_model_file()))
    assert problems == ["ReceiveMessageResult.Messages: Messages != Message"]
