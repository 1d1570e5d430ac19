"""Article HTML → plain text with paragraphs kept, for text-news items."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString

_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "form")
_BLOCKS = (
    "p", "div", "section", "article", "header", "footer", "aside", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "tr", "figure", "figcaption", "hr",
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: one paragraph per block, whitespace collapsed."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    _collapse_source_whitespace(soup)
    for br in soup.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for block in soup.find_all(_BLOCKS):
        block.insert_before(NavigableString("\n\n"))
        block.insert_after(NavigableString("\n\n"))
    return normalise_text(soup.get_text())


def _collapse_source_whitespace(soup: BeautifulSoup) -> None:
    # Line breaks in HTML source are spaces when rendered, except inside <pre>.
    for node in soup.find_all(string=True):
        if type(node) is NavigableString and node.find_parent("pre") is None:
            node.replace_with(NavigableString(_WHITESPACE.sub(" ", str(node))))


def normalise_text(text: str) -> str:
    lines = (
        _SPACES.sub(" ", line).strip()
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
