"""`newsdesk eval segments` and `newsdesk bench segment`: segmentation quality and speed."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from schemas.model import Segment
from services.cli.app import bench_app, eval_app
from services.cli.gold import transcript_path
from services.cli.runtime import load_settings
from services.cli.sources import SAMPLE
from services.nlp.embeddings import Embedder, shared_embedder
from services.nlp.taxonomy import Taxonomy, load_taxonomies
from services.segmenter.config import Profiles, SegmenterConfig, load_profiles
from services.segmenter.core import segment_transcript
from services.segmenter.evaluation import Gold, Scores, Span, load_gold, score
from services.transcriber.core import Transcript, TranscriptError, parse_transcript

console = Console()

_COLUMNS = {
    "pk": "Pk",
    "windowdiff": "WindowDiff",
    "boundary_precision": "boundary precision",
    "boundary_recall": "boundary recall",
    "boundary_f1": "boundary F1",
    "story_count_error": "story count error",
    "ad_precision": "ad line precision",
    "ad_recall": "ad line recall",
    "ad_f1": "ad line F1",
    "section_accuracy": "section accuracy",
}


class _Setup:
    """What every file is segmented with: profiles, taxonomy, embedder (or none)."""

    def __init__(self, embeddings: bool | None) -> None:
        settings = load_settings()
        self.profiles: Profiles = load_profiles(settings.profiles_file)
        self.taxonomy: Taxonomy = load_taxonomies(settings.taxonomy_file).get(None)
        use = settings.embeddings if embeddings is None else embeddings
        self.embed: Embedder | None = shared_embedder() if use else None
        if self.embed is not None:
            self.embed(["warm up"])  # load the model before anything is timed

    def config(self, podcast: str) -> SegmenterConfig:
        chosen = self.profiles.for_show(podcast)
        return chosen.model_copy(update={"use_embeddings": self.embed is not None})

    def segment(self, text: str, first_line: int, config: SegmenterConfig) -> list[Segment]:
        return segment_transcript(
            text,
            episode_id="eval",
            config=config,
            first_line=first_line,
            embed=self.embed,
            taxonomy=self.taxonomy,
        )


def _read_transcript(path: Path) -> Transcript:
    try:
        return parse_transcript(path.read_bytes(), name=path.name)
    except FileNotFoundError as exc:
        raise typer.BadParameter(f"no such transcript: {path}") from exc
    except TranscriptError as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc


def _read_gold(path: Path) -> Gold:
    try:
        return load_gold(path)
    except FileNotFoundError as exc:
        raise typer.BadParameter(f"no such gold file: {path}") from exc
    except (json.JSONDecodeError, ValidationError) as exc:
        raise typer.BadParameter(f"{path} is not a gold file (DESIGN §7): {exc}") from exc


def _evaluate(gold_file: Path, setup: _Setup, tolerance: int) -> dict[str, Any]:
    gold = _read_gold(gold_file)
    transcript_file = transcript_path(gold_file, gold.transcript)
    transcript = _read_transcript(transcript_file)
    started = time.perf_counter()
    found = setup.segment(transcript.text, transcript.first_line, setup.config(transcript.podcast))
    seconds = time.perf_counter() - started
    last_line = transcript.first_line + transcript.text.rstrip("\n").count("\n")
    scores = score(
        [Span(s.start_line, s.kind, s.section) for s in gold.segments],
        [Span(s.start_line, s.kind, s.announced_section) for s in found],
        first_line=transcript.first_line,
        last_line=last_line,
        tolerance=tolerance,
    )
    return {
        "gold": str(gold_file),
        "transcript": str(transcript_file),
        "seconds": round(seconds, 3),
        "scores": _as_dict(scores),
    }


def _as_dict(scores: Scores) -> dict[str, Any]:
    return {**asdict(scores), "story_count_error": scores.story_count_error}


def _mean(results: list[dict[str, Any]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in results[0]["scores"]:
        values = [r["scores"][key] for r in results if r["scores"][key] is not None]
        numeric = [float(v) for v in values if not isinstance(v, bool)]
        out[key] = round(statistics.fmean(numeric), 4) if numeric else None
    return out


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(results: list[dict[str, Any]], mean: dict[str, float | None]) -> Table:
    """One row per figure, one column per gold file (and the mean): fits a terminal."""
    table = Table(title="Segmentation against gold")
    table.add_column("figure")
    for r in results:
        table.add_column(
            Path(r["gold"]).name.removesuffix(".json").removesuffix(".gold"), justify="right"
        )
    if len(results) > 1:
        table.add_column("mean", justify="right")
    counts = {
        "stories found/gold": ("stories_found", "stories_gold"),
        "ads found/gold": ("ads_found", "ads_gold"),
    }
    for label, (found, wanted) in counts.items():
        table.add_row(label, *(f"{r['scores'][found]}/{r['scores'][wanted]}" for r in results))
    for label, key in (("intro found", "intro_found"), ("outro found", "outro_found")):
        table.add_row(label, *(_cell(r["scores"][key]) for r in results))
    for key, label in _COLUMNS.items():
        table.add_row(label, *(_cell(r["scores"][key]) for r in results), _cell(mean[key]))
    table.add_row("seconds", *(_cell(r["seconds"]) for r in results))
    return table


@eval_app.command("segments")
def eval_segments(
    gold: Annotated[
        list[Path],
        typer.Argument(metavar="GOLD", help="Gold files (DESIGN §7), one per transcript."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    embeddings: Annotated[
        bool | None,
        typer.Option("--embeddings/--no-embeddings", help="Override NEWSDESK_EMBEDDINGS."),
    ] = None,
    tolerance: Annotated[
        int, typer.Option(min=0, help="Lines a boundary may be off and still count.")
    ] = 2,
) -> None:
    """Score the segmenter on gold files: Pk, WindowDiff, boundary P/R/F1 within ±tolerance
    lines, story-count error, line-level ad P/R/F1, section accuracy; per file and the mean."""
    setup = _Setup(embeddings)
    results = [_evaluate(path, setup, tolerance) for path in gold]
    mean = _mean(results)
    if as_json:
        typer.echo(json.dumps({"files": results, "mean": mean}, indent=2))
        return
    console.print(_table(results, mean))


@bench_app.command("segment")
def bench_segment(
    file: Annotated[Path, typer.Option(help="Transcript to repeat.")] = SAMPLE,
    sizes: Annotated[str, typer.Option(help="Comma-separated multiples of its length.")] = "1,4,16",
    repeat: Annotated[int, typer.Option(min=1, help="Runs per size; the best is kept.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Time segmentation at growing multiples of a transcript, with and without embeddings."""
    try:
        multiples = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"sizes must be integers like 1,4,16, not {sizes!r}") from exc
    if not multiples or min(multiples) < 1:
        raise typer.BadParameter("sizes must be positive integers like 1,4,16")
    transcript = _read_transcript(file)
    rows = []
    for embeddings in (False, True):
        setup = _Setup(embeddings)
        config = setup.config(transcript.podcast)
        for n in multiples:
            text = "\n".join([transcript.text] * n)
            best = min((_timed(setup, text, config) for _ in range(repeat)), key=_seconds)
            rows.append({"embeddings": embeddings, "multiple": n, "chars": len(text), **best})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    console.print(_bench_table(file, rows))


def _timed(setup: _Setup, text: str, config: SegmenterConfig) -> dict[str, Any]:
    started = time.perf_counter()
    found = setup.segment(text, 1, config)
    return {"seconds": round(time.perf_counter() - started, 3), "segments": len(found)}


def _seconds(row: dict[str, Any]) -> float:
    return float(row["seconds"])


def _bench_table(file: Path, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"Segmenting {file.name} (best of runs)")
    for column in ("embeddings", "size", "chars", "segments", "seconds", "s per 1x"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            "on" if row["embeddings"] else "off",
            f"{row['multiple']}x",
            f"{row['chars']:,}",
            str(row["segments"]),
            f"{row['seconds']:.3f}",
            f"{row['seconds'] / row['multiple']:.3f}",
        )
    return table
