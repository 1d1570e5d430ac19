"""Gold files (DESIGN §7) for the `newsdesk eval` commands: the file and its transcript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from services.transcriber.core import Transcript, TranscriptError, parse_transcript


def transcript_path(gold_file: Path, named: str) -> Path:
    """The transcript a gold file names: as given, or relative to the gold file's folder or
    any folder above it (gold files name it relative to the repository)."""
    candidate = Path(named)
    if candidate.is_absolute() or candidate.exists():
        return candidate
    for folder in gold_file.resolve().parents:
        if (folder / candidate).exists():
            return folder / candidate
    return candidate


def read_gold(gold_file: Path) -> tuple[dict[str, Any], Transcript]:
    """The gold document and its parsed transcript; a clear error for either's problems."""
    try:
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        source = transcript_path(gold_file, str(gold["transcript"]))
        if not source.is_file():
            raise FileNotFoundError(f"transcript not found: {source}")
        return gold, parse_transcript(source.read_bytes(), name=source.name)
    except (OSError, KeyError, TypeError, ValueError, TranscriptError) as exc:
        raise typer.BadParameter(f"{gold_file}: {exc}") from exc
