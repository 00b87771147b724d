"""The one error of the configuration generator: what is wrong, and where."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """Bad inventory or data: the message names the file, host or service and the field."""

    def __init__(self, where: str, field: str, reason: str) -> None:
        super().__init__(f"{where}: {field}: {reason}")
        self.where = where
        self.field = field
        self.reason = reason


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in *path*; unreadable or malformed is a :class:`ConfigError`."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(str(path), "file", str(err)) from None


def whole_from_1(value: Any, where: str, field: str) -> int:
    """*value* when it is a whole number from 1 (not a bool), else a :class:`ConfigError`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(where, field, f"needs a whole number from 1, not {value!r}")
    return value
