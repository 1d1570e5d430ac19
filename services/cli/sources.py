"""Turning what a user points at (a transcript file) into an EpisodeDiscovered event."""

from __future__ import annotations

from pathlib import Path

import typer

from schemas import EpisodeDiscovered, EpisodeInfo
from schemas.ids import episode_id_for_text
from services.runtime.broker import publishing_broker
from services.runtime.settings import Settings
from services.transcriber.core import TranscriptError, decode_text

SAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "000_3ec279d0775a14a8.txt"


def discovered_from_file(path: Path) -> EpisodeDiscovered:
    """A local transcript as an episode; its id comes from its content (re-ingesting is a no-op)."""
    try:
        text = decode_text(path.read_bytes())
    except FileNotFoundError as exc:
        raise typer.BadParameter(f"no such file: {path}") from exc
    except TranscriptError as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc
    episode = EpisodeInfo(episode_id=episode_id_for_text(text), source=str(path))
    return EpisodeDiscovered(episode=episode, text=text, producer="cli")


async def publish_events(
    redis_url: str, settings: Settings, events: list[EpisodeDiscovered]
) -> None:
    async with publishing_broker(redis_url) as broker:
        for event in events:
            await broker.publish(event, stream=type(event).stream, maxlen=settings.stream_maxlen)
