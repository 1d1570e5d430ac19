"""`newsdesk bench transcribe` runs end to end on small inputs and reports every figure."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from services.cli import transcripts  # noqa: F401  (registers the command)
from services.cli.app import app


def test_bench_transcribe_reports_speech_and_parse_figures() -> None:
    args = ["bench", "transcribe", "--seconds", "4", "--corpus-mb", "0.02", "--rounds", "1"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    speech = figures["speech_to_text"]
    assert speech["backend"] == "pocketsphinx" and speech["audio_s"] == 4.0
    assert 0 < speech["real_time_factor"] < 5 and speech["words"] > 0
    assert set(figures["parse_mb_per_s"]) == {"markdown", "text", "vtt", "srt", "json", "html"}
    assert all(rate > 0 for rate in figures["parse_mb_per_s"].values())


def test_bench_transcribe_rejects_a_missing_audio_file() -> None:
    result = CliRunner().invoke(app, ["bench", "transcribe", "--audio", "/nonexistent.wav"])
    assert result.exit_code == 2
    assert "no such file" in result.output
