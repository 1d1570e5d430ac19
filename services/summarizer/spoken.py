"""Spoken sentences → clean clips: disfluencies, transition cues and lead-in clauses removed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.summarizer.config import SummarizerConfig
from services.summarizer.text import Clip, Names, words

# Transcript furniture a sentence may open with: a "[00:01:02]" stamp, a "Name:" label.
_FURNITURE = re.compile(
    r"^\[?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\]?\s+"
    r"|^[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}:\s+"
)
# "it's a it's a deal", "the the deal": a speaker restarting; the first copy stays.
_REPEAT = re.compile(
    r"(?<![\w.'’-])(\w+(?:['’]\w+)?(?:\s+\w+(?:['’]\w+)?){0,2})(?:[\s,]+\1(?![\w'’-]|[.,]\d))+",
    re.IGNORECASE,
)
_CONTINUATIONS = frozenset({"or", "and", "but"})
# Words a lead-in clause opens with ("On Monday,", "In one case,", "For now,").
_LEAD_WORDS = frozenset(
    {"on", "in", "at", "for", "after", "before", "with", "as", "by", "from", "since", "during"}
    | {"last"}
)
_PERSONAL = frozenset(
    {"i", "i'm", "i'll", "i've", "i'd", "me", "my", "we", "we're", "we'll", "we've", "us", "our"}
)
_MAX_PASSES = 6
_MIN_REST_WORDS = 4
_TELLING_WORDS = 6  # content words a sentence without names needs to tell news


def clean(clip: Clip, config: SummarizerConfig) -> Clip:
    """Remove transcript furniture, restarts, fillers and set-off interjections."""
    for _ in range(_MAX_PASSES):
        before = clip.parts
        for pattern in (_FURNITURE, _REPEAT, config.filler_re, config.interjection_re):
            clip = _drop_matches(clip, pattern)
        if clip.parts == before:
            break
    return clip


def _drop_matches(clip: Clip, pattern: re.Pattern[str]) -> Clip:
    plain = clip.plain
    if pattern is _REPEAT:
        ranges = [(m.end(1), m.end()) for m in pattern.finditer(plain)]
    else:
        ranges = [m.span() for m in pattern.finditer(plain) if m.end() > m.start()]
    return clip.drop(ranges) if ranges else clip


def strip_cues(clip: Clip, config: SummarizerConfig, *, headline: bool = True) -> Clip:
    """Remove what opens a lead sentence before the news: cues; for a headline, also the
    host's frame ("there's a report that") and short lead-in clauses ("On Monday,")."""
    opener = config.opener_re.search(clip.plain)
    if opener and len(words(clip.plain[opener.end() :])) >= _MIN_REST_WORDS:
        clip = clip.drop([(0, opener.end())])
    after_clause = False
    for _ in range(_MAX_PASSES):
        plain = clip.plain
        match = config.cue_re.match(plain) or config.interjection_re.match(plain)
        if headline and not (match and match.end()):
            match = config.frame_re.match(plain)
        if match and match.end() > 0:
            clip, after_clause = clip.drop([(0, match.end())]), match.group(0).rstrip()[-1:] == ","
            continue
        cut = _lead_in_clause(plain, config, continuation=after_clause) if headline else None
        if cut is None:
            break
        clip, after_clause = clip.drop([(0, cut)]), True
    return clip


def _lead_in_clause(plain: str, config: SummarizerConfig, *, continuation: bool) -> int | None:
    """End of a short clause before the first comma that says when or where ("On Monday,")."""
    comma = plain.find(",")
    if comma < 0:
        return None
    head, rest = plain[:comma], plain[comma + 1 :]
    head_words = words(head)
    if len(words(rest)) < _MIN_REST_WORDS or not head_words:
        return None
    if continuation and head_words[0] in _CONTINUATIONS and len(head_words) <= 10:
        return comma + 1  # "…, or rather a policy story," goes with the cue it continues
    opens = head_words[0] in _LEAD_WORDS or head_words[0] in config.determiners
    capitals = [w for w in head.split()[1:] if w[:1].isupper()]
    dated = all(w.lower().strip(".,") in config.calendar_set for w in capitals)
    return comma + 1 if len(head_words) <= 4 and opens and dated else None


def is_announcement(clip: Clip, config: SummarizerConfig) -> bool:
    """A sentence that announces news rather than tells it ("a new release from Acme")."""
    tokens = words(clip.plain)
    content = [w for w in tokens if w not in config.stopword_set]
    if len(content) < 2:
        return True
    if len(tokens) <= 12 and any(w in config.announcement_set for w in tokens):
        return True
    return tokens[0] in config.determiners and len(tokens) <= 8 and not _has_verb(tokens, config)


def _has_verb(tokens: Sequence[str], config: SummarizerConfig) -> bool:
    return any(w in config.verb_set or (len(w) > 4 and w.endswith("ed")) for w in tokens)


def is_background(clip: Clip, config: SummarizerConfig) -> bool:
    return bool(config.background_re.match(clip.plain))


def is_personal(clip: Clip) -> bool:
    """First person: the hosts talking, not the news being told ("you" is often generic)."""
    return bool(_PERSONAL.intersection(words(clip.plain)))


def has_name(clip: Clip, names: Names) -> bool:
    return names.in_text(clip.plain)


def is_telling(clip: Clip, config: SummarizerConfig, names: Names) -> bool:
    """Tells news: names someone, or says what happened at some length ("The court ruled…")."""
    if has_name(clip, names):
        return True
    tokens = words(clip.plain)
    content = [w for w in tokens if w not in config.stopword_set]
    return len(content) >= _TELLING_WORDS and _has_verb(tokens, config)


def opens_with_pronoun(clip: Clip, config: SummarizerConfig) -> int:
    """Length of the subject pronoun the clip opens with, or 0."""
    match = config.pronoun_re.match(clip.plain)
    return match.end() if match else 0
