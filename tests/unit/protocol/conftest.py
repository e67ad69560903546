"""Make the repository importable (``conveyor``, ``tests.support``) however pytest is started."""

from __future__ import annotations

import pathlib
import sys

_REPO = str(pathlib.Path(__file__).resolve().parents[3])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

_HERE = str(pathlib.Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
