"""Settings: safe defaults, secrets from files, no placeholder secret in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lifenet.settings import PLACEHOLDER_SECRET, Settings


def test_production_refuses_the_placeholder_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIFENET_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="LIFENET_SECRET_KEY"):
        Settings(environment="production")


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key="short")


def test_development_accepts_the_placeholder() -> None:
    assert Settings(environment="development").secret_key.get_secret_value() == PLACEHOLDER_SECRET


def test_the_default_database_is_embedded_sqlite() -> None:
    settings = Settings(environment="development")
    assert settings.database_url == "sqlite:///./lifenet.db" and settings.is_sqlite


def test_a_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s" * 48 + "\n")
    monkeypatch.setenv("LIFENET_SECRET_KEY_FILE", str(secret))
    monkeypatch.setenv("LIFENET_ENVIRONMENT", "production")
    assert Settings().secret_key.get_secret_value() == "s" * 48


def test_environment_variables_configure_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFENET_DATABASE_URL", "postgresql+psycopg://lifenet@db/lifenet")
    monkeypatch.setenv("LIFENET_ENVIRONMENT", "development")
    assert not Settings().is_sqlite
