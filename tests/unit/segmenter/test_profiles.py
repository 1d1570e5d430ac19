"""Settings files: the generic default, per-show profiles, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.segmenter.config import load_profiles


def _write(folder: Path, default: str, **profiles: str) -> Path:
    (folder / "profiles").mkdir()
    (folder / "segmenter.yaml").write_text(default, encoding="utf-8")
    for name, body in profiles.items():
        (folder / "profiles" / f"{name}.yaml").write_text(body, encoding="utf-8")
    return folder / "segmenter.yaml"


def test_shipped_settings_load() -> None:
    profiles = load_profiles()
    assert profiles.generic.cues.story_start
    assert {p.name for p in profiles.shows} >= {"last-week-in-ai"}
    assert profiles.for_show("Last Week in AI").cues.section_suffix[-1] == "session"
    assert profiles.for_show("Some Other Show") == profiles.generic


def test_profiles_match_by_title_or_feed_and_layer_over_the_default(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "min_story_words: 30\ncues:\n  story_start: ['next up']\n",
        daily="name: daily\npodcasts: ['^the daily$']\nfeeds: ['example.com/daily']\n"
        "settings: {min_story_words: 10}\nextra_cues: {story_start: ['in other news']}\n",
    )
    profiles = load_profiles(path)
    by_title = profiles.for_show("The Daily")
    assert by_title.min_story_words == 10
    assert by_title.cues.story_start == ["next up", "in other news"]
    assert profiles.for_show("Podcast", "https://example.com/daily.xml").min_story_words == 10
    assert profiles.for_show("The Daily Show").min_story_words == 30
    assert profiles.for_show("").min_story_words == 30


def test_bad_settings_fail_at_load(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        load_profiles(_write(tmp_path, "min_story_words: lots\n"))


def test_missing_file_says_which(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="segmenter settings not found"):
        load_profiles(tmp_path / "nope.yaml")
