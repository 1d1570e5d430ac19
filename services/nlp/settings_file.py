"""A YAML settings file → its parsed content; a missing file's error says which settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, what: str) -> Any:
    """The file's parsed YAML (None when empty); FileNotFoundError names `what` was missing."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{what} not found: {path}") from exc
