"""Markdown and plain-text transcripts: header fields, line mapping, speakers, encodings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.transcriber.core import TranscriptError, parse_transcript

SEED = Path(__file__).parents[3] / "seeds" / "000_3ec279d0775a14a8.txt"


def test_markdown_sample_header_and_line_mapping() -> None:
    raw = SEED.read_bytes()
    transcript = parse_transcript(raw, name=SEED.name)
    file_lines = raw.decode().split("\n")
    assert transcript.format == "markdown"
    assert transcript.title == "Frontier AI Compute Wars and Strategic Shifts"
    assert transcript.podcast == "Last Week in AI"
    assert transcript.published == date(2026, 5, 3)
    assert transcript.first_line == 8
    for i, line in enumerate(transcript.text.split("\n")):
        assert file_lines[transcript.first_line - 1 + i] == line


def test_plain_text_keeps_run_on_lines_whole() -> None:
    run_on = " ".join(["and then the model shipped"] * 40)
    transcript = parse_transcript(f"\n\nFirst line.\n{run_on}\n\n".encode(), name="t.txt")
    assert transcript.format == "text"
    assert transcript.first_line == 3
    assert transcript.text == f"First line.\n{run_on}"


def test_speaker_labels_become_cues_without_changing_text() -> None:
    raw = b"Alice: Good morning.\nBob: Hi Alice.\nstill Bob here\nAlice: Bye.\n"
    transcript = parse_transcript(raw)
    assert transcript.text == raw.decode().rstrip("\n")
    spans = [(transcript.text[c.start_char : c.end_char], c.speaker) for c in transcript.cues]
    assert spans == [
        ("Good morning.", "Alice"),
        ("Hi Alice.", "Bob"),
        ("still Bob here", "Bob"),
        ("Bye.", "Alice"),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "\ufeffCafé news.\r\nSecond line.\r\n".encode(),
        "Café news.\nSecond line.\n".encode("cp1252"),
        "\ufeffCafé news.\nSecond line.\n".encode("utf-16-le"),
    ],
)
def test_encodings_and_line_ends(raw: bytes) -> None:
    assert parse_transcript(raw).text == "Café news.\nSecond line."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(b"", "empty"), (b"  \n\n\t", "empty"), (bytes(range(256)) * 8, "binary")],
)
def test_unusable_input_is_a_transcript_error(raw: bytes, reason: str) -> None:
    with pytest.raises(TranscriptError, match=reason):
        parse_transcript(raw)


def test_leading_timestamps_give_cue_times() -> None:
    raw = b"[00:00:01] Alice: Hi.\n[00:00:05] Bob: Hello there.\n[00:01:09.5] Alice: Bye.\n"
    t = parse_transcript(raw)
    rows = [(t.text[c.start_char : c.end_char], c.start_s, c.end_s, c.speaker) for c in t.cues]
    assert rows == [
        ("Hi.", 1.0, 5.0, "Alice"),
        ("Hello there.", 5.0, 69.5, "Bob"),
        ("Bye.", 69.5, None, "Alice"),
    ]
