"""Caption and timed formats: sentences per line, cue times, speakers, malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.transcriber.core import Transcript, TranscriptError, parse_transcript

FIXTURES = Path(__file__).parents[2] / "fixtures" / "transcripts"


def _load(name: str, content_type: str | None = None) -> Transcript:
    return parse_transcript((FIXTURES / name).read_bytes(), name=name, content_type=content_type)


def _rows(t: Transcript) -> list[tuple[str, float | None, float | None, str | None]]:
    assert len(t.cues) == len(t.text.split("\n"))
    return [(t.text[c.start_char : c.end_char], c.start_s, c.end_s, c.speaker) for c in t.cues]


def test_vtt_voices_become_speakers_and_fragments_merge_into_sentences() -> None:
    t = _load("speakers.vtt")
    assert (t.format, t.language) == ("vtt", "en")
    assert _rows(t) == [
        ("Good morning and welcome to the bulletin.", 0.0, 3.37, "Maya Chen"),
        ("Today we cover chips & power.", 3.424, 5.0, "Maya Chen"),
        ("Thanks, Maya.", 5.0, 5.6, "Tom Okafor"),
        ("The first story is about a new data centre in Ohio.", 5.646, 8.0, "Tom Okafor"),
        ("It will draw two gigawatts.", 8.0, 10.0, "Tom Okafor"),
        ("That is a lot of power.", 10.0, 11.468, "Maya Chen"),
        ("Dr. Reyes told us more.", 11.532, 13.0, "Maya Chen"),
    ]


def test_srt_with_bom_crlf_tags_and_name_prefixes() -> None:
    assert _rows(_load("crlf_bom.srt")) == [
        ("Storms hit the coast overnight.", 0.5, 3.8, "ANNA"),
        ("Crews are out.", 3.88, 5.0, "ANNA"),
        ("Power is back for most homes.", 5.0, 8.0, "JOE"),
        ("Thanks, Joe.", 8.0, 8.96, "ANNA"),
        ("Next, sport.", 9.04, 10.0, "ANNA"),
    ]


def test_podcasting_json_joins_words_and_skips_bad_segments() -> None:
    t = _load("episode.json")
    assert (t.format, t.language) == ("json", "en")
    assert _rows(t) == [
        ("Hello and welcome.", 0.0, 1.5, "Ana"),
        ("Today we talk about rail strikes.", 1.5, 4.2, "Ana"),
        ("Unions met on Monday.", 4.5, 7.0, "Ben"),
        ("No deal was reached.", 7.0, 9.0, "Ben"),
    ]


def test_html_cite_and_time_give_speakers_and_starts() -> None:
    t = _load("episode.html")
    assert (t.format, t.title, t.language) == ("html", "Morning Brief, 4 May", "en")
    rows = _rows(t)
    assert [(text, speaker) for text, _, _, speaker in rows] == [
        ("Welcome to the Morning Brief.", "Lena"),
        ("Three stories today.", "Lena"),
        ("First, the central bank held rates at four percent.", "Omar"),
        ("Analysts had expected a cut.", "Omar"),
    ]
    assert [start for _, start, _, _ in rows] == [0.0, 4.2, 7.0, 15.0]
    assert rows[2][2] == 15.0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed.vtt", ["The first cue is fine.", "The third cue is fine too."]),
        ("malformed.srt", ["Markets opened higher today.", "Oil prices fell."]),
    ],
)
def test_malformed_blocks_are_skipped(name: str, expected: list[str]) -> None:
    assert _load(name).text.split("\n") == expected


@pytest.mark.parametrize(
    ("raw", "name", "reason"),
    [
        (b"00:00:01.000 --> 00:00:03.000\nNo header.\n", "x.vtt", "malformed WebVTT"),
        (b"1\nnot a time\nhello\n", "x.srt", "malformed SRT"),
        (b'{"segments": [', "x.json", "invalid JSON"),
        (b'{"title": "no segments"}', "x.json", "without a `segments` list"),
        (b'{"segments": [{"startTime": 1}]}', "x.json", "empty transcript"),
        (b"<html><body><script>x()</script></body></html>", "x.html", "empty transcript"),
        (b"WEBVTT\n\n", "", "empty transcript"),
    ],
)
def test_unusable_timed_input_names_the_reason(raw: bytes, name: str, reason: str) -> None:
    with pytest.raises(TranscriptError, match=reason):
        parse_transcript(raw, name=name)


def test_rolling_auto_captions_do_not_repeat_lines() -> None:
    raw = (
        b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nthe rover landed\n\n"
        b"00:00:02.000 --> 00:00:04.000\nthe rover landed\non the crater rim\n"
    )
    assert parse_transcript(raw).text == "the rover landed on the crater rim"


def test_unpunctuated_captions_are_cut_at_fragment_edges() -> None:
    cues = "".join(
        f"00:00:{i:02d}.000 --> 00:00:{i + 1:02d}.000\nwords without any punctuation at all\n\n"
        for i in range(40)
    )
    t = parse_transcript(f"WEBVTT\n\n{cues}".encode())
    lines = t.text.split("\n")
    assert len(lines) > 1
    assert all(len(line) <= 400 for line in lines)
    assert " ".join(lines).count("words") == 40


@pytest.mark.parametrize(
    ("name", "content_type", "fmt"),
    [
        ("speakers.vtt", "text/plain", "vtt"),
        ("episode.json", "application/octet-stream", "json"),
        ("crlf_bom.srt", None, "srt"),
        ("episode.html", None, "html"),
    ],
)
def test_content_sniffing_beats_a_generic_content_type(
    name: str, content_type: str | None, fmt: str
) -> None:
    data = (FIXTURES / name).read_bytes()
    assert parse_transcript(data, name="download", content_type=content_type).format == fmt
