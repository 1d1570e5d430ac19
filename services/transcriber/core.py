"""Transcript bytes (markdown, text, VTT, SRT, JSON, HTML) → a normalised Transcript."""

from __future__ import annotations

import codecs
import html
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import srt
import webvtt
from bs4 import BeautifulSoup, Tag
from webvtt.errors import MalformedFileError

from schemas.model import Cue
from services.transcriber.sentences import (
    SPEAKER_LABEL,
    Fragment,
    assemble,
    label_speakers,
    labels_are_speakers,
    next_starts,
)


class TranscriptError(ValueError):
    """The input is not a usable transcript (empty, unsupported, undecodable); permanent."""


@dataclass(frozen=True)
class Transcript:
    """A transcript body with its header fields and its timed, attributed sentences."""

    text: str
    first_line: int = 1
    cues: tuple[Cue, ...] = ()
    title: str = ""
    podcast: str = ""
    published: date | None = None
    language: str | None = None
    format: str = "text"


def parse_transcript(data: bytes, *, name: str = "", content_type: str | None = None) -> Transcript:
    """Decode, detect the format of and parse one transcript file."""
    text = decode_text(data)
    fmt = detect_format(text, name=name, content_type=content_type)
    parser = _PARSERS.get(fmt)
    if parser is None:
        raise TranscriptError(f"unsupported transcript format: {fmt}")
    transcript = parser(text)
    if not transcript.text.strip():
        raise TranscriptError(f"empty transcript ({fmt})")
    return transcript


# --- decoding -----------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def decode_text(data: bytes) -> str:
    """Bytes → text with `\\n` line ends: BOMs honoured, UTF-8 first, then Windows-1252."""
    if not data.strip():
        raise TranscriptError("empty file")
    text = _decode(data)
    if len(_CONTROL.findall(text[:65536])) > len(text[:65536]) // 100:
        raise TranscriptError("binary or undecodable data (audio or other media?), not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    head = data[:4096]
    # UTF-16 without a BOM shows up as a NUL in every other byte of ASCII text.
    if head.count(0) > len(head) // 3 and len(data) % 2 == 0:
        return data.decode("utf-16-le" if head[1::2].count(0) > head[::2].count(0) else "utf-16-be")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --- format detection ---------------------------------------------------------------------

_CONTENT_TYPES = {
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/srt": "srt",
    "text/srt": "srt",
    "application/json": "json",
    "text/json": "json",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
}
_EXTENSIONS = {
    "vtt": "vtt",
    "webvtt": "vtt",
    "srt": "srt",
    "json": "json",
    "html": "html",
    "htm": "html",
    "md": "markdown",
    "markdown": "markdown",
    "txt": "text",
}
_SRT_HEAD = re.compile(r"\A\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")
_HTML_HEAD = re.compile(
    r"\A\s*<(!doctype html|html|head|body|p|div|cite|time|section|article)\b", re.I
)
_MARKDOWN_HEAD = re.compile(r"\A\s*# \S.*\n(?:.*\n)*?\s*(\*\*[^*\n]+:\*\*|## )")


def detect_format(text: str, *, name: str = "", content_type: str | None = None) -> str:
    """Pick a parser: a telltale first line wins, then the content type, then the extension."""
    return _sniff(text) or format_for(content_type=content_type, name=name) or "text"


def format_for(*, content_type: str | None = None, name: str = "") -> str | None:
    """The format a content type or else a file name declares; None when neither says."""
    declared = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    return declared or _EXTENSIONS.get(suffix)


def _sniff(text: str) -> str | None:
    head = text[:4096]
    stripped = head.lstrip()
    if stripped.startswith("WEBVTT"):
        return "vtt"
    if _SRT_HEAD.match(head):
        return "srt"
    if stripped.startswith("{") and '"segments"' in text:
        return "json"
    if _HTML_HEAD.match(head):
        return "html"
    if _MARKDOWN_HEAD.match(head):
        return "markdown"
    return None


# --- line-preserving formats: markdown and plain text -------------------------------------

_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_MD_FIELD = re.compile(r"^\s*\*\*([^*:]+):\*\*\s*(.*?)\s*$")
_MD_BODY_HEADING = re.compile(r"^##\s+transcript\b", re.I)
_FIELD_NAMES = {
    "podcast": "podcast",
    "show": "podcast",
    "published": "published",
    "date": "published",
    "language": "language",
}


def parse_markdown(text: str) -> Transcript:
    """`# Title`, `**Field:** value` lines, `## Transcript`, then the body kept line for line."""
    lines = text.split("\n")
    fields: dict[str, str] = {}
    title, body_start = "", 0
    for i, line in enumerate(lines):
        if _MD_BODY_HEADING.match(line):
            body_start = i + 1
            break
        if not title and (m := _MD_TITLE.match(line)):
            title, body_start = m.group(1), i + 1
        elif m := _MD_FIELD.match(line):
            key = _FIELD_NAMES.get(m.group(1).strip().lower())
            if key:
                fields[key] = m.group(2)
            body_start = i + 1
        elif line.strip() and title:
            break  # a header without `## Transcript`: the body starts at the first prose line
    body = _line_body(lines, body_start, fmt="markdown")
    return Transcript(
        text=body.text,
        first_line=body.first_line,
        cues=body.cues,
        title=title,
        podcast=fields.get("podcast", ""),
        published=_parse_date(fields.get("published", "")),
        language=fields.get("language") or None,
        format="markdown",
    )


def parse_text(text: str) -> Transcript:
    """Plain text: the body kept line for line from its first non-blank line."""
    return _line_body(text.split("\n"), 0, fmt="text")


def _line_body(lines: Sequence[str], start: int, *, fmt: str) -> Transcript:
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    kept = lines[start:end]
    return Transcript(text="\n".join(kept), first_line=start + 1, cues=_line_cues(kept), format=fmt)


_STAMP = re.compile(r"^\[?(?P<stamp>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]? +")


def _line_cues(lines: Sequence[str]) -> tuple[Cue, ...]:
    """Cues for lines that carry a leading timestamp or a `Name:` speaker label."""
    labels = [m.group("name") for line in lines if (m := SPEAKER_LABEL.match(_unstamped(line)))]
    nonblank = sum(1 for line in lines if line.strip())
    speakers = set(labels) if labels_are_speakers(len(labels), nonblank) else set()
    cues: list[Cue] = []
    offset, speaker = 0, None
    for line in lines:
        start, start_s = 0, None
        if stamp := _STAMP.match(line):
            start_s, start = _clock_seconds(stamp.group("stamp")), stamp.end()
        label = SPEAKER_LABEL.match(line[start:])
        if label and label.group("name") in speakers:
            speaker, start = label.group("name"), start + label.end()
        if line.strip() and (speaker or start_s is not None):
            cues.append(
                Cue(
                    start_char=offset + start,
                    end_char=offset + len(line),
                    start_s=start_s,
                    speaker=speaker,
                )
            )
        offset += len(line) + 1
    return _close_times(cues)


def _unstamped(line: str) -> str:
    return _STAMP.sub("", line, count=1)


def _close_times(cues: list[Cue]) -> tuple[Cue, ...]:
    ends = next_starts([c.start_s for c in cues])
    return tuple(
        c if c.start_s is None else c.model_copy(update={"end_s": end})
        for c, end in zip(cues, ends, strict=True)
    )


def _clock_seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(p) * 60.0**i for i, p in enumerate(reversed(parts)))


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


