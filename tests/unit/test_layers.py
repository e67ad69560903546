"""The layers depend downward only: checked on the source, so a stray import fails the build."""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "conveyor"

# What each layer may import from conveyor itself (besides its own modules).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "clock": set(),
    "model": {"errors"},
    "storage": {"errors", "model"},
    "service": {"errors", "clock", "model", "storage"},
    "protocol": {"errors", "http", "service.context"},
    "http": {"errors", "clock", "protocol", "service.context", "http"},
}


def conveyor_imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("conveyor."):
            found.add(node.module.removeprefix("conveyor."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("conveyor.") for a in node.names if a.name.startswith("conveyor."))
    return found


def allowed(layer: str, target: str) -> bool:
    if target == layer or target.startswith(layer + "."):
        return True
    return any(target == rule or target.startswith(rule + ".") for rule in ALLOWED[layer])


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_lies_below(layer: str) -> None:
    paths = [PACKAGE / f"{layer}.py"] if (PACKAGE / f"{layer}.py").exists() else sorted((PACKAGE / layer).rglob("*.py"))
    assert paths, f"no source found for layer {layer}"
    violations = [
        f"{path.relative_to(PACKAGE)} imports conveyor.{target}"
        for path in paths
        for target in conveyor_imports(path)
        if not allowed(layer, target)
    ]
    assert violations == []


def test_http_server_knows_nothing_of_sqs() -> None:
    """The HTTP server itself is generic: only the app (http/app.py) joins it to the codecs."""
    assert conveyor_imports(PACKAGE / "http" / "server.py") <= {"http.types"}
