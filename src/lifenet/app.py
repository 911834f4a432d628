"""The application factory: mounts every module's API routes and pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.routing import BaseRoute, Route

from lifenet import __version__
from lifenet.db import make_engine, make_sessionmaker
from lifenet.early_warning import api as early_warning_api
from lifenet.early_warning import pages as early_warning_pages
from lifenet.network import api as network_api
from lifenet.network import pages as network_pages
from lifenet.registry import actions as registry_actions  # noqa: F401 - registers its org-unit delete guard
from lifenet.registry import api as registry_api
from lifenet.registry import data_pages as registry_data_pages
from lifenet.registry import pages as registry_pages
from lifenet.settings import Settings, get_settings
from lifenet.web.errors import install_error_handlers
from lifenet.web.middleware import RequestLog, SecurityHeaders, configure_logging
from lifenet.web.render import render

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="LifeNet API",
        version=__version__,
        description="JSON API of LifeNet. Authenticate with a personal API token: `Authorization: Bearer <token>`.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the default page loads its scripts from a CDN; ours serves its own
        redoc_url=None,
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(network_api.router)
    app.include_router(network_pages.router)
    app.include_router(registry_api.router)
    app.include_router(registry_pages.router)
    app.include_router(registry_data_pages.router)
    app.include_router(early_warning_api.router)
    app.include_router(early_warning_pages.router)
    _core_routes(app)
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    app.add_middleware(RequestLog)
    return app


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers (for tests and docs).

    Routers are included without an extra prefix: their own prefix is already in each path.
    """
    found: set[tuple[str, str]] = set()
    pending: list[BaseRoute] = list(app.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)
        if included is not None:
            pending.extend(included.routes)
        elif isinstance(route, Route):
            found.update((m, route.path) for m in route.methods or () if m != "HEAD")
    return found


def _core_routes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        """For operators and load balancers: is the app up and the database reachable?"""
        try:
            with app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__, "database": "ok"})

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        """The OpenAPI explorer, from LifeNet's own static files (no CDN)."""
        return render(request, "api_docs.html")
