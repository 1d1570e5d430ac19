"""Taxonomies: named sets of sections, loaded from YAML (seeds/taxonomy.yaml or the user's)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from services.nlp.settings_file import read_yaml
from services.runtime.errors import PermanentError

DEFAULT_TAXONOMY_FILE = Path(__file__).resolve().parents[2] / "seeds" / "taxonomy.yaml"


class UnknownTaxonomyError(PermanentError, KeyError):
    """An episode names a taxonomy the file lacks: no retry can help, so dead-letter at once."""


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    slug: str
    name: str
    description: str = ""
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)


class Taxonomy(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    sections: list[Section]

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)

    @property
    def slugs(self) -> list[str]:
        return [s.slug for s in self.sections]


class TaxonomyBook(BaseModel):
    """Every taxonomy in a file, and the one used when a feed names none."""

    model_config = ConfigDict(frozen=True)

    default: str
    taxonomies: list[Taxonomy]

    def get(self, name: str | None) -> Taxonomy:
        wanted = name or self.default
        for taxonomy in self.taxonomies:
            if taxonomy.name == wanted:
                return taxonomy
        known = ", ".join(t.name for t in self.taxonomies)
        raise UnknownTaxonomyError(f"unknown taxonomy {wanted!r} (known: {known})")


def load_taxonomies(path: Path | None = None) -> TaxonomyBook:
    source = path or DEFAULT_TAXONOMY_FILE
    return TaxonomyBook.model_validate(read_yaml(source, "taxonomy file"))
