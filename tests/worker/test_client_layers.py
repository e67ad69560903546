"""The client libraries are plain SQS clients: they reach a server through boto3 only, never its insides."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_layers import conveyor_imports

PACKAGE = Path(__file__).resolve().parents[2] / "conveyor"
SERVER_INSIDES = ("storage", "service", "protocol", "http", "server", "embedded")


@pytest.mark.parametrize("package", ["worker", "idempotency"])
def test_client_packages_do_not_import_the_server(package: str) -> None:
    violations = [
        f"{path.relative_to(PACKAGE)} imports conveyor.{target}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for target in conveyor_imports(path)
        if target.split(".")[0] in SERVER_INSIDES
    ]
    assert violations == []
