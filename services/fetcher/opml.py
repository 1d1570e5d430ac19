"""OPML ↔ feed subscriptions (URL, title, taxonomy), for import, export and the seed list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

# The same hardening as for feeds: no entities, no network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class OpmlError(ValueError):
    """The file is not an OPML document with feed outlines."""


@dataclass(frozen=True)
class Subscription:
    url: str
    title: str | None = None
    taxonomy: str | None = None


def read_opml(data: bytes) -> list[Subscription]:
    """Every outline with an xmlUrl, at any depth, in document order, each URL once."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"not well-formed XML: {exc}") from exc
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise OpmlError("not an OPML document (the root element is not <opml>)")
    found: dict[str, Subscription] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and url not in found:
            title = outline.get("title") or outline.get("text")
            found[url] = Subscription(url, title or None, outline.get("taxonomy") or None)
    return list(found.values())


def write_opml(subscriptions: Iterable[Subscription], title: str = "newsdesk feeds") -> str:
    outlines = "".join(_outline(s) for s in subscriptions)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"  <head><title>{escape(title)}</title></head>\n  <body>\n{outlines}  </body>\n</opml>\n"
    )


def _outline(s: Subscription) -> str:
    name = s.title or s.url
    attributes = f'type="rss" text={quoteattr(name)} title={quoteattr(name)}'
    attributes += f" xmlUrl={quoteattr(s.url)}"
    if s.taxonomy:
        attributes += f" taxonomy={quoteattr(s.taxonomy)}"
    return f"    <outline {attributes}/>\n"
