"""`newsdesk bench pipeline`: longer episodes, the JSON it prints, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from schemas import EpisodeDiscovered
from services.bench.pipeline import Figures, delivered_stories, episode_variants
from services.bench.relay import RelayComparison, RelayRun
from services.bench.scaling import LengthRun
from services.cli import load  # noqa: F401  (registers the command)
from services.cli.app import app
from services.cli.receiver import Received
from services.cli.sources import SAMPLE
from services.transcriber.core import Transcript, parse_transcript


def parsed(event: EpisodeDiscovered) -> Transcript:
    assert event.text is not None
    return parse_transcript(event.text.encode(), name="episode.md")


def test_variants_repeat_the_transcript_but_not_its_header() -> None:
    body = parsed(episode_variants(SAMPLE, 1)[0]).text
    for event in episode_variants(SAMPLE, 2, multiple=3, tag="3x"):
        longer = parsed(event)
        assert longer.podcast == "Last Week in AI"
        assert longer.text.count(body) == 3
        assert not longer.text.replace(body, "").strip()  # blank lines between the copies
        assert event.text is not None and event.text.count("**Podcast:**") == 1


def test_variants_are_distinct_episodes_across_batches() -> None:
    events = [
        *episode_variants(SAMPLE, 3),
        *episode_variants(SAMPLE, 3, multiple=1, tag="1x"),
        *episode_variants(SAMPLE, 3, multiple=2, tag="2x"),
    ]
    assert len({event.episode.episode_id for event in events}) == 9


def test_a_transcript_without_a_heading_is_repeated_whole(tmp_path: Path) -> None:
    sample = tmp_path / "plain.txt"
    sample.write_text("Title\nfirst line\nsecond line\n", encoding="utf-8")
    [event] = episode_variants(sample, 1, multiple=2)
    assert event.text == "Title (load test 0)\nfirst line\nsecond line\n\nfirst line\nsecond line\n"


def test_delivered_stories_are_those_of_the_episodes_asked_about() -> None:
    def post(episode: str, story: str) -> Received:
        body = {"data": {"story_id": story, "episode": {"episode_id": episode}}}
        return Received("/hook", {}, json.dumps(body).encode())

    received = [post("e1", "s1"), post("e2", "s2"), post("e1", "s3"), post("e1", "s1")]
    assert delivered_stories(received, {"e1"}) == {"s1", "s3"}
    assert delivered_stories(received, set()) == set()


def figures(lengths: list[LengthRun]) -> Figures:
    relay = RelayComparison(
        faststream=[RelayRun(1000, 1.0, 0.5), RelayRun(1000, 0.5, 0.4)],
        bare=[RelayRun(1000, 0.5, 0.3), RelayRun(1000, 0.5, 0.3)],
    )
    return Figures(
        episodes=2,
        stories=40,
        deliveries=40,
        seconds=6.0,
        latencies_s=[1.0, 2.0, 3.0],
        cpu_s={"segmenter-1": 3.0, "store-1": 1.0},
        peak_rss_mb={"segmenter-1": 140.0},
        relay=relay,
        segments=50,
        lengths=lengths,
    )


def test_the_json_keeps_its_keys_and_adds_the_lengths_only_when_measured() -> None:
    plain = figures([]).as_json()
    issue_keys = {"episodes_per_min", "stories_per_s", "p50_latency_s", "p95_latency_s",
                  "p99_latency_s", "peak_rss_mb", "bus_share_of_cpu", "relay_ratio"}  # fmt: skip
    assert issue_keys <= plain.keys()
    assert "lengths" not in plain and "linearity" not in plain
    # Medians (the lower middle of two): FastStream 1000/s, bare 2000/s.
    assert plain["relay_ratio"] == 0.5
    assert plain["relay_msgs_per_s"] == 1000 and plain["bare_msgs_per_s"] == 2000
    assert plain["relay_ratios"] == [0.5, 1.0]
    assert plain["relay_cpu_us_per_msg"] == 500 and plain["bare_cpu_us_per_msg"] == 300

    runs = [LengthRun(1, 3, 6.0, 60, 4.0), LengthRun(2, 3, 12.0, 120, 8.0)]
    measured = figures(runs).as_json()
    assert measured["lengths"] == [run.as_json() for run in runs]
    straight = {
        "cpu_s_per_hour": 2.0,
        "intercept_cpu_s": 0.0,
        "r_squared": 1.0,
        "cpu_per_hour_ratio": 1.0,
    }
    assert measured["linearity"] == measured["linearity_net_of_idle"] == straight


def test_bench_pipeline_refuses_lengths_it_cannot_fit() -> None:
    for lengths in ("4", "1,1", "1,two"):
        result = CliRunner().invoke(app, ["bench", "pipeline", "--lengths", lengths])
        assert result.exit_code == 2, result.output
        assert "lengths" in result.output
