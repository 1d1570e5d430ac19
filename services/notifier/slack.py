"""Slack Block Kit: stories → messages within Slack's limits (blocks, header, section text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

BLOCKS_MAX = 50
HEADER_MAX = 150
SECTION_MAX = 3000
FALLBACK_MAX = 3000
PART_MAX = 200
URL_MAX = 2000
#: A digest spends one block on its header and two on each story.
DIGEST_STORIES_MAX = (BLOCKS_MAX - 1) // 2

Story = Mapping[str, Any]


def escape(text: str) -> str:
    """Slack's mrkdwn control characters, escaped as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int, *, mrkdwn: bool = True) -> str:
    """At most `limit` characters once escaped, cut with an ellipsis, never inside an entity."""
    render = escape if mrkdwn else str
    out = render(text)
    while len(out) > limit:
        text = text[: max(0, len(text) - (len(out) - limit) - 1)].rstrip()
        out = render(text) + "…"
    return out


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _link(url: str, label: str) -> str:
    safe = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe}|{escape(label)}>"


def context_line(story: Story) -> str:
    """Podcast, episode, section, and a link to the moment the story starts; each part is
    capped so that together they stay within a context element's 3,000 characters."""
    episode = story.get("episode") or {}
    parts = [f"*{fit(episode.get('podcast') or 'Podcast', PART_MAX)}*"]
    parts += [fit(p, PART_MAX) for p in (episode.get("title"), story.get("section")) if p]
    start = story.get("start_s")
    url = story.get("url") or episode.get("link")
    if url and len(url) <= URL_MAX:
        parts.append(_link(url, f"▶ {clock(start)}" if start is not None else "▶ episode"))
    elif start is not None:
        parts.append(f"at {clock(start)}")
    return " · ".join(parts)


def _line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _headline(story: Story) -> str:
    # Slack refuses blocks with empty text.
    return _line(story.get("headline")) or "New story"


def _summary(story: Story) -> str:
    points = [f"• {_line(p)}" for p in story.get("key_points") or [] if _line(p)]
    return "\n".join([str(story.get("summary") or "").strip(), *points]).strip() or _headline(story)


def _text(kind: str, text: str) -> dict[str, Any]:
    return {"type": kind, "text": text}


def _header(text: str) -> dict[str, Any]:
    plain = fit(_line(text) or "newsdesk", HEADER_MAX, mrkdwn=False)
    return {"type": "header", "text": _text("plain_text", plain)}


def story_message(story: Story) -> dict[str, Any]:
    """One story: a header with the headline, a section with the summary, a context line."""
    headline = _headline(story)
    return {
        "text": fit(headline, FALLBACK_MAX, mrkdwn=False),
        "blocks": [
            _header(headline),
            {"type": "section", "text": _text("mrkdwn", fit(_summary(story), SECTION_MAX))},
            {"type": "context", "elements": [_text("mrkdwn", context_line(story))]},
        ],
    }


def digest_message(stories: Sequence[Story], title: str) -> dict[str, Any]:
    """Up to DIGEST_STORIES_MAX stories under one header (the dispatcher splits larger ones)."""
    if len(stories) > DIGEST_STORIES_MAX:
        raise ValueError(f"a digest message holds at most {DIGEST_STORIES_MAX} stories")
    blocks: list[dict[str, Any]] = [_header(title)]
    for story in stories:
        head = f"*{fit(_headline(story), HEADER_MAX)}*"
        body = f"{head}\n{fit(_summary(story), SECTION_MAX - len(head) - 1)}"
        blocks += [
            {"type": "section", "text": _text("mrkdwn", body)},
            {"type": "context", "elements": [_text("mrkdwn", context_line(story))]},
        ]
    return {"text": fit(title, FALLBACK_MAX, mrkdwn=False), "blocks": blocks}
