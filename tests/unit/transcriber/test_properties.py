"""Properties over arbitrary input: only TranscriptError escapes; cues and lines stay consistent."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from services.transcriber.core import Transcript, TranscriptError, parse_transcript
from services.transcriber.sentences import Fragment, assemble

FIXTURES = sorted((Path(__file__).parents[2] / "fixtures" / "transcripts").iterdir())
NAMES = st.sampled_from(["", "t.txt", "t.md", "t.vtt", "t.srt", "t.json", "t.html"])


def _check(t: Transcript) -> None:
    assert t.text.strip()
    for cue in t.cues:
        assert 0 <= cue.start_char <= cue.end_char <= len(t.text)
        if cue.start_s is not None and cue.end_s is not None:
            assert cue.start_s <= cue.end_s


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2000), name=NAMES)
def test_arbitrary_bytes_parse_or_raise_transcript_error(data: bytes, name: str) -> None:
    with contextlib.suppress(TranscriptError):
        _check(parse_transcript(data, name=name))


@settings(max_examples=60, deadline=None)
@given(fixture=st.sampled_from(FIXTURES), cut=st.floats(0.05, 1.0), name=NAMES)
def test_truncated_real_fixtures_parse_or_raise_transcript_error(
    fixture: Path, cut: float, name: str
) -> None:
    data = fixture.read_bytes()
    with contextlib.suppress(TranscriptError):
        _check(parse_transcript(data[: int(len(data) * cut)], name=name))


words = st.text(st.sampled_from("abc XYZ.,?!'"), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(words, st.sampled_from([None, "A", "B"])), max_size=30),
    st.integers(10, 400),
)
def test_assemble_keeps_every_character_in_order(
    parts: list[tuple[str, str | None]], max_chars: int
) -> None:
    fragments = [Fragment(text, float(i), float(i + 1), who) for i, (text, who) in enumerate(parts)]
    text, cues = assemble(fragments, max_chars=max_chars)
    assert "".join(text.split()) == "".join("".join(t.split()) for t, _ in parts)
    assert len(cues) == (len(text.split("\n")) if text else 0)
    for cue, line in zip(cues, text.split("\n"), strict=False):
        assert text[cue.start_char : cue.end_char] == line


line_text = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=80)


@settings(max_examples=150, deadline=None)
@given(st.lists(line_text, min_size=1, max_size=20), st.sampled_from(["\n", "\r\n"]))
def test_text_lines_map_back_to_file_lines(lines: list[str], newline: str) -> None:
    raw = newline.join(lines).encode()
    try:
        t = parse_transcript(raw, name="t.txt")
    except TranscriptError:
        return
    if t.format not in ("text", "markdown"):
        return  # the content looked like another format (e.g. a lone "WEBVTT" line)
    file_lines = raw.decode().replace("\r\n", "\n").split("\n")
    for i, line in enumerate(t.text.split("\n")):
        assert file_lines[t.first_line - 1 + i] == line
