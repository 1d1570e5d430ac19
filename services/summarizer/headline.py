"""A story's lead sentences → its headline clip: who did what, in at most N characters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.summarizer.config import SummarizerConfig
from services.summarizer.spoken import (
    clean,
    has_name,
    is_announcement,
    is_background,
    is_personal,
    is_telling,
    opens_with_pronoun,
    strip_cues,
)
from services.summarizer.text import (
    Clip,
    Names,
    Sentence,
    capitalised_names,
    find_name,
    render,
    words,
)

# Where a long headline may be cut: after a clause mark, or before a clause-opening word.
_CLAUSE_CUT = re.compile(
    r"\s*[,;:(—–]\s*|\s+(?=(?:which|where|who|whom|whose|that|because|while|although|though|"
    r"after|before|since|when|so|but|with|including|according|amid|despite|as)\b)",
    re.IGNORECASE,
)
# An aside between commas, kept only when it is not the end of the sentence.
_ASIDE = re.compile(r",[^,]{3,80}?,(?=\s*\S)")
# A speaker trailing off ("an agreement that...") leaves function words to trim.
_DANGLING = re.compile(r"(?:\.\.\.|…|[,;:\-–—])\s*$|[^\W\d]$")
_CLAUSE_KEEPS = 0.45  # a clause cut must keep this share of the limit
_DANGLING_WORDS = 4  # words of a new clause a cut may leave before it moves back
_NAME_JOINERS = frozenset({"and", "&", ",", "and the", "or"})
_MIN_WORDS = 3
_ATTRIBUTION_REACH = 2  # sentences after the headline's that may credit its source
_ATTRIBUTION_WORDS = 5
_TELLINGS_TRIED = 3


@dataclass(frozen=True)
class Headline:
    """The headline clip, and the story's main actor set before it when the clip names none."""

    clip: Clip
    actor: Clip | None = None
    index: int | None = None  # the sentence the clip was taken from

    def text(self, names: Names) -> str:
        body = render(self.clip, names=names.casing, sentence=False)
        if self.actor is None:
            return body
        return f"{render(self.actor, names=names.casing, sentence=False)}: {body}"

    def spans(self, offset: int) -> list[tuple[int, int]]:
        actor = self.actor.spans(offset) if self.actor else []
        return [*actor, *self.clip.spans(offset)]


def pick_headline(
    source: str, lead: Sequence[Sentence], config: SummarizerConfig, names: Names
) -> Headline:
    """Who did what: the lead's telling sentence, credited to its source when the next says so."""
    limit = config.limits.headline_max_chars
    clip, index = _lead_clip(source, lead, config, names, limit)
    if not clip.parts:  # nothing but fillers ("Uh.") is still what was said
        first = lead[0]
        clip, index = (
            fit(Clip.of(source, first.start, first.end), limit, config, names),
            first.index,
        )
    after = [s for s in lead if s.index > index][:_ATTRIBUTION_REACH]
    actor = _attribution(source, after, config, names)
    if actor is None or find_name(clip.plain, [actor.plain]):
        return Headline(clip, index=index)
    room = limit - len(render(actor, names=names.casing, sentence=False)) - 2
    return Headline(fit(clip, room, config, names), actor, index)


def _attribution(
    source: str, after: Sequence[Sentence], config: SummarizerConfig, names: Names
) -> Clip | None:
    """Who the news comes from, when a following sentence says ("This is from Acme Labs.")."""
    for sentence in after:
        clip = clean(Clip.of(source, sentence.start, sentence.end), config)
        match = config.attribution_re.match(clip.plain)
        if not match:
            continue
        rest = clip.plain[match.end() :]
        end = match.end() + min((rest.find(c) for c in ",.;:" if c in rest), default=len(rest))
        credited = clip.keep([(match.end(), end)])
        if 0 < len(words(credited.plain)) <= _ATTRIBUTION_WORDS and has_name(credited, names):
            return credited
    return None


def _lead_clip(
    source: str,
    lead: Sequence[Sentence],
    config: SummarizerConfig,
    names: Names,
    limit: int,
) -> tuple[Clip, int]:
    """The first lead sentence that tells news, cues removed, fitted; and its index.

    Spoken news states the story first, so only the first few telling sentences are tried;
    past them, the first telling (or announcing) sentence is the best guess.
    """
    subject: tuple[Clip, int] | None = None  # an announced name ("a new release from Acme")
    tellings: list[tuple[Clip, int]] = []
    announcements: list[tuple[Clip, int]] = []
    for sentence in lead:
        clip = strip_cues(clean(Clip.of(source, sentence.start, sentence.end), config), config)
        if not clip.parts or is_background(clip, config):
            continue
        if is_announcement(clip, config):
            if subject is None and has_name(clip, names):
                subject = (clip, sentence.index)
            announcements.append((clip, sentence.index))
            continue
        whole = _resolve_pronoun(clip, subject[0] if subject else None, config, names)
        clip = fit(whole, limit, config, names)
        # Asides a cut removed still count: "sparse autoencoders, which we covered, …".
        told = whole.until(clip.parts[-1][1]) if clip.parts else clip
        if is_telling(clip, config, names) and not is_personal(told):
            return clip, sentence.index
        tellings.append((clip, sentence.index))
        if len(tellings) >= _TELLINGS_TRIED or subject is not None:
            break
    substantial = [a for a in announcements if len(words(a[0].plain)) >= _MIN_WORDS]
    for choice in (subject, *tellings, *substantial):
        if choice is not None and not is_personal(choice[0]):
            return fit(choice[0], limit, config, names), choice[1]
    first = lead[0]
    clip = clean(Clip.of(source, first.start, first.end), config)
    return fit(clip, limit, config, names), first.index


