"""The guides' commands are real: every `newsdesk ...` parses, every service named exists."""

from __future__ import annotations

import re
import shlex

from tests.deploy.compose import ROOT, compose_config, parse_command

GUIDES = [ROOT / "deploy" / "README.md", ROOT / "README.md"]


def shell_lines() -> list[str]:
    """Commands in the guides' ```bash blocks, one per `;` or `&&`, without comments."""
    lines = []
    for guide in GUIDES:
        for block in re.findall(r"```bash\n(.*?)```", guide.read_text(), re.DOTALL):
            for line in block.splitlines():
                lines += re.split(r";|&&", line.split("  #")[0])
    return [line.strip() for line in lines if line.strip()]


def test_every_newsdesk_command_in_the_guides_parses() -> None:
    commands = [shlex.split(line[line.index("newsdesk ") :]) for line in shell_lines()
                if re.search(r"(^|\s)newsdesk ", line)]  # fmt: skip
    assert len(commands) >= 10
    for argv in commands:
        parse_command(argv)


def test_every_service_the_guides_scale_or_run_exists() -> None:
    services = set(compose_config()["services"])
    named = [name for line in shell_lines() for name in re.findall(r"--scale (\w+)=", line)]
    named += [
        m for line in shell_lines() for m in re.findall(r"compose run --rm (?:-v \S+ )?(\w+)", line)
    ]
    assert named and set(named) <= services
