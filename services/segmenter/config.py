"""Segmenter settings: cue lexicons and thresholds from seeds/segmenter.yaml, per-show overrides."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.nlp.settings_file import read_yaml

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DEFAULT_FILE = SEEDS / "segmenter.yaml"


class CueLexicon(BaseModel):
    """Regular expressions (case-insensitive) for what hosts say at the seams of a show."""

    model_config = ConfigDict(frozen=True)

    fillers: list[str] = Field(default_factory=list)
    story_start: list[str] = Field(default_factory=list)
    story_phrase: list[str] = Field(default_factory=list)
    story_end: list[str] = Field(default_factory=list)
    section_verb: list[str] = Field(default_factory=list)
    section_suffix: list[str] = Field(default_factory=list)
    ad_start: list[str] = Field(default_factory=list)
    ad_body: list[str] = Field(default_factory=list)
    intro: list[str] = Field(default_factory=list)
    outro: list[str] = Field(default_factory=list)
    continuation: list[str] = Field(default_factory=list)
    conversational: list[str] = Field(default_factory=list)
    abbreviations: list[str] = Field(default_factory=list)


class SegmenterConfig(BaseModel):
    """Everything that steers segmentation; `seeds/segmenter.yaml` documents each field."""

    model_config = ConfigDict(frozen=True)

    cues: CueLexicon = Field(default_factory=CueLexicon)
    use_embeddings: bool = True
    head_words: int = 14
    runon_chars: int = 120
    min_story_sentences: int = 3
    min_story_words: int = 30
    ad_max_gap: int = 10
    ad_max_sentences: int = 45
    intro_window: int = 6
    outro_window: int = 40
    outro_fraction: float = 0.05
    outro_max_gap: int = 4
    min_cue_boundaries: int = 3
    long_stretch_factor: float = 3.0
    block_ratio: float = 0.4
    max_block: int = 12
    conversational_ratio: float = 0.25
    story_sentences_scripted: int = 9
    story_sentences_conversational: int = 40
    pseudo_sentence_words: int = 80
    depth_cutoff: float = 0.5
    strict_depth: float = 0.7
    lead_weight: float = 0.08
    novelty_window: int = 8
    paragraph_bonus: float = 1.0
    carry_section: bool = True
    refine: bool = True


class ShowProfile(BaseModel):
    """Overrides for one show, picked by its podcast title or feed URL."""

    model_config = ConfigDict(frozen=True)

    name: str
    podcasts: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    extra_cues: dict[str, list[str]] = Field(default_factory=dict)

    def matches(self, podcast: str, feed_url: str | None) -> bool:
        by_title = bool(podcast) and any(re.search(p, podcast, re.I) for p in self.podcasts)
        feed = (feed_url or "").lower()
        return by_title or (bool(feed) and any(f.lower() in feed for f in self.feeds))


class Profiles(BaseModel):
    """The generic default and the per-show profiles layered over it."""

    model_config = ConfigDict(frozen=True)

    default: dict[str, Any]
    shows: list[ShowProfile] = Field(default_factory=list)

    def profile_for(self, podcast: str, feed_url: str | None = None) -> ShowProfile | None:
        return next((s for s in self.shows if s.matches(podcast, feed_url)), None)

    def for_show(self, podcast: str, feed_url: str | None = None) -> SegmenterConfig:
        profile = self.profile_for(podcast, feed_url)
        raw = self.default if profile is None else _apply(self.default, profile)
        return SegmenterConfig.model_validate(raw)

    @property
    def generic(self) -> SegmenterConfig:
        return SegmenterConfig.model_validate(self.default)


def _apply(default: dict[str, Any], profile: ShowProfile) -> dict[str, Any]:
    merged = _deep_merge(default, profile.settings)
    cues = dict(merged.get("cues", {}))
    for kind, extra in profile.extra_cues.items():
        cues[kind] = [*cues.get(kind, []), *extra]
    merged["cues"] = cues
    return merged


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    raw = read_yaml(path, "segmenter settings") or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return raw


def load_profiles(path: Path | None = None) -> Profiles:
    """Read the default settings file and every `*.yaml` in the `profiles/` folder beside it."""
    source = path or DEFAULT_FILE
    default = _read_yaml(source)
    folder = source.parent / "profiles"
    shows = [ShowProfile.model_validate(_read_yaml(p)) for p in sorted(folder.glob("*.yaml"))]
    SegmenterConfig.model_validate(default)  # fail at load time, not on the first episode
    return Profiles(default=default, shows=shows)
