"""Summarizer configuration: seeds/summarizer.yaml (or the user's) → limits and lexicons."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from services.nlp.settings_file import read_yaml

DEFAULT_CONFIG_FILE = Path(__file__).resolve().parents[2] / "seeds" / "summarizer.yaml"


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True)

    headline_max_chars: int = Field(90, ge=20)
    summary_max_chars: int = Field(600, ge=80)
    summary_min_sentences: int = Field(2, ge=1)
    summary_max_sentences: int = Field(4, ge=1)
    key_points_max: int = Field(5, ge=0)
    key_point_max_chars: int = Field(160, ge=40)
    lead_window: int = Field(8, ge=1)
    sentence_min_words: int = Field(6, ge=1)
    sentence_max_chars: int = Field(260, ge=40)


class Ranking(BaseModel):
    model_config = ConfigDict(frozen=True)

    similarity_threshold: float = 0.08
    damping: float = Field(0.85, gt=0, lt=1)
    lead_weight: float = 0.6
    lead_decay: float = Field(12, gt=0)
    name_weight: float = 0.25
    number_weight: float = 0.25
    personal_weight: float = 0.3
    anaphora_weight: float = 0.3
    redundancy: float = 0.7


class SummarizerConfig(BaseModel):
    """Limits, ranking weights and the spoken-language lexicons; compiled patterns are cached."""

    model_config = ConfigDict(frozen=True, ignored_types=(cached_property,))

    limits: Limits = Limits()
    ranking: Ranking = Ranking()
    fillers: list[str] = Field(default_factory=list)
    interjections: list[str] = Field(default_factory=list)
    determiners: list[str] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)
    frames: list[str] = Field(default_factory=list)
    anaphora: list[str] = Field(default_factory=list)
    openers: list[str] = Field(default_factory=list)
    attributions: list[str] = Field(default_factory=list)
    calendar_words: list[str] = Field(default_factory=list)
    background_cues: list[str] = Field(default_factory=list)
    announcement_words: list[str] = Field(default_factory=list)
    pronouns: list[str] = Field(default_factory=list)
    verbs: list[str] = Field(default_factory=list)
    number_words: list[str] = Field(default_factory=list)
    prepositions: list[str] = Field(default_factory=list)
    sponsor_cues: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)

    @cached_property
    def filler_re(self) -> re.Pattern[str]:
        # "a kind of chip": after a determiner the phrase is a noun, not a filler.
        guards = "".join(rf"(?<!\b{re.escape(d)} )" for d in self.determiners)
        # "has, you know, ruled": a filler set off by commas takes both with it.
        fillers = _alternation(self.fillers)
        # The lookahead first: most positions fail it at once, before the guards are tried.
        return re.compile(
            rf"(?:,\s*)?\b(?=(?:{fillers})\b){guards}(?:{fillers})\b,?", re.IGNORECASE
        )

    @cached_property
    def interjection_re(self) -> re.Pattern[str]:
        words = _alternation(self.interjections)
        return re.compile(rf"(?:^|,)\s*(?:{words})\b\s*(?:,|$)|^(?:{words})\b,?\s*", re.IGNORECASE)

    @cached_property
    def cue_re(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{c})" for c in self.cues) or "(?!)", re.IGNORECASE)

    @cached_property
    def frame_re(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{c})" for c in self.frames) or "(?!)", re.IGNORECASE)

    @cached_property
    def anaphora_set(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.anaphora)

    @cached_property
    def opener_re(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{c})" for c in self.openers) or "(?!)", re.IGNORECASE)

    @cached_property
    def attribution_re(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{c})" for c in self.attributions) or "(?!)", re.IGNORECASE)

    @cached_property
    def background_re(self) -> re.Pattern[str]:
        alternatives = "|".join(f"(?:{c})" for c in self.background_cues) or "(?!)"
        return re.compile(rf"^(?:\w+\s+){{0,3}}?(?:{alternatives})", re.IGNORECASE)

    @cached_property
    def pronoun_re(self) -> re.Pattern[str]:
        return re.compile(rf"^(?:{_alternation(self.pronouns)})\b", re.IGNORECASE)

    @cached_property
    def sponsor_re(self) -> re.Pattern[str]:
        cues = "|".join(f"(?:{c})" for c in self.sponsor_cues) or "(?!)"
        # The name itself is case-sensitive: a capitalised run ("Acme Cloud", "Box").
        token = r"[A-Z0-9&](?:[\w&'’-]|\.(?=\w))*"
        name = rf"(?-i:{token}(?:\s+(?:{token}|of|and|for))*)"
        return re.compile(rf"(?:{cues})\s+(?P<name>{name})", re.IGNORECASE)

    @cached_property
    def stopword_set(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.stopwords)

    @cached_property
    def verb_set(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.verbs)

    @cached_property
    def number_word_set(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.number_words)

    @cached_property
    def preposition_set(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.prepositions)

    @cached_property
    def calendar_set(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.calendar_words)

    @cached_property
    def announcement_set(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.announcement_words)


def _alternation(phrases: list[str]) -> str:
    # Longest first, so "you know" wins over "you"; spaces match any run of blanks.
    # dict.fromkeys, not a set: ties keep the configured order whatever the hash seed.
    ordered = sorted(dict.fromkeys(p.strip() for p in phrases if p.strip()), key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered) or "(?!)"


def load_config(path: Path | None = None) -> SummarizerConfig:
    source = path or DEFAULT_CONFIG_FILE
    return SummarizerConfig.model_validate(read_yaml(source, "summarizer config") or {})
