"""Summarizer core: a segment and its entities → headline, summary, key points, provenance."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from schemas.model import EntityMention, Provenance, Segment, Summary
from services.summarizer.config import SummarizerConfig, load_config
from services.summarizer.digest import build_digest
from services.summarizer.faithful import stem
from services.summarizer.headline import fit, pick_headline
from services.summarizer.lexrank import Matrix, centrality, similarity
from services.summarizer.spoken import (
    clean,
    has_name,
    is_announcement,
    is_personal,
    opens_with_pronoun,
    strip_cues,
)
from services.summarizer.text import (
    Clip,
    Names,
    Sentence,
    numbers,
    render,
    split_sentences,
    words,
)

__all__ = ["SummarizerConfig", "build_digest", "default_config", "summarize_segment", "trace"]

_PERSONAL = frozenset({"i", "i'm", "i've", "i'd", "me", "my", "we", "we're", "we've", "us", "you"})
_SHORTLIST = 30  # only the best-scored sentences are cleaned and considered
_GIST_WORDS = 4
_TRACE_SENTENCES = 3  # at most this many source sentences back one written sentence


@cache
def default_config() -> SummarizerConfig:
    return load_config()


def summarize_segment(
    segment: Segment,
    *,
    entities: Sequence[EntityMention] = (),
    config: SummarizerConfig | None = None,
) -> Summary:
    """An extractive summary of a story; a one-line label for an ad, the intro or the outro."""
    config = config or default_config()
    names = Names.of(segment.text, entity_names(entities), config.stopword_set)
    sentences = split_sentences(segment.text)
    if not any(ch.isalnum() for ch in segment.text):
        return Summary(headline=segment.kind.capitalize())
    if segment.kind == "ad":
        return _sponsor_read(segment, sentences, entities, config)
    if segment.kind != "story":
        return _bookend(segment, sentences, config, names)
    return _Story(segment, sentences, config, names).summarize()


def trace(
    segment: Segment, texts: Sequence[str], *, config: SummarizerConfig | None = None
) -> list[Provenance]:
    """Provenance for text written from the story rather than cut from it (an LLM's).

    Each text is traced to the few sentences that cover most of its content words' stems.
    """
    config = config or default_config()
    sentences = split_sentences(segment.text)
    bags = [_stems(segment.text[s.start : s.end], config) for s in sentences]
    out = []
    for text in texts:
        wanted, picked = _stems(text, config), []
        for _ in range(_TRACE_SENTENCES):
            gains = [len(wanted & bag) for bag in bags]
            best = max(range(len(bags)), key=gains.__getitem__, default=None)
            if best is None or gains[best] == 0:
                break
            picked.append(best)
            wanted -= bags[best]
        spans = [(sentences[i].start, sentences[i].end) for i in sorted(picked)]
        out.append(Provenance(text=text, spans=[_shift(span, segment) for span in spans]))
    return out


def _stems(text: str, config: SummarizerConfig) -> set[str]:
    return {stem(w) for w in words(text) if w not in config.stopword_set}


def _shift(span: tuple[int, int], segment: Segment) -> tuple[int, int]:
    return span[0] + segment.start_char, span[1] + segment.start_char


def entity_names(entities: Sequence[EntityMention]) -> tuple[str, ...]:
    ranked = sorted(entities, key=lambda e: -e.mentions)
    return tuple(dict.fromkeys(e.name for e in ranked if len(e.name.strip()) > 1))


@dataclass
class _Story:
    """One story's sentences, ranked once; selections read from the ranking."""

    segment: Segment
    sentences: list[Sentence]
    config: SummarizerConfig
    names: Names
    clips: dict[int, Clip] = field(default_factory=dict)
    rendered: dict[Clip, str] = field(default_factory=dict)  # by clip: an edited clip re-renders

    def summarize(self) -> Summary:
        limits = self.config.limits
        lead = self.sentences[: limits.lead_window]
        headline = pick_headline(self.segment.text, lead, self.config, self.names)
        sim, scores = self._rank()
        # News puts its lead first: the headline's sentence opens the summary when it fits.
        lead_first = [] if headline.index is None else [headline.index]
        if headline.index is not None:
            self._name_subject(headline.index, headline.clip)
        chosen = self._select(
            sim, scores, limits.summary_max_sentences, limits.summary_max_chars, seed=lead_first
        )
        chosen = sorted(chosen + self._top_up(chosen, scores, limits.summary_min_sentences))
        points = self._key_points(sim, scores, chosen)
        summary = [self._provenance(i) for i in chosen]
        title = headline.text(self.names)
        return Summary(
            headline=title,
            summary=" ".join(p.text for p in summary),
            key_points=[p.text for p in points],
            provenance=[
                Provenance(text=title, spans=headline.spans(self.segment.start_char)),
                *summary,
                *points,
            ],
        )

    def _rank(self) -> tuple[Matrix, Matrix]:
        text, ranking = self.segment.text, self.config.ranking
        tokens = [words(text[s.start : s.end]) for s in self.sentences]
        stop = self.config.stopword_set
        sim = similarity([[w for w in t if w not in stop] for t in tokens])
        central = centrality(sim, threshold=ranking.similarity_threshold, damping=ranking.damping)
        central = central / central.max()
        bonus = np.array([self._bonus(s, t) for s, t in zip(self.sentences, tokens, strict=True)])
        return sim, central + bonus

    def _bonus(self, sentence: Sentence, tokens: list[str]) -> float:
        ranking = self.config.ranking
        raw = self.segment.text[sentence.start : sentence.end]
        prior = ranking.lead_weight * math.exp(-sentence.index / ranking.lead_decay)
        named = ranking.name_weight * self.names.in_text(raw, tokens)
        counted = ranking.number_weight * bool(numbers(raw))
        personal = ranking.personal_weight * bool(_PERSONAL.intersection(tokens))
        dangling = ranking.anaphora_weight * self._points_back(tokens)
        return prior + named + counted - personal - dangling

    def _points_back(self, tokens: list[str]) -> bool:
        """Opens on a pronoun ("He was granted …", "So this is …") whose referent came before."""
        opening = [
            w
            for w in tokens[:3]
            if w not in self.config.stopword_set or w in self.config.anaphora_set
        ]
        return bool(opening) and opening[0] in self.config.anaphora_set

    def _name_subject(self, index: int, headline: Clip) -> None:
        """Give the summary's lead the subject the headline gave its pronoun ("They" → "Acme")."""
        start = self.sentences[index].start
        named = tuple(part for part in headline.parts if part[1] <= start)
        pronoun = opens_with_pronoun(self._clip(index), self.config)
        if named and pronoun:
            rest = self._clip(index).drop([(0, pronoun)])
            self.clips[index] = Clip(self.segment.text, named + rest.parts)

    def _clip(self, index: int) -> Clip:
        if index not in self.clips:
            sentence = self.sentences[index]
            clip = clean(Clip.of(self.segment.text, sentence.start, sentence.end), self.config)
            if index < self.config.limits.lead_window:
                clip = strip_cues(clip, self.config, headline=False)
            self.clips[index] = clip
        return self.clips[index]

    def _text(self, index: int) -> str:
        """The sentence as the summary would say it; selection asks for it again and again."""
        clip = self._clip(index)
        if clip not in self.rendered:
            self.rendered[clip] = render(clip, names=self.names.casing)
        return self.rendered[clip]

    def _eligible(self, index: int, max_chars: int) -> bool:
        clip = self._clip(index)
        text = self._text(index)
        return (
            len(words(text)) >= self.config.limits.sentence_min_words
            and len(text) <= max_chars
            and not text.endswith("?")
            and not is_announcement(clip, self.config)
        )

    def _select(
        self,
        sim: Matrix,
        scores: Matrix,
        count: int,
        budget: int,
        allow: Callable[[int], bool] = lambda _: True,
        seed: Sequence[int] = (),
    ) -> list[int]:
        """Maximal marginal relevance over the shortlist, within a character budget."""
        limit = self.config.limits.sentence_max_chars
        shortlist = [int(i) for i in np.argsort(-scores)[:_SHORTLIST]]
        eligible = [i for i in dict.fromkeys([*seed, *shortlist]) if self._eligible(i, limit)]
        chosen = [i for i in eligible if i in seed]
        used = sum(len(self._text(i)) + 1 for i in chosen)
        pool = [i for i in eligible if i not in chosen and allow(i)]
        while pool and len(chosen) < count:
            best = max(pool, key=lambda i: self._marginal(i, chosen, sim, scores))
            pool.remove(best)
            size = len(self._text(best)) + bool(chosen)
            if used + size <= budget:
                chosen.append(best)
                used += size
        return chosen

    def _marginal(self, index: int, chosen: list[int], sim: Matrix, scores: Matrix) -> float:
        overlap = max((float(sim[index, j]) for j in chosen), default=0.0)
        return float(scores[index]) - self.config.ranking.redundancy * overlap

    def _top_up(self, chosen: list[int], scores: Matrix, minimum: int) -> list[int]:
        """Short or chatty stories: the best remaining sentences, shortened, up to the minimum."""
        budget = self.config.limits.summary_max_chars - sum(len(self._text(i)) + 1 for i in chosen)
        extra: list[int] = []
        for index in (int(i) for i in np.argsort(-scores)):
            if len(chosen) + len(extra) >= minimum or budget < 40:
                break
            if index in chosen or len(words(self._clip(index).plain)) < 3:
                continue
            self.clips[index] = fit(self._clip(index), budget - 1, self.config, self.names)
            budget -= len(self._text(index)) + 1
            extra.append(index)
        return extra

    def _key_points(self, sim: Matrix, scores: Matrix, chosen: list[int]) -> list[Provenance]:
        """Facts beyond the summary: sentences with a name or a number, shortened."""
        limits = self.config.limits

        def is_fact(index: int) -> bool:
            clip = self._clip(index)
            return index not in chosen and has_name(clip, self.names) and not is_personal(clip)

        picked = self._select(sim, scores, limits.key_points_max, 10**9, allow=is_fact)
        return [
            self._traced(
                fit(self._clip(i), limits.key_point_max_chars, self.config, self.names),
                sentence=True,
            )
            for i in sorted(picked)
        ]

    def _provenance(self, index: int) -> Provenance:
        return self._traced(self._clip(index), sentence=True)

    def _traced(self, clip: Clip, *, sentence: bool) -> Provenance:
        return Provenance(
            text=render(clip, names=self.names.casing, sentence=sentence),
            spans=clip.spans(self.segment.start_char),
        )


def _sponsor_read(
    segment: Segment,
    sentences: Sequence[Sentence],
    entities: Sequence[EntityMention],
    config: SummarizerConfig,
) -> Summary:
    """ "Sponsor read: Acme", the sponsor named by a cue or the most-mentioned organisation."""
    match = config.sponsor_re.search(segment.text)
    orgs = [e.name for e in sorted(entities, key=lambda e: -e.mentions) if e.type == "org"]
    provenance: list[Provenance] = []
    if match:
        name_clip = _trim_name(Clip.of(segment.text, *match.span("name")))
        sponsor = render(name_clip, sentence=False)
        provenance.append(Provenance(text=sponsor, spans=name_clip.spans(segment.start_char)))
    else:
        sponsor = orgs[0] if orgs else ""
    headline = f"Sponsor read: {sponsor}" if sponsor else "Sponsor read"
    first = clean(Clip.of(segment.text, sentences[0].start, sentences[0].end), config)
    gist = Provenance(text=render(first), spans=first.spans(segment.start_char))
    return Summary(headline=headline, summary=gist.text, provenance=[*provenance, gist])


def _trim_name(clip: Clip) -> Clip:
    """A sponsor name ends at its last capitalised word ("Acme and" → "Acme")."""
    plain = clip.plain
    tokens = plain.split()
    while len(tokens) > 1 and not tokens[-1][:1].isupper() and not tokens[-1][:1].isdigit():
        tokens.pop()
    end = len(" ".join(tokens).rstrip(".,;:!?"))
    return clip.keep([(0, end)])


def _bookend(
    segment: Segment, sentences: Sequence[Sentence], config: SummarizerConfig, names: Names
) -> Summary:
    """ "Intro: <its first sentence>" (or Outro), shortened to fit the headline limit."""
    label = segment.kind.capitalize()
    clips = [clean(Clip.of(segment.text, s.start, s.end), config) for s in sentences[:3]]
    # "Good morning." says nothing: the first sentence with a few words is the gist.
    first = next((c for c in clips if len(words(c.plain)) >= _GIST_WORDS), clips[0])
    room = config.limits.headline_max_chars - len(label) - 2
    gist = fit(first, room, config, names)
    text = render(gist, names=names.casing, sentence=False)
    headline = f"{label}: {text}" if text else label
    trace = Provenance(
        text=render(first, names=names.casing), spans=first.spans(segment.start_char)
    )
    return Summary(headline=headline, summary=trace.text, provenance=[trace])
