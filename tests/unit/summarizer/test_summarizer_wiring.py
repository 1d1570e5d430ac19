"""The summarizer and classifier use a chat model only when one is configured."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.classifier.main import chat_labeller
from services.runtime.settings import Settings
from services.summarizer.main import llm_summarizer


async def test_offline_unless_an_endpoint_and_model_are_set(tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        assert llm_summarizer(Settings(data_dir=tmp_path), client) is None
        assert llm_summarizer(Settings(data_dir=tmp_path, llm_model="m"), client) is None
    assert chat_labeller(Settings(llm_base_url="http://127.0.0.1:1/v1")) is None


async def test_configured_endpoint_builds_the_llm_backends(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        llm_base_url="http://127.0.0.1:1/v1",
        llm_model="small",
        llm_usd_per_million_input=0.5,
        llm_fallback=False,
    )
    async with httpx.AsyncClient() as client:
        llm = llm_summarizer(settings, client)
    assert llm is not None
    assert (llm.config.model, llm.config.usd_per_million_input, llm.config.fallback) == (
        "small",
        0.5,
        False,
    )
    assert (tmp_path / "summary-cache").is_dir()
    assert chat_labeller(settings) is not None
    assert chat_labeller(settings.model_copy(update={"llm_classify": False})) is None
