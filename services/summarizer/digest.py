"""Per-episode digest: (section, headline) pairs → plain text grouped by section."""

from __future__ import annotations

from collections.abc import Sequence

UNSECTIONED = "Other stories"


def build_digest(stories: Sequence[tuple[str | None, str]]) -> str:
    """Headlines under their section, sections in order of first appearance, duplicates dropped."""
    groups: dict[str, list[str]] = {}
    for section, headline in stories:
        if not headline.strip():
            continue
        lines = groups.setdefault(section_title(section), [])
        if headline not in lines:
            lines.append(headline)
    return "\n\n".join(
        "\n".join([title, *(f"- {h}" for h in headlines)]) for title, headlines in groups.items()
    )


def section_title(section: str | None) -> str:
    """ "tools-and-apps" → "Tools and apps"; no section → "Other stories"."""
    if not section or not section.strip():
        return UNSECTIONED
    words = section.replace("-", " ").replace("_", " ").split()
    return " ".join(words)[:1].upper() + " ".join(words)[1:]
