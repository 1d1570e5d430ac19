"""`newsdesk eval summaries` and `newsdesk bench summarize`: gold files → summaries → figures."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from schemas import EntityMention, Segment
from services.cli.app import bench_app, eval_app
from services.cli.gold import read_gold
from services.summarizer.core import summarize_segment
from services.summarizer.evaluate import StoryScore, score_story, summarize_scores

console = Console()
EntitiesFn = Callable[[Segment, Sequence[str]], list[EntityMention]]


class EntitySource(StrEnum):
    gold = "gold"
    classifier = "classifier"
    none = "none"


@dataclass(frozen=True)
class GoldSegment:
    segment: Segment
    title: str
    entities: list[str]


def load_gold(path: Path) -> list[GoldSegment]:
    """A DESIGN §7 gold file → its transcript cut at the gold start lines."""
    gold, transcript = read_gold(path)
    lines = transcript.text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    rows = sorted(gold["segments"], key=lambda s: s["start_line"])
    # Gold lines count from the top of the file; the body starts at `first_line`.
    starts = [min(max(r["start_line"] - transcript.first_line, 0), len(lines)) for r in rows]
    ends = [*starts[1:], len(lines)]
    out = []
    for index, (row, start, end) in enumerate(zip(rows, starts, ends, strict=True)):
        segment = Segment(
            segment_id=f"{path.stem}:{index}",
            index=index,
            count=len(rows),
            kind=row["kind"],
            start_line=start + transcript.first_line,
            end_line=max(end, start + 1) + transcript.first_line - 1,
            start_char=offsets[start],
            end_char=max(offsets[end] - 1, offsets[start]),
            text=transcript.text[offsets[start] : max(offsets[end] - 1, offsets[start])],
        )
        out.append(GoldSegment(segment, row.get("title", ""), list(row.get("entities", []))))
    return out


def _entities_fn(source: EntitySource) -> EntitiesFn:
    if source is EntitySource.gold:
        return lambda _segment, gold: [EntityMention(name=n, type="other") for n in gold]
    if source is EntitySource.none:
        return lambda _segment, _gold: []
    from schemas import EpisodeInfo
    from services.classifier.main import build_classifier
    from services.cli.runtime import load_settings

    classify = build_classifier(load_settings())
    episode = EpisodeInfo(episode_id="eval")
    return lambda segment, _gold: list(classify(episode, segment).entities)


@eval_app.command("summaries")
def eval_summaries(
    gold_files: Annotated[list[Path], typer.Argument(help="Gold files (DESIGN §7) with titles.")],
    entities: Annotated[
        EntitySource,
        typer.Option(help="Entities given to the summarizer: the classifier's, the gold's, none."),
    ] = EntitySource.classifier,
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
) -> None:
    """Headlines vs gold titles (ROUGE-1/2/L, entity naming) and faithfulness to the source."""
    golds = [(path.name, gold) for path in gold_files for gold in load_gold(path)]
    find_entities = _entities_fn(entities)
    scores: list[StoryScore] = []
    for name, gold in golds:
        mentions = find_entities(gold.segment, gold.entities)
        summary = summarize_segment(gold.segment, entities=mentions)
        scores.append(score_story(gold.segment, summary, gold.title, gold.entities, name))
    report = summarize_scores(scores)
    if as_json:
        typer.echo(json.dumps({"entities": entities.value, **report}, indent=2))
        return
    console.print(_stories_table(scores))
    console.print(_figures_table(report, entities.value))


def _stories_table(scores: Sequence[StoryScore]) -> Table:
    table = Table(title="Headlines vs gold titles (stories)")
    for column in ("line", "R1 rec", "entity", "headline", "gold title", "unsupported"):
        table.add_column(column, overflow="fold")
    for s in scores:
        if s.kind == "story":
            table.add_row(
                str(s.start_line),
                f"{s.rouge1_recall:.2f}",
                "✓" if s.entity else "✗",
                s.headline,
                s.title,
                ", ".join(s.unsupported),
            )
    return table


def _figures_table(report: dict[str, Any], entities: str) -> Table:
    table = Table(title=f"Summary figures (entities: {entities})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in report["stories"].items():
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    return table


@bench_app.command("summarize")
def bench_summarize(
    gold_files: Annotated[
        list[Path] | None,
        typer.Argument(help="Gold files whose segments to summarize (default: the seed golds)."),
    ] = None,
    rounds: Annotated[int, typer.Option(min=1, help="Timed passes after one warm-up.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
) -> None:
    """Milliseconds per story for the offline summarizer, after a warm-up pass."""
    paths = gold_files or _default_golds()
    segments = [g.segment for path in paths for g in load_gold(path)]
    stories = [s for s in segments if s.kind == "story"]
    if not stories:
        raise typer.BadParameter("no story segments in the given gold files")
    for segment in stories:
        summarize_segment(segment)
    runs = [_time_ms(segment) for _ in range(rounds) for segment in stories]
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    figures = {
        "stories": len(stories),
        "rounds": rounds,
        "mean_ms": statistics.fmean(wall),
        "p50_ms": statistics.median(wall),
        "p95_ms": _percentile(wall, 0.95),
        "max_ms": max(wall),
        # CPU time is what a story costs on a shared machine, whatever else is running.
        "cpu_mean_ms": statistics.fmean(cpu),
        "cpu_p95_ms": _percentile(cpu, 0.95),
        "cpu_max_ms": max(cpu),
        "mean_chars": statistics.fmean(len(s.text) for s in stories),
    }
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table(title="Offline summarizer, per story")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, f"{value:.2f}" if isinstance(value, float) else str(value))
    console.print(table)


def _time_ms(segment: Segment) -> tuple[float, float]:
    """Wall and CPU milliseconds for one story."""
    wall, cpu = time.perf_counter(), time.process_time()
    summarize_segment(segment)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _default_golds() -> list[Path]:
    folder = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "gold"
    paths = sorted(folder.glob("*.gold.json"))
    if not paths:
        raise typer.BadParameter("no gold files given and none found under tests/fixtures/gold")
    return paths
