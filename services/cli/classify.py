"""`newsdesk classify`, `eval classify`, `bench classify`: stories → sections, topics, entities."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from schemas import Classification
from services.classifier.core import Classifier
from services.classifier.evaluation import (
    EntityRecall,
    GoldSegment,
    SectionReport,
    gold_segments,
    section_report,
)
from services.classifier.gazetteer import load_gazetteer
from services.cli.app import app, bench_app, eval_app
from services.cli.gold import read_gold
from services.cli.runtime import load_settings
from services.nlp.taxonomy import load_taxonomies

console = Console()
GOLD_FOLDER = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "gold"
TaxonomyOption = Annotated[
    str | None, typer.Option("--taxonomy", help="Taxonomy name (default: the file's default).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def build_classifier(taxonomy: str | None) -> Classifier:
    """A classifier from the configured taxonomy and gazetteer files, with embeddings if on."""
    settings = load_settings()
    try:
        chosen = load_taxonomies(settings.taxonomy_file).get(taxonomy)
        gazetteer = load_gazetteer(settings.entities_file)
    except (KeyError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc).strip("'\"")) from exc
    embed = None
    if settings.embeddings:
        from services.nlp.embeddings import shared_embedder

        embed = shared_embedder()
    return Classifier(chosen, gazetteer, embed=embed)


@app.command("classify")
def classify(
    file: Annotated[
        str, typer.Argument(help="A file with one story's text, or - for stdin.")
    ] = "-",
    taxonomy: TaxonomyOption = None,
    announced: Annotated[
        str | None, typer.Option(help="A section the episode announced (slug, name or alias).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Classify one story (or one headline): section, topic scores and named entities."""
    text = _read_text(file)
    if not text.strip():
        raise typer.BadParameter("the story is empty")
    result = build_classifier(taxonomy).classify(text, announced_section=announced)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _print_classification(result)


def _read_text(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror or exc}") from exc


def _print_classification(result: Classification) -> None:
    console.print(f"[bold]section[/bold]: {result.section}  (taxonomy {result.taxonomy})")
    topics = Table(title="Topics")
    topics.add_column("section")
    topics.add_column("score", justify="right")
    for topic in result.topics:
        topics.add_row(topic.slug, f"{topic.score:.2f}")
    console.print(topics)
    entities = Table(title="Entities")
    for column in ("name", "type", "mentions", "first offset"):
        entities.add_column(column)
    for entity in result.entities:
        first = entity.offsets[0] if entity.offsets else ("", "")
        entities.add_row(entity.name, entity.type, str(entity.mentions), f"{first[0]}–{first[1]}")
    console.print(entities)


