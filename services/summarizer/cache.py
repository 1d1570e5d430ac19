"""Summaries by content hash: what a replay reads instead of paying twice for a completion."""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from schemas.model import Summary


class SummaryCache(Protocol):
    def get(self, key: str) -> Summary | None: ...

    def put(self, key: str, summary: Summary) -> None: ...


def content_key(*, model: str, prompt_version: str, text: str, entities: Sequence[str]) -> str:
    """sha256 of everything that decides the completion: model, prompt, story text, entities."""
    material = json.dumps(
        {"model": model, "prompt": prompt_version, "text": text, "entities": sorted(entities)},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class MemoryCache:
    """The most recently used summaries, in process."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._items: OrderedDict[str, Summary] = OrderedDict()

    def get(self, key: str) -> Summary | None:
        summary = self._items.get(key)
        if summary is not None:
            self._items.move_to_end(key)
        return summary

    def put(self, key: str, summary: Summary) -> None:
        self._items[key] = summary
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class FileCache:
    """One JSON file per summary under a folder: survives restarts, shared by local workers."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> Summary | None:
        path = self._folder / f"{key}.json"
        try:
            return Summary.model_validate_json(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None  # a missing or torn file is a miss; the next put rewrites it

    def put(self, key: str, summary: Summary) -> None:
        path = self._folder / f"{key}.json"
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(summary.model_dump_json(), encoding="utf-8")
        partial.replace(path)  # atomic, so a concurrent reader never sees half a file
