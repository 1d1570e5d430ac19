"""Sentence units: offsets into the text, abbreviations, run-on lines, paragraphs."""

from __future__ import annotations

import pytest

from services.segmenter.sentences import split_units

ABBREVIATIONS = ["dr", "u.s", "mr"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Dr. Kenji Morita spoke. He left.", ["Dr. Kenji Morita spoke.", "He left."]),
        ("Sales in the U.S. rose. Then fell.", ["Sales in the U.S. rose.", "Then fell."]),
        ("GPT 5.5 is out. It is fast.", ["GPT 5.5 is out.", "It is fast."]),
        ("J. K. Rowling wrote. Fans read.", ["J. K. Rowling wrote.", "Fans read."]),
        ("this is lowercase. after a stop", ["this is lowercase. after a stop"]),
        ('"We won," she said. Fans cheered.', ['"We won," she said.', "Fans cheered."]),
        ("line one\n\nline two", ["line one", "line two"]),
        ("   \n  \n", []),
    ],
)
def test_splits_sentences(text: str, expected: list[str]) -> None:
    assert [u.text for u in split_units(text, abbreviations=ABBREVIATIONS)] == expected


def test_units_point_into_the_text() -> None:
    text = "  First line. Second sentence.\nThird line here.\n"
    for unit in split_units(text):
        assert text[unit.start : unit.end] == unit.text


def test_line_and_paragraph_starts() -> None:
    units = split_units("Intro. More.\nNext line.\n\nNew paragraph.")
    assert [u.line_start for u in units] == [True, False, True, True]
    assert [u.paragraph_start for u in units] == [False, False, False, True]


def test_long_run_ons_split_where_a_cue_begins() -> None:
    line = "and that wraps the model story with lots of numbers and more and one last story here"

    def cues(text: str) -> list[int]:
        return [text.index("and one last")]

    units = split_units(line, runon_chars=40, runon_splits=cues)
    assert [u.text for u in units][-1] == "and one last story here"
    assert len(split_units(line, runon_chars=500, runon_splits=cues)) == 1
