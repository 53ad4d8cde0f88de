"""Fill the README's example outputs by running the commands they show.

A block in README.md written as

    <!-- output: commission route examples/day-care-restricted.yaml -->
    ```text
    ...
    ```

is replaced by what that command prints (run from the repository root, 100
columns wide). `tests/test_docs.py` fails when a block is out of date, so the
README cannot drift from the tool. Run: python scripts/update_docs.py
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- output: (?P<cmd>.+?) -->\n```(?P<lang>\w*)\n)(?P<body>.*?)(```)", re.S)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def run(command: str) -> str:
    args = shlex.split(command)
    assert args[0] == "commission", "only commission commands are documented this way"
    env = {
        **os.environ,
        "COLUMNS": "100",
        "SOURCE_DATE_EPOCH": "1795392000",
        "NO_COLOR": "1",
        "TERM": "dumb",
    }
    env.pop("COMMISSION_RULES", None)
    result = subprocess.run(
        [sys.executable, "-m", "commission_cli", *args[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    text = result.stdout + result.stderr
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + run(m.group("cmd")) + m.group(5), text)


CLI_REFERENCE = ROOT / "docs" / "cli.md"


def commands() -> list[str]:
    """Every command line a user can ask --help of, from the registry itself."""
    sys.path.insert(0, str(ROOT))
    from commission_cli.cli import COMMANDS, build_app

    out = []
    for name in COMMANDS:
        app = build_app(name)
        groups = [g for g in app.registered_groups if g.name == name]
        if groups:  # a command with subcommands: each has its own --help
            sub = groups[0].typer_instance
            assert sub is not None
            out += [f"{name} {c.name}" for c in sub.registered_commands]
        else:
            out.append(name)
    return out


def cli_reference() -> str:
    parts = [
        "# Command reference",
        "",
        "Generated from each command's `--help` by `python scripts/update_docs.py`;",
        "`tests/test_docs.py` fails when it is out of date or a command has no help.",
        "",
    ]
    for command in ["", *commands()]:
        title = f"commission {command}".strip()
        parts += [f"## {title}", "", "```text", run(f"{title} --help").rstrip(), "```", ""]
    return "\n".join(parts)


def main() -> None:
    README.write_text(render(README.read_text(encoding="utf-8")), encoding="utf-8")
    CLI_REFERENCE.parent.mkdir(exist_ok=True)
    CLI_REFERENCE.write_text(cli_reference(), encoding="utf-8")


if __name__ == "__main__":
    main()
