"""The tests' named world: the demo network, on SQLite always and on PostgreSQL too when
``LIFENET_TEST_DATABASE_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).

Each test gets its own database, cloned from a template that was migrated and seeded once per
test process: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from lifenet.access import Principal
from lifenet.app import create_app
from lifenet.db import make_engine, make_sessionmaker
from lifenet.demo import seed_demo
from lifenet.migrations import upgrade
from lifenet.network import actions, queries
from lifenet.network.demo import DemoNetwork
from lifenet.network.schemas import ApiTokenCreate
from lifenet.settings import Settings

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
PG_URL = os.environ.get("LIFENET_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# The personas of STYLE.md, by their demo usernames.
PERSONAS = {
    "admin": "admin",  # network administrator (whole network)
    "hub_admin": "hub.admin",  # hospital administrator of the hub
    "hub_expert": "expert",  # hub expert, stationed at Funan (county A) for six months
    "county_a_doctor": "funan.doctor",
    "county_b_doctor": "linquan.doctor",
    "county_a_dm": "funan.dm",
    "quality_officer": "quality",
    "commission_viewer": "commission",
    "researcher": "researcher",
}


@dataclass
class Template:
    backend: str
    url: str
    demo: DemoNetwork


def _settings(url: str) -> Settings:
    return Settings(environment="test", database_url=url, secret_key=TEST_SECRET, log_level="WARNING")


def _seed(url: str) -> DemoNetwork:
    engine = make_engine(url)
    upgrade(engine)
    session = make_sessionmaker(engine)()
    try:
        return seed_demo(session, registry_runs=0)
    finally:
        session.close()
        engine.dispose()


def _admin_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Template]]:
    built: dict[str, Template] = {}
    path = tmp_path_factory.mktemp("db") / "template.db"
    built["sqlite"] = Template("sqlite", f"sqlite:///{path}", _seed(f"sqlite:///{path}"))
    pg_template = None
    if PG_URL:
        pg_template = f"lifenet_tpl_{uuid.uuid4().hex[:10]}"
        _pg_execute(f'CREATE DATABASE "{pg_template}"')
        url = _admin_url(PG_URL, pg_template)
        built["postgresql"] = Template("postgresql", url, _seed(url))
    yield built
    if pg_template:
        _pg_execute(f'DROP DATABASE IF EXISTS "{pg_template}" WITH (FORCE)')


def _pg_execute(sql: str) -> None:
    assert PG_URL
    engine = make_engine(PG_URL)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(sql))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, templates: dict[str, Template], tmp_path: Path
) -> Iterator[str]:
    template = templates[request.param]
    if template.backend == "sqlite":
        source = Path(make_url(template.url).database or "")
        target = tmp_path / "lifenet.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    name = f"lifenet_t_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template.url).database}"')
    yield _admin_url(template.url, name)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class World:
    """The demo network in a fresh database, with a client factory for each persona."""

    app: Any
    demo: DemoNetwork
    settings: Settings
    clients: list[TestClient] = field(default_factory=list)

    def session(self) -> Session:
        session: Session = self.app.state.sessionmaker()
        return session

    def unit(self, code: str) -> int:
        return self.demo.unit(code)

    def user_id(self, persona_or_username: str) -> int:
        return self.demo.users[PERSONAS.get(persona_or_username, persona_or_username)]

    def principal(self, persona_or_username: str) -> Principal:
        """What the persona may do where, as the actions see it."""
        with self.session() as session:
            user = queries.user_by_username(session, PERSONAS.get(persona_or_username, persona_or_username))
            assert user is not None
            return queries.load_principal(session, user)

    def client(self) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        self.clients.append(client)
        return client

    def anonymous(self) -> tuple[TestClient, str]:
        """A signed-out browser that has loaded the log-in page (so it holds a CSRF cookie)."""
        client = self.client()
        page = client.get("/login")
        return client, _csrf_from(page.text)

    def page_client(self, persona: str) -> tuple[TestClient, str]:
        """A browser signed in as ``persona``; returns it and its CSRF token."""
        client = self.client()
        with self.session() as session:
            user = queries.user_by_username(session, PERSONAS.get(persona, persona))
            assert user is not None
            started = actions.do_start_session(session, _policy(self.settings), user)
        client.cookies.set("lifenet_session", started.token)
        return client, started.csrf_token

    def api_client(self, persona: str) -> TestClient:
        """An API client with a personal token of ``persona``."""
        client = self.client()
        with self.session() as session:
            user = queries.user_by_username(session, PERSONAS.get(persona, persona))
            assert user is not None
            _token, secret = actions.do_create_api_token(
                session, TEST_SECRET, user, ApiTokenCreate(name="tests", expires_in_days=1)
            )
        client.headers["Authorization"] = f"Bearer {secret}"
        return client


def _policy(settings: Settings) -> actions.LoginPolicy:
    return actions.LoginPolicy(
        secret=TEST_SECRET,
        max_failures=settings.login_max_failures,
        lock_minutes=settings.login_lock_minutes,
        session_hours=settings.session_hours,
    )


def _csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def world(database_url: str, templates: dict[str, Template]) -> Iterator[World]:
    settings = _settings(database_url)
    app = create_app(settings)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    built = World(app=app, demo=templates[backend].demo, settings=settings)
    yield built
    for client in built.clients:
        client.close()
    app.state.engine.dispose()
