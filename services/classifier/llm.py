"""LLM labeller: a story → a section slug, from any OpenAI-compatible chat completions endpoint."""

from __future__ import annotations

import re

import httpx

from services.nlp.taxonomy import Taxonomy

SYSTEM = (
    "You label news stories with exactly one section of a taxonomy. "
    "Answer with the section's slug only, or 'unknown' if none fits."
)


def prompt(text: str, taxonomy: Taxonomy, *, max_chars: int) -> str:
    sections = "\n".join(f"- {s.slug}: {s.description or s.name}" for s in taxonomy.sections)
    story = text if len(text) <= max_chars else text[:max_chars] + " …"
    return f"Sections:\n{sections}\n\nStory:\n{story}\n\nSlug:"


def parse_slug(answer: str, taxonomy: Taxonomy) -> str | None:
    """The first slug the answer names; None when it names none (or says unknown)."""
    found = [
        (m.start(), slug)
        for slug in taxonomy.slugs
        if (m := re.search(rf"(?<![\w-]){re.escape(slug)}(?![\w-])", answer.lower()))
    ]
    return min(found)[1] if found else None


class ChatLabeller:
    """Asks a chat model for a story's section; abstains (None) when the call fails.

    Abstaining leaves the decision to the content classifier, so an unreachable model
    slows stories down but never stops them.
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 20.0,
        max_chars: int = 6000,
        client: httpx.Client | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.Client(timeout=timeout_s)
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._headers = headers
        self._model = model
        self._max_chars = max_chars

    def __call__(self, text: str, taxonomy: Taxonomy) -> str | None:
        body = {
            "model": self._model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt(text, taxonomy, max_chars=self._max_chars)},
            ],
        }
        try:
            response = self._client.post(self._url, json=body, headers=self._headers)
            response.raise_for_status()
            answer = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError):
            return None
        return parse_slug(str(answer), taxonomy)