def _resolve_pronoun(
    clip: Clip, subject: Clip | None, config: SummarizerConfig, names: Names
) -> Clip:
    """`They launched X` after `a release from Acme` → `Acme launched X` (both spans kept)."""
    pronoun = opens_with_pronoun(clip, config)
    if not pronoun or subject is None:
        return clip
    name = _subject_name(subject, names)
    if name is None:
        return clip
    rest = clip.drop([(0, pronoun)])
    return Clip(clip.source, name.parts + rest.parts)


def _subject_name(subject: Clip, names: Names) -> Clip | None:
    """The names an announcement gives, joined as spoken ("Acme and Initech")."""
    plain = subject.plain
    found = sorted(_name_spans(plain, names))
    if not found:
        return None
    start, end = found[0]
    for lo, hi in found[1:]:
        if plain[end:lo].strip().lower() not in _NAME_JOINERS:
            break
        end = hi
    return subject.keep([(start, end)])


def _name_spans(plain: str, names: Names) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    spoken = [w for w in plain.split() if w.lower().strip(".,;:!?") in names.tokens]
    for name in [*names.entities, *capitalised_names(plain), *spoken]:
        found = find_name(plain, [name])
        if found and not any(a <= found[0] < b for a, b in spans):
            spans.append(found)
    return spans


def fit(clip: Clip, limit: int, config: SummarizerConfig, names: Names) -> Clip:
    """Shorten to `limit` rendered characters: asides out, then cut at a word.

    A cut that leaves a new clause's first words dangling ("… and Ableton so Anthropic")
    moves back to where that clause starts.
    """
    if _DANGLING.search(clip.plain):
        clip = _trim_tail(clip, config)
    if _size(clip, names) <= limit:
        return clip
    clip = _without_asides(clip, limit, names)
    if _size(clip, names) <= limit:
        return clip
    # Rendering never lengthens text much, so ends far past the limit are not worth trying.
    plain = clip.plain[: 2 * limit]
    ends = [m.end() for m in re.finditer(r"\S+", plain)]
    cut = next((e for e in reversed(ends) if _size(clip.keep([(0, e)]), names) <= limit), 0)
    if not cut:
        return clip.keep([(0, limit)])
    tail_start = ends[max(0, ends.index(cut) - _DANGLING_WORDS)]
    clauses = [m.start() for m in _CLAUSE_CUT.finditer(plain, 0, cut) if m.start() >= tail_start]
    if clauses and _size(clip.keep([(0, clauses[0])]), names) >= limit * _CLAUSE_KEEPS:
        cut = clauses[0]
    return _trim_tail(clip.keep([(0, cut)]), config, cut=True)


def _size(clip: Clip, names: Names) -> int:
    return len(render(clip, names=names.casing, sentence=False))


def _without_asides(clip: Clip, limit: int, names: Names) -> Clip:
    """Drop comma-set asides (", the country's largest lab,") until the clip fits."""
    while _size(clip, names) > limit:
        asides = [m.span() for m in _ASIDE.finditer(clip.plain) if len(words(m.group(0))) <= 8]
        if not asides:
            break
        longest = max(asides, key=lambda span: span[1] - span[0])
        clip = clip.drop([longest])
    return clip


def _trim_tail(clip: Clip, config: SummarizerConfig, *, cut: bool = False) -> Clip:
    """Drop function words a cut left dangling at the end ("… a deal that").

    After a cut, a number may have lost its end ("fined it two hundred" of "two hundred
    million"), so trailing numbers go too, and so does a phrase the cut left half-said
    ("… open to attack for nearly").
    """
    tokens = [(m.end(), words(m.group(0))) for m in re.finditer(r"\S+", clip.plain)]
    keep = len(tokens)

    def weak(word: str) -> bool:
        spent = cut and (word in config.number_word_set or word[:1].isdigit())
        return word in config.stopword_set or spent

    while keep > _MIN_WORDS and (not tokens[keep - 1][1] or weak(tokens[keep - 1][1][-1])):
        keep -= 1
    if cut:
        # A preposition with at most one word after it is a phrase the cut left half-said.
        tail = range(max(_MIN_WORDS, keep - 2), keep)
        opens = [i for i in tail if tokens[i][1] and tokens[i][1][0] in config.preposition_set]
        if opens:
            keep = opens[-1]
    if keep == len(tokens) or not any(said for _, said in tokens[:keep]):
        return clip
    return clip.keep([(0, tokens[keep - 1][0])])
