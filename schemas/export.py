"""JSON Schema for every event, as checked in under schemas/json/."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.events import ALL_EVENTS

SCHEMA_DIR = Path(__file__).resolve().parent / "json"


def event_schemas() -> dict[str, str]:
    """File name → JSON text, for every event (stream and version in the file name)."""
    out = {}
    for event in ALL_EVENTS:
        schema = event.model_json_schema(mode="serialization")
        schema["x-stream"] = event.stream
        schema["x-schema-version"] = event.version
        name = f"{event.__name__}.v{event.version}.schema.json"
        out[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in event_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files missing or different from what the classes produce."""
    stale = []
    for name, text in event_schemas().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale
