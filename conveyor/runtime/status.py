"""The live status table of ``conveyor functions run`` (rich)."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def status_table(entries: list[dict[str, Any]], endpoint: str, control: str) -> Table:
    table = Table(title=f"conveyor functions — SQS {endpoint} — control {control}", title_justify="left")
    for column in ("function", "queue", "state", "concurrency", "invocations", "errors", "deleted",
                   "retried", "filtered", "backlog", "last error"):
        table.add_column(column, overflow="fold",
                         justify="right" if column not in ("function", "queue", "state", "last error") else "left")
    for entry in entries:
        mapping, stats = entry["mapping"], entry.get("stats")
        if stats is None:
            table.add_row(mapping["name"], mapping["queue"], entry["state"], *["-"] * 7, "")
            continue
        concurrency = f"{stats['in_flight']}/{mapping['max_concurrency']} ({stats['lanes']} pollers)"
        table.add_row(
            mapping["name"], mapping["queue"], entry["state"], concurrency, str(stats["invocations"]),
            str(stats["errors"]), str(stats["deleted"]), str(stats["retried"]), str(stats["filtered"]),
            str(stats["backlog"]), (stats["last_error"] or "")[:60],
        )
    return table