# --- timed formats: one sentence per line of `text`, each with a Cue ----------------------

_TAGS = re.compile(r"<[^>]*>|\{\\[^}]*\}")


def parse_vtt(text: str) -> Transcript:
    """WebVTT via webvtt-py; `<v Name>` voice tags become speakers, rolling duplicates dropped."""
    try:
        captions = webvtt.from_string(text).captions
    except MalformedFileError as exc:
        raise TranscriptError(f"malformed WebVTT: {exc}") from exc
    fragments: list[Fragment] = []
    previous_last = ""
    for c in captions:
        lines = [html.unescape(line).strip() for line in _TAGS.sub("", c.raw_text).split("\n")]
        # Auto-captions roll: each cue repeats the previous cue's last line before the new one.
        if len(lines) > 1 and lines[0] and lines[0] == previous_last:
            lines = lines[1:]
        previous_last = lines[-1] if lines else ""
        start, end = c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000
        fragments.append(Fragment(" ".join(lines), start, end, c.voice or None))
    return _timed("vtt", fragments, language=_vtt_language(text))


def parse_srt(text: str) -> Transcript:
    """SubRip via `srt`, skipping malformed blocks; formatting tags dropped."""
    subtitles = list(srt.parse(text, ignore_errors=True))
    fragments = [
        Fragment(
            html.unescape(_TAGS.sub("", sub.content)),
            sub.start.total_seconds(),
            sub.end.total_seconds(),
        )
        for sub in subtitles
    ]
    if not fragments:
        raise TranscriptError("malformed SRT: no subtitle blocks")
    return _timed("srt", fragments)


