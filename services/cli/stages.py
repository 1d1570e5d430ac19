"""The composition root's registry: every worker by name, built from settings on demand."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from services.runtime.settings import Settings
from services.runtime.stage import Stage

StageFactory = Callable[[Settings, str], Stage]

_MODULES = {
    "fetcher": "services.fetcher.main",
    "transcriber": "services.transcriber.main",
    "segmenter": "services.segmenter.main",
    "classifier": "services.classifier.main",
    "summarizer": "services.summarizer.main",
    "store": "services.store.main",
    "notifier": "services.notifier.main",
}


def _factory(module: str) -> StageFactory:
    def build(settings: Settings, redis_url: str) -> Stage:
        # Imported on use: a worker process loads only its own stage's libraries and models.
        main = importlib.import_module(module)
        return cast(StageFactory, main.build_stage)(settings, redis_url)

    return build


STAGES: dict[str, StageFactory] = {name: _factory(module) for name, module in _MODULES.items()}


def build_stages(settings: Settings, redis_url: str, names: list[str] | None = None) -> list[Stage]:
    return [STAGES[name](settings, redis_url) for name in names or list(STAGES)]
