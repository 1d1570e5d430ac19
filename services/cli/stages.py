"""The composition root's registry: every worker by name, built from settings."""

from __future__ import annotations

from collections.abc import Callable

from services.classifier import main as classifier
from services.fetcher import main as fetcher
from services.notifier import main as notifier
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.segmenter import main as segmenter
from services.store import main as store
from services.summarizer import main as summarizer
from services.transcriber import main as transcriber

StageFactory = Callable[[Settings, str], Stage]

STAGES: dict[str, StageFactory] = {
    "fetcher": fetcher.build_stage,
    "transcriber": transcriber.build_stage,
    "segmenter": segmenter.build_stage,
    "classifier": classifier.build_stage,
    "summarizer": summarizer.build_stage,
    "store": store.build_stage,
    "notifier": notifier.build_stage,
}


def build_stages(settings: Settings, redis_url: str, names: list[str] | None = None) -> list[Stage]:
    return [STAGES[name](settings, redis_url) for name in names or list(STAGES)]
