"""Transcript bytes (markdown, text, VTT, SRT, JSON, HTML) → a normalised Transcript."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from schemas.model import Cue


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

FORMATS = ("markdown", "text", "vtt", "srt", "json", "html")

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
    sniffed = _sniff(text)
    if sniffed:
        return sniffed
    declared = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if declared:
        return declared
    return _EXTENSIONS.get(name.rsplit(".", 1)[-1].lower() if "." in name else "", "text")


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


_SPEAKER = re.compile(r"^(?P<name>[A-Z][\w.'’-]*(?: [A-Z0-9][\w.'’-]*){0,3}) ?: +(?=\S)")
_STAMP = re.compile(r"^\[?(?P<stamp>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]? +")


def _line_cues(lines: Sequence[str]) -> tuple[Cue, ...]:
    """Cues for lines that carry a leading timestamp or a `Name:` speaker label."""
    labels = {m.group("name") for line in lines if (m := _SPEAKER.match(_STAMP.sub("", line)))}
    labelled = sum(1 for line in lines if _SPEAKER.match(_STAMP.sub("", line)))
    # A stray "Update: ..." in prose is not a speaker; labels must mark a share of the lines.
    speakers = (
        labels if labelled > 1 and labelled * 10 >= sum(1 for s in lines if s.strip()) else set()
    )
    cues: list[Cue] = []
    offset, speaker = 0, None
    for line in lines:
        start, start_s = offset, None
        if stamp := _STAMP.match(line):
            start_s, start = _clock_seconds(stamp.group("stamp")), start + stamp.end()
        if (label := _SPEAKER.match(line[start - offset :])) and label.group("name") in speakers:
            speaker, start = label.group("name"), start + label.end()
        if line.strip() and (speaker or start_s is not None):
            end = offset + len(line)
            cues.append(Cue(start_char=start, end_char=end, start_s=start_s, speaker=speaker))
        offset += len(line) + 1
    return _close_times(cues)


def _close_times(cues: list[Cue]) -> tuple[Cue, ...]:
    """A cue with only a start time ends where the next timed cue starts."""
    out: list[Cue] = []
    following: float | None = None
    for cue in reversed(cues):
        if cue.start_s is not None:
            out.append(cue.model_copy(update={"end_s": following}))
            following = cue.start_s
        else:
            out.append(cue)
    return tuple(reversed(out))


def _clock_seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(p) * 60.0**i for i, p in enumerate(reversed(parts)))


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


_PARSERS: dict[str, Callable[[str], Transcript]] = {
    "markdown": parse_markdown,
    "text": parse_text,
}

__all__ = [
    "FORMATS",
    "Transcript",
    "TranscriptError",
    "decode_text",
    "detect_format",
    "parse_transcript",
]
