"""Worker classes that ``conveyor worker app_workers:NAME`` runs in a subprocess (cwd: this directory)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from conveyor.worker import Worker


class SlowJobWorker(Worker):
    """``{"record": PATH, "seconds": S}``: appends ``start``, sleeps S seconds, appends ``done``."""

    def handle(self, body: Any) -> None:
        record = Path(body["record"])
        with record.open("a") as file:
            file.write("start\n")
        time.sleep(body["seconds"])
        with record.open("a") as file:
            file.write("done\n")
