"""Alembic environment: runs on the engine handed over by :func:`lifenet.migrations.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

import lifenet.audit
import lifenet.network.models
import lifenet.registry.models  # noqa: F401 - registers the tables on Base.metadata
from lifenet.db import Base

config = context.config
engine: Engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    context.run_migrations()
