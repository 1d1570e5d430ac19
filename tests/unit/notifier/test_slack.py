"""Slack Block Kit rendering stays within Slack's limits whatever the story holds."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.notifier import slack


def _story(headline: str = "Headline", summary: str = "Summary.", **extra: Any) -> dict[str, Any]:
    return {
        "headline": headline,
        "summary": summary,
        "key_points": ["First point", "Second point"],
        "section": "policy-and-safety",
        "start_s": 754.0,
        "url": "https://pod.example/ep/7#t=754",
        "episode": {
            "podcast": "AI News Hour",
            "title": "Episode 7",
            "link": "https://pod.example/ep/7",
        },
    } | extra


def _within_limits(message: dict[str, Any]) -> None:
    blocks = message["blocks"]
    assert len(blocks) <= slack.BLOCKS_MAX
    assert len(message["text"]) <= slack.FALLBACK_MAX
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"].strip()) <= slack.HEADER_MAX
        elif block["type"] == "section":
            assert 0 < len(block["text"]["text"].strip()) <= slack.SECTION_MAX
        else:
            assert all(len(e["text"]) <= slack.SECTION_MAX for e in block["elements"])


def test_story_message_layout() -> None:
    message = slack.story_message(_story())
    header, section, context = message["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "Headline"}}
    assert section["text"]["text"] == "Summary.\n• First point\n• Second point"
    assert context["elements"][0]["text"] == (
        "*AI News Hour* · Episode 7 · policy-and-safety · <https://pod.example/ep/7#t=754|▶ 12:34>"
    )


def test_text_is_escaped_and_cut_without_breaking_entities() -> None:
    message = slack.story_message(_story(headline="H" * 400, summary="<b> & " * 1000))
    _within_limits(message)
    text = message["blocks"][1]["text"]["text"]
    assert text.endswith("…") and "<b>" not in text
    assert "&" not in re.sub(r"&(amp|lt|gt);", "", text), "no entity cut in half"
    assert message["blocks"][0]["text"]["text"] == "H" * 149 + "…"


def test_digest_fits_in_one_message_up_to_its_capacity() -> None:
    stories = [
        _story(headline=f"Story {i}", summary="x " * 2000) for i in range(slack.DIGEST_STORIES_MAX)
    ]
    message = slack.digest_message(stories, "morning: 24 stories")
    _within_limits(message)
    assert len(message["blocks"]) == 1 + 2 * slack.DIGEST_STORIES_MAX
    assert message["blocks"][1]["text"]["text"].startswith("*Story 0*\n")


def test_clock() -> None:
    assert [slack.clock(s) for s in (5, 754, 3725)] == ["0:05", "12:34", "1:02:05"]


@given(st.text(max_size=4000), st.text(max_size=4000), st.lists(st.text(max_size=500), max_size=20))
def test_any_story_renders_within_limits(headline: str, summary: str, points: list[str]) -> None:
    story = _story(headline=headline, summary=summary, key_points=points)
    _within_limits(slack.story_message(story))
    _within_limits(slack.digest_message([story] * 3, headline or "digest"))
