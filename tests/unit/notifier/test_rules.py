"""Subscription rules: which stories each kind of filter lets through."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.notifier.core import Rule, Story

STORY = Story(
    story_id="s1",
    section="policy-and-safety",
    topics={"policy-and-safety": 0.7, "research-and-advancements": 0.2},
    entities={"Anthropic": 3, "European Union": 1},
    headline="EU asks Anthropic about model safety",
    summary="Regulators want answers on frontier models.",
    text="The European Commission wrote to Anthropik about its new model.",
    podcast="AI News Hour",
    feed_id="feed-1",
)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({}, True),
        ({"sections": ["policy-and-safety", "tools-and-apps"]}, True),
        ({"sections": ["tools-and-apps"]}, False),
        ({"topics": ["research-and-advancements"]}, True),
        ({"topics": ["synthetic-media-and-art"]}, False),
        ({"sections": ["policy-and-safety"], "min_score": 0.7}, True),
        ({"sections": ["policy-and-safety"], "min_score": 0.8}, False),
        ({"min_score": 0.5}, True),
        ({"entities": ["anthropic"]}, True),
        ({"entities": ["OpenAI", "European Union"]}, True),
        ({"entities": ["European Union"], "min_mentions": 2}, False),
        ({"entities": ["Antropic"]}, False),
        ({"entities": ["Antropic"], "fuzzy": True}, True),
        ({"keywords": ["regulators"]}, True),
        ({"keywords": '"frontier models" -rumor'}, True),
        ({"keywords": ["openai", "gemini"]}, False),
        ({"keywords": ["anthropic AND commission"]}, True),
        ({"keywords": ["anthropic AND commission"], "fuzzy": True}, True),
        ({"keywords": ["commision"]}, False),
        ({"keywords": ["commision"], "fuzzy": True}, True),
        ({"podcasts": ["ai news hour"]}, True),
        ({"podcasts": ["Other"]}, False),
        ({"feeds": ["feed-1"]}, True),
        ({"feeds": ["feed-2"]}, False),
        ({"sections": ["policy-and-safety"], "entities": ["OpenAI"]}, False),
    ],
)
def test_rule_matches(rule: dict[str, Any], expected: bool) -> None:
    assert Rule.model_validate(rule).matches(STORY) is expected


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"keywords": ["(a"]}, "missing ')'"),
        ({"min_score": 1.5}, "less than or equal to 1"),
        ({"sectoins": ["x"]}, "Extra inputs are not permitted"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(rule: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        Rule.model_validate(rule)
