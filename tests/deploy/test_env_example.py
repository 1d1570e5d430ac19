"""deploy/.env.example documents every setting a newsdesk process reads, and nothing else."""

from __future__ import annotations

import json
import re

import pytest
from pydantic.fields import FieldInfo

from tests.deploy.compose import ENV_EXAMPLE, env_file_values, settings_fields

# A documented setting: `NAME=value`, or commented out to show its default: `# NAME=value`.
ENTRY = re.compile(r"^#?\s*(NEWSDESK_[A-Z0-9_]+)=", re.MULTILINE)


def documented() -> list[str]:
    return ENTRY.findall(ENV_EXAMPLE.read_text())


def stanza(name: str, field: FieldInfo) -> str:
    """What to paste for a missing setting: its description, then its default."""
    value = field.get_default(call_default_factory=True)
    if value is None:
        value = ""
    elif isinstance(value, bool):
        value = str(value).lower()
    elif isinstance(value, list | dict):
        value = json.dumps(value)
    return f"# {field.description or 'TODO: what it does'}\n# {name}={value}"


def test_every_setting_is_in_env_example() -> None:
    fields = settings_fields()
    missing = sorted(set(fields) - set(documented()))
    pastable = "\n\n".join(stanza(name, fields[name][2]) for name in missing)
    assert not missing, f"deploy/.env.example lacks {missing}; document each, e.g.:\n\n{pastable}"


def test_env_example_names_only_real_settings_each_once() -> None:
    names = documented()
    assert sorted(set(names) - set(settings_fields())) == []
    assert len(names) == len(set(names))


def test_every_setting_in_env_example_has_a_comment_saying_what_it_does() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    bare = []
    for i, line in enumerate(lines):
        if ENTRY.match(line):
            # A run of related entries (RETRY_BASE_S, RETRY_MAX_S) shares the comment above it.
            above = next((a for a in reversed(lines[:i]) if not ENTRY.match(a)), "")
            bare += [] if above.startswith("#") else [line]
    assert bare == []


def test_the_values_env_example_sets_load_in_every_settings_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = env_file_values(ENV_EXAMPLE)
    assert values, "the compose stack needs at least NEWSDESK_REDIS_URL set"
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for cls in {cls for cls, _, _ in settings_fields().values()}:
        cls(_env_file=None)
