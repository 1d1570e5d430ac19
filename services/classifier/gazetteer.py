"""Gazetteer: the organisations, people, products and models stories name (seeds/entities.yaml)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.nlp.settings_file import read_yaml

DEFAULT_GAZETTEER_FILE = Path(__file__).resolve().parents[2] / "seeds" / "entities.yaml"

EntityType = Literal["org", "person", "product", "model", "place", "other"]


class Versions(BaseModel):
    """How a versioned name is spelled: "GPT" + "5.5" → "GPT-5.5", "Kimi" + "k2" → "Kimi K2"."""

    model_config = ConfigDict(frozen=True)

    type: EntityType = "model"
    joiner: str = " "
    variants: list[str] = Field(default_factory=list)


class Entry(BaseModel):
    """One named thing and every way speech and spelling render it.

    aliases      always name it, in any case ("Anthropic", "Anthropik", "OpenAI", "Open AI").
    capitalised  everyday words that name it only when written exactly so ("Meta", "US");
                 in lower-case speech they need context.
    sounds_like  everyday words speech recognition puts in its place ("cloud" for Claude);
                 they always need context, or a version number right after them.
    context      words near a weak mention that show it is this entity.
    generic_before / generic_after
                 neighbouring words that show the everyday sense ("the cloud", "cloud providers").
    versions     set for families whose members carry a version ("GPT-5.5").
    bare         whether the family name alone, with no version, names it.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    type: EntityType
    aliases: list[str] = Field(default_factory=list)
    capitalised: list[str] = Field(default_factory=list)
    sounds_like: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    generic_before: list[str] = Field(default_factory=list)
    generic_after: list[str] = Field(default_factory=list)
    versions: Versions | None = None
    bare: bool = True


class Gazetteer(BaseModel):
    model_config = ConfigDict(frozen=True)

    entries: list[Entry]

    def merged(self, extra: Iterable[Entry]) -> Gazetteer:
        """Entries from `extra` replace those of the same name and add the rest."""
        added = {e.name: e for e in extra}
        kept = [e for e in self.entries if e.name not in added]
        return Gazetteer(entries=[*kept, *added.values()])

    def entry(self, name: str) -> Entry | None:
        return next((e for e in self.entries if e.name == name), None)


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    source = path or DEFAULT_GAZETTEER_FILE
    return Gazetteer.model_validate(read_yaml(source, "gazetteer file"))
