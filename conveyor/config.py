"""Server settings from flags and an optional TOML file (which may also declare queues).

Example::

    [server]
    host = "127.0.0.1"
    port = 9324
    data_dir = "./conveyor-data"      # or store = "memory"
    durability = "process"            # or "fsync"
    region = "us-east-1"
    account_id = "000000000000"

    [[queues]]
    name = "orders"
    attributes = { VisibilityTimeout = "60" }
    tags = { team = "payments" }
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The configuration file is unusable; the message names the key and the reason."""


@dataclass(slots=True)
class QueueDeclaration:
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 9324
    store: str = "sqlite"  # "sqlite" or "memory"
    data_dir: str = "./conveyor-data"
    durability: str = "process"  # "process" or "fsync"
    region: str = "us-east-1"
    account_id: str = "000000000000"
    time_travel: bool = False  # a manual clock, moved over HTTP (for tests)
    queues: list[QueueDeclaration] = field(default_factory=list)

    def database_path(self) -> str:
        if self.store == "memory":
            return ":memory:"
        directory = Path(self.data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return str(directory / "conveyor.db")


def load_config(path: str | Path, base: ServerConfig | None = None) -> ServerConfig:
    """Read a TOML file over ``base``; unknown keys and wrong types are errors, not surprises."""
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    config = base or ServerConfig()
    _apply_server(config, data.pop("server", {}))
    config.queues.extend(_queue(index, entry) for index, entry in enumerate(data.pop("queues", [])))
    if data:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(data))}")
    return config


def _apply_server(config: ServerConfig, section: dict[str, Any]) -> None:
    known = {f.name: f for f in fields(ServerConfig) if f.name != "queues"}
    for key, value in section.items():
        if key not in known:
            raise ConfigError(f"server.{key}: unknown setting")
        expected = {"port": int, "time_travel": bool}.get(key, str)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"server.{key}: expected {expected.__name__}, got {value!r}")
        setattr(config, key, value)
    if config.store not in {"sqlite", "memory"}:
        raise ConfigError(f"server.store: expected 'sqlite' or 'memory', got {config.store!r}")
    if config.durability not in {"process", "fsync"}:
        raise ConfigError(f"server.durability: expected 'process' or 'fsync', got {config.durability!r}")


def _queue(index: int, entry: Any) -> QueueDeclaration:
    where = f"queues[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ConfigError(f"{where}.name: every queue needs a name")
    unknown = set(entry) - {"name", "attributes", "tags"}
    if unknown:
        raise ConfigError(f"{where}.{sorted(unknown)[0]}: unknown setting")
    return QueueDeclaration(
        name=entry["name"],
        attributes=_string_map(entry.get("attributes", {}), f"{where}.attributes"),
        tags=_string_map(entry.get("tags", {}), f"{where}.tags"),
    )


def _string_map(value: Any, where: str) -> dict[str, str]:
    """Attribute values may be written as TOML numbers or booleans; SQS wants strings."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table")
    result = {}
    for key, item in value.items():
        if isinstance(item, bool):
            result[key] = "true" if item else "false"
        elif isinstance(item, int | str):
            result[key] = str(item)
        else:
            raise ConfigError(f"{where}.{key}: expected a string, number or boolean")
    return result