def parse_json(text: str) -> Transcript:
    """Podcasting 2.0 JSON (`segments` of startTime/endTime/speaker/body); Whisper-style too."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"invalid JSON: {exc}") from exc
    segments = doc.get("segments") if isinstance(doc, dict) else doc
    if not isinstance(segments, list):
        raise TranscriptError("JSON transcript without a `segments` list")
    fragments = [f for seg in segments if isinstance(seg, dict) if (f := _json_fragment(seg))]
    language = doc.get("language") if isinstance(doc, dict) else None
    return _timed("json", fragments, language=language if isinstance(language, str) else None)


def parse_html(text: str) -> Transcript:
    """HTML transcripts: `<cite>` speakers, `<time>` stamps, paragraphs as fragments."""
    soup = BeautifulSoup(text, "lxml")
    for junk in soup(["script", "style", "nav", "header", "footer", "template"]):
        junk.decompose()
    fragments = _html_fragments(soup)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lang = soup.html.get("lang") if soup.html else None
    transcript = _timed("html", fragments, language=lang if isinstance(lang, str) else None)
    return Transcript(**{**transcript.__dict__, "title": title})


def transcript_from_fragments(
    fragments: Sequence[Fragment],
    *,
    fmt: str = "asr",
    language: str | None = None,
    by_fragment: bool = False,
) -> Transcript:
    """Timed fragments (speech-to-text output) → a Transcript, one sentence per line."""
    body, cues = assemble(fragments, by_fragment=by_fragment)
    if not body:
        raise TranscriptError(f"empty transcript ({fmt}): no speech recognised")
    return Transcript(text=body, cues=cues, format=fmt, language=language)


def _timed(fmt: str, fragments: list[Fragment], *, language: str | None = None) -> Transcript:
    body, cues = assemble(label_speakers(fragments))
    return Transcript(text=body, cues=cues, format=fmt, language=language)


def _json_fragment(seg: dict[str, Any]) -> Fragment | None:
    body = seg.get("body", seg.get("text"))
    if not isinstance(body, str):
        return None
    speaker = seg.get("speaker")
    return Fragment(
        body,
        _seconds(seg.get("startTime", seg.get("start"))),
        _seconds(seg.get("endTime", seg.get("end"))),
        speaker.strip() or None if isinstance(speaker, str) else None,
    )


_HTML_BLOCKS = ("p", "li", "dd", "blockquote", "h2", "h3", "h4")


def _html_fragments(soup: BeautifulSoup) -> list[Fragment]:
    fragments: list[Fragment] = []
    speaker: str | None = None
    start: float | None = None
    for el in _html_walk(soup):
        if el.name == "cite":
            speaker = el.get_text(" ", strip=True).rstrip(":").strip() or None
        elif el.name == "time":
            stamp = el.get("datetime") or el.get_text(strip=True)
            start = _seconds(stamp if isinstance(stamp, str) else None)
        else:
            fragments.append(Fragment(el.get_text(), start, None, speaker))
            start = None
    if not fragments:  # no block markup: every non-blank text line is a fragment
        lines = soup.get_text("\n").split("\n")
        fragments = [Fragment(line) for line in lines if line.strip()]
    return _close_fragment_times(fragments)


def _html_walk(soup: BeautifulSoup) -> Iterator[Tag]:
    """Document-order cite/time/block elements, skipping blocks nested in a counted block."""
    for el in soup.find_all(["cite", "time", *_HTML_BLOCKS]):
        if el.name in _HTML_BLOCKS and any(p.name in _HTML_BLOCKS for p in el.parents):
            continue
        yield el


def _close_fragment_times(fragments: list[Fragment]) -> list[Fragment]:
    ends = next_starts([f.start_s for f in fragments])
    return [
        f if f.start_s is None or f.end_s is not None else replace(f, end_s=end)
        for f, end in zip(fragments, ends, strict=True)
    ]


def _seconds(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return _clock_seconds(value.strip().removeprefix("PT").rstrip("sS"))
        except ValueError:
            return None
    return None


def _vtt_language(text: str) -> str | None:
    header = text.split("\n\n", 1)[0]
    m = re.search(r"^Language:\s*(\S+)", header, re.M)
    return m.group(1) if m else None


_PARSERS: dict[str, Callable[[str], Transcript]] = {
    "markdown": parse_markdown,
    "text": parse_text,
    "vtt": parse_vtt,
    "srt": parse_srt,
    "json": parse_json,
    "html": parse_html,
}

__all__ = [
    "Transcript",
    "TranscriptError",
    "decode_text",
    "detect_format",
    "format_for",
    "parse_transcript",
    "transcript_from_fragments",
]
