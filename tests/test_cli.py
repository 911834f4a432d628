"""The ``lifenet`` command, run as an operator would, on a fresh SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifenet.cli import app as cli

runner = CliRunner()


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LIFENET_DATABASE_URL", url)
    monkeypatch.setenv("LIFENET_ENVIRONMENT", "development")
    return url


def test_demo_seeds_once_and_lists_the_accounts(fresh_db: str) -> None:
    first = runner.invoke(cli, ["demo", "--no-serve", "--registry-runs", "20"])
    assert first.exit_code == 0, first.output
    assert "funan.doctor" in first.output and "lifenet-demo-2026" in first.output
    second = runner.invoke(cli, ["demo", "--no-serve", "--registry-runs", "20"])
    assert second.exit_code == 0
    assert "not seeding" in second.output


def test_user_add_list_and_disable(fresh_db: str) -> None:
    runner.invoke(cli, ["demo", "--no-serve", "--registry-runs", "20"])
    added = runner.invoke(
        cli,
        [
            "user",
            "add",
            "funan.nurse",
            "--name",
            "护士",
            "--home",
            "funan",
            "--role",
            "clinician",
            "--password",
            "long-password-1",
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["user", "list"])
    assert "funan.nurse" in listed.output and "clinician@funan" in listed.output
    disabled = runner.invoke(cli, ["user", "disable", "funan.nurse", "--reason", "left"])
    assert disabled.exit_code == 0
    assert "funan.nurse" in runner.invoke(cli, ["user", "list"]).output


def test_user_add_names_the_bad_option(fresh_db: str) -> None:
    runner.invoke(cli, ["migrate"])
    runner.invoke(cli, ["demo", "--no-serve", "--registry-runs", "20"])
    unknown_home = runner.invoke(
        cli,
        [
            "user",
            "add",
            "x.y",
            "--name",
            "X",
            "--home",
            "nowhere",
            "--role",
            "clinician",
            "--password",
            "long-password-1",
        ],
    )
    assert unknown_home.exit_code == 2
    assert "--home" in unknown_home.output
    duplicate = runner.invoke(
        cli,
        [
            "user",
            "add",
            "admin",
            "--name",
            "X",
            "--home",
            "hub",
            "--role",
            "clinician",
            "--password",
            "long-password-1",
        ],
    )
    assert duplicate.exit_code == 2
    assert "taken" in duplicate.output


def test_serve_refuses_a_placeholder_secret_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFENET_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("LIFENET_ENVIRONMENT", "production")
    monkeypatch.delenv("LIFENET_SECRET_KEY", raising=False)
    result = runner.invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "LIFENET_SECRET_KEY" in result.output


def test_migrate_creates_the_schema(fresh_db: str) -> None:
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0 and "up to date" in result.output


def test_demo_seeds_the_registry_with_valid_runs(fresh_db: str) -> None:
    from sqlalchemy import func, select

    from lifenet.db import make_engine, make_sessionmaker
    from lifenet.registry.models import RegistryRecord

    assert runner.invoke(cli, ["demo", "--no-serve", "--registry-runs", "20"]).exit_code == 0
    with make_sessionmaker(make_engine(fresh_db))() as session:
        runs = session.scalar(
            select(func.count()).select_from(RegistryRecord).where(RegistryRecord.form == "ecls_run")
        )
    assert runs == 20
