"""Podcasting 2.0 tags (transcript, chapters, guid, block) read from raw feed bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from schemas.model import TranscriptLink

# The namespace was published under two URIs and live feeds use both.
PODCAST_NAMESPACES = frozenset(
    {
        "https://podcastindex.org/namespace/1.0",
        "https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    }
)
_CANONICAL = "https://podcastindex.org/namespace/1.0"
_ITEM_NAMES = frozenset({"item", "entry"})

# recover: real feeds are often not well-formed; no entities or network: no XXE, no bombs.
_PARSER = etree.XMLParser(
    recover=True,
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


@dataclass(frozen=True)
class ItemTags:
    """One item's Podcasting 2.0 tags, plus its guid and link so it can be matched up."""

    guid: str | None = None
    link: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()
    chapters_url: str | None = None


@dataclass(frozen=True)
class PodcastTags:
    podcast_guid: str | None = None
    blocked: bool = False
    items: tuple[ItemTags, ...] = field(default_factory=tuple)


def is_podcast_namespace(uri: str | None) -> bool:
    if not uri:
        return False
    normalised = uri.strip().rstrip("/").lower().replace("http://", "https://", 1)
    return normalised in PODCAST_NAMESPACES


def read_podcast_tags(data: bytes) -> PodcastTags:
    """Every Podcasting 2.0 tag that matters here; empty tags when the bytes are not XML."""
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return PodcastTags()
    if root is None:
        return PodcastTags()
    channel = next((el for el in root.iter(etree.Element) if _local(el) == "channel"), root)
    return PodcastTags(
        podcast_guid=_text(_podcast_child(channel, "guid")),
        blocked=_is_blocked(channel),
        items=tuple(_item_tags(el) for el in root.iter(etree.Element) if _is_item(el)),
    )


def _name(el: etree._Element) -> tuple[str | None, str]:
    """(namespace, local name); an undeclared `podcast:` prefix counts as the namespace."""
    tag = str(el.tag)
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    # Recovery keeps undeclared prefixes in the tag name, as in `podcast:transcript`.
    prefix, _, local = tag.rpartition(":")
    return (_CANONICAL if prefix == "podcast" else None), local


def _local(el: etree._Element) -> str:
    return _name(el)[1]


def _is_podcast(el: etree._Element, name: str) -> bool:
    namespace, local = _name(el)
    return local == name and is_podcast_namespace(namespace)


def _is_item(el: etree._Element) -> bool:
    namespace, local = _name(el)
    return local in _ITEM_NAMES and not is_podcast_namespace(namespace)


def _podcast_children(parent: etree._Element, name: str) -> list[etree._Element]:
    return [el for el in parent.iterchildren(etree.Element) if _is_podcast(el, name)]


def _podcast_child(parent: etree._Element, name: str) -> etree._Element | None:
    found = _podcast_children(parent, name)
    return found[0] if found else None


def _text(el: etree._Element | None) -> str | None:
    text = (el.text or "").strip() if el is not None else ""
    return text or None


def _is_blocked(channel: etree._Element) -> bool:
    # A block with an `id` names one platform; only the global form applies to us.
    return any(
        el.get("id") is None and (_text(el) or "").lower() == "yes"
        for el in _podcast_children(channel, "block")
    )


def _item_tags(item: etree._Element) -> ItemTags:
    chapters = _podcast_child(item, "chapters")
    return ItemTags(
        guid=_text(_plain_child(item, ("guid", "id"))),
        link=_item_link(item),
        transcripts=_transcripts(item),
        chapters_url=_attr(chapters, "url"),
    )


def _plain_child(item: etree._Element, names: tuple[str, ...]) -> etree._Element | None:
    for el in item.iterchildren(etree.Element):
        namespace, local = _name(el)
        if local in names and not is_podcast_namespace(namespace):
            return el
    return None


def _item_link(item: etree._Element) -> str | None:
    link = _plain_child(item, ("link",))
    if link is None:
        return None
    return _text(link) or _attr(link, "href")


def _attr(el: etree._Element | None, name: str) -> str | None:
    value = (el.get(name) or "").strip() if el is not None else ""
    return value or None


def _transcripts(item: etree._Element) -> tuple[TranscriptLink, ...]:
    links: dict[str, TranscriptLink] = {}
    for el in _podcast_children(item, "transcript"):
        url = _attr(el, "url")
        if url and url not in links:
            links[url] = TranscriptLink(
                url=url,
                type=_attr(el, "type") or "",
                language=_attr(el, "language"),
                rel=_attr(el, "rel"),
            )
    return tuple(links.values())