@eval_app.command("classify")
def eval_classify(
    gold_files: Annotated[
        list[Path],
        typer.Argument(help="Gold transcripts (DESIGN §7 .json) or labelled headlines (.jsonl)."),
    ],
    taxonomy: TaxonomyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Section accuracy, per-section F1, confusion matrix and entity recall against gold files.

    Stories are cut at the gold start lines. "pipeline" carries each announced section
    forward to the next announcement, as the segmenter does; "content" ignores
    announcements. Headline files hold one {"text": ..., "section": ...} per line.
    """
    classifier = build_classifier(taxonomy)
    figures: dict[str, Any] = {}
    transcripts = [p for p in gold_files if p.suffix != ".jsonl"]
    headlines = [p for p in gold_files if p.suffix == ".jsonl"]
    if transcripts:
        figures["stories"] = _eval_stories(classifier, transcripts)
    if headlines:
        figures["headlines"] = _eval_headlines(classifier, headlines)
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    for name, block in figures.items():
        for mode in ("pipeline", "content"):
            if mode in block:
                console.print(_report_table(f"{name}: {mode}", block[mode]))
        if "entities" in block:
            e = block["entities"]
            console.print(
                f"entity recall: {e['recall']:.3f} ({e['found']}/{e['total']}); "
                f"missed: {', '.join(e['missed']) or 'none'}"
            )


def _eval_stories(classifier: Classifier, paths: Sequence[Path]) -> dict[str, Any]:
    pipeline: list[tuple[str, str]] = []
    content: list[tuple[str, str]] = []
    recall = EntityRecall()
    for path in paths:
        carried: str | None = None
        for story in (s for s in _load_gold(path) if s.kind == "story"):
            carried = classifier.announced(story.text) or carried
            result = classifier.classify(story.text, announced_section=carried)
            recall.add(story.entities, [e.name for e in result.entities], classifier.canonical)
            if story.section:
                top = result.topics[0].slug if result.topics else "unknown"
                pipeline.append((story.section, result.section or "unknown"))
                content.append((story.section, top))
    labels = classifier.taxonomy.slugs
    return {
        "pipeline": _report_dict(section_report(pipeline, labels)),
        "content": _report_dict(section_report(content, labels)),
        "entities": {**asdict(recall), "recall": recall.recall},
    }


def _eval_headlines(classifier: Classifier, paths: Sequence[Path]) -> dict[str, Any]:
    pairs = []
    for path in paths:
        for row in _load_headlines(path):
            pairs.append((row["section"], classifier.classify(row["text"]).section or "unknown"))
    return {"content": _report_dict(section_report(pairs, classifier.taxonomy.slugs))}


def _load_gold(path: Path) -> list[GoldSegment]:
    gold, transcript = read_gold(path)
    return gold_segments(gold, transcript.text, transcript.first_line)


def _load_headlines(path: Path) -> list[dict[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc
    if not all(isinstance(r, dict) and {"text", "section"} <= r.keys() for r in rows):
        raise typer.BadParameter(f"{path}: every line needs a text and a section")
    return rows


def _report_dict(report: SectionReport) -> dict[str, Any]:
    return {
        "accuracy": report.accuracy,
        "total": report.total,
        "per_section": {k: asdict(v) for k, v in report.per_section.items()},
        "confusion": report.confusion,
    }


def _report_table(title: str, report: dict[str, Any]) -> Table:
    table = Table(title=f"{title} — accuracy {report['accuracy']:.3f} over {report['total']}")
    names = list(report["per_section"])
    table.add_column("gold \\ predicted")
    for name in names:
        table.add_column(_short(name), justify="right")
    for column in ("P", "R", "F1", "n"):
        table.add_column(column, justify="right")
    for gold in names:
        row = report["confusion"].get(gold, {})
        s = report["per_section"][gold]
        cells = [str(row.get(p, "")) for p in names]
        scores = [f"{s['precision']:.2f}", f"{s['recall']:.2f}", f"{s['f1']:.2f}"]
        table.add_row(gold, *cells, *scores, str(s["support"]))
    return table


def _short(slug: str) -> str:
    return "".join(part[0] for part in slug.split("-") if part not in {"and", "of"})


@bench_app.command("classify")
def bench_classify(
    gold_files: Annotated[
        list[Path] | None,
        typer.Argument(help="Gold files whose stories to classify (default: the seed golds)."),
    ] = None,
    taxonomy: TaxonomyOption = None,
    rounds: Annotated[int, typer.Option(min=1, help="Timed passes after one warm-up.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Milliseconds per story for the offline classifier, after building it and one warm-up."""
    paths = gold_files or sorted(GOLD_FOLDER.glob("*.gold.json"))
    stories = [s.text for p in paths for s in _load_gold(p) if s.kind == "story"]
    if not stories:
        raise typer.BadParameter("no story segments in the given gold files")
    started = time.perf_counter()
    classifier = build_classifier(taxonomy)
    build_ms = (time.perf_counter() - started) * 1000
    for text in stories:
        classifier.classify(text)
    timings = [_time_ms(classifier, text) for _ in range(rounds) for text in stories]
    wall = [w for w, _ in timings]
    figures = {
        "stories": len(stories),
        "rounds": rounds,
        "build_ms": build_ms,
        "mean_ms": statistics.fmean(wall),
        "p50_ms": statistics.median(wall),
        "p95_ms": sorted(wall)[min(len(wall) - 1, int(0.95 * len(wall)))],
        "max_ms": max(wall),
        # CPU time of the classifying thread: what a story costs when the machine is shared
        "cpu_mean_ms": statistics.fmean(c for _, c in timings),
        "mean_chars": statistics.fmean(len(t) for t in stories),
    }
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table(title="Offline classifier, per story")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:.2f}" if isinstance(value, float) else str(value))
    console.print(table)


def _time_ms(classifier: Classifier, text: str) -> tuple[float, float]:
    """Wall and CPU milliseconds for one story."""
    wall, cpu = time.perf_counter(), time.thread_time()
    classifier.classify(text)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000
