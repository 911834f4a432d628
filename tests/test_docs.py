"""The docs describe what exists: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from lifenet.cli import app as cli
from lifenet.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_in_the_settings_reference() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`LIFENET_{name.upper()}`" not in text]
    assert not missing, f"document these settings in docs/settings.md: {missing}"


def _commands(app: typer.Typer, prefix: str = "lifenet") -> list[str]:
    found = [f"{prefix} {c.name or c.callback.__name__}" for c in app.registered_commands if c.callback]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        found += _commands(group.typer_instance, f"{prefix} {group.name}")
    return found


def test_every_cli_command_is_in_the_cli_reference() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(cli)
    assert len(commands) >= 7
    missing = [c for c in commands if f"`{c}" not in text]
    assert not missing, f"document these commands in docs/cli.md: {missing}"
