"""`newsdesk analyze FILE`: one transcript through the pure cores, printed as a table or JSON."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from services.cli.app import app
from services.cli.report import segments_table
from services.cli.runtime import load_settings
from services.runtime.errors import PermanentError
from services.transcriber.audio import MissingToolError
from services.transcriber.core import TranscriptError


@app.command()
def analyze(
    file: Annotated[
        Path, typer.Argument(help="A transcript (markdown, text, VTT, SRT, JSON, HTML) or audio.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the DESIGN §6 JSON.")] = False,
) -> None:
    """Segment, classify and summarize one transcript in-process (no Redis, no store)."""
    # Imported here: they load every text stage, which no other command needs.
    from services.cli.analysis import analyze_transcript
    from services.transcriber.main import speech_to_text
    from services.transcriber.sources import load_file

    settings = load_settings()
    if not file.is_file():
        raise typer.BadParameter(f"no such file: {file}")
    try:
        transcript = asyncio.run(load_file(file, speech_to_text()))
    except (TranscriptError, PermanentError, MissingToolError) as exc:
        raise typer.BadParameter(f"{file}: {exc}") from exc
    document = analyze_transcript(transcript, settings, str(file))
    if as_json:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    episode = document["episode"]
    title = f"{episode['podcast']} — {episode['title']} ({episode['published']})"
    Console().print(segments_table(title, document["segments"]))
