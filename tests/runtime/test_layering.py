"""The runtime is an SQS client: it may import only itself and the clock from Conveyor."""

from __future__ import annotations

import ast
import pathlib

RUNTIME = pathlib.Path(__file__).resolve().parents[2] / "conveyor" / "runtime"


def test_runtime_imports_no_server_layer() -> None:
    bad = []
    for path in RUNTIME.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.startswith("conveyor") and not name.startswith(("conveyor.runtime", "conveyor.clock")):
                    bad.append(f"{path.name}: {name}")
    assert bad == []
