"""LifeNet's settings: one class, ``LIFENET_*`` environment variables.

SQLite at ``./lifenet.db`` is the default; PostgreSQL is one variable away
(``LIFENET_DATABASE_URL=postgresql+psycopg://user@host/db``). A secret may be given in a file
named by ``<NAME>_FILE`` (e.g. ``LIFENET_SECRET_KEY_FILE=/run/secrets/lifenet``), so it never
sits in the process environment. Outside development, start-up refuses the placeholder secret.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the value refused outside development

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIFENET_", extra="ignore")

    environment: Environment = Field(
        "production", description="development, test or production; only production refuses unsafe defaults."
    )
    database_url: str = Field("sqlite:///./lifenet.db", description="SQLAlchemy URL of the database.")
    secret_key: SecretStr = Field(
        SecretStr(PLACEHOLDER_SECRET),
        description="Key for hashing session and API tokens; long and random in production.",
    )
    secure_cookies: bool = Field(
        False, description="Mark cookies Secure (set true behind HTTPS) and send HSTS."
    )
    session_hours: float = Field(12.0, description="Hours a page session lasts without activity.")
    login_max_failures: int = Field(5, description="Failed logins in a row before the account is locked.")
    login_lock_minutes: float = Field(
        15.0, description="Minutes an account stays locked after too many failures."
    )
    default_language: Literal["zh_Hans", "en"] = Field(
        "zh_Hans", description="Page language when neither the user nor the browser says."
    )
    timezone: str = Field(
        "Asia/Shanghai",
        description="IANA time zone of the network's hospitals: date-times typed without an offset are read in it.",
    )
    log_json: bool = Field(True, description="Write logs as one JSON object per line.")
    log_level: str = Field("INFO", description="Python logging level.")

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name in ("secret_key", "database_url"):
            path = os.environ.get(f"LIFENET_{name.upper()}_FILE")
            if path and name not in data:
                data[name] = Path(path).read_text(encoding="utf-8").strip()
        return data

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.environment == "production" and (secret == PLACEHOLDER_SECRET or len(secret) < 32):
            raise ValueError(
                "LIFENET_SECRET_KEY is the placeholder or shorter than 32 characters; "
                "set a long random value (or LIFENET_SECRET_KEY_FILE), "
                "or LIFENET_ENVIRONMENT=development for a trial."
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@cache
def get_settings() -> Settings:
    return Settings()
