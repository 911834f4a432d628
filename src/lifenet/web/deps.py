"""Request dependencies shared by every module's pages and API routes.

Pages authenticate with a server-side session cookie and check a CSRF token on every form;
the API authenticates with a personal bearer token (no ambient cookie, so no CSRF).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lifenet.access import Principal
from lifenet.network import actions as network_actions
from lifenet.network import queries as network_queries
from lifenet.network.models import User, WebSession
from lifenet.settings import Settings
from lifenet.web import i18n

SESSION_COOKIE = "lifenet_session"
LANGUAGE_COOKIE = "lifenet_lang"
ANON_CSRF_COOKIE = "lifenet_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No valid session: pages redirect to the log-in page, saying whether the session expired."""

    def __init__(self, expired: bool) -> None:
        self.expired = expired
        super().__init__("login required")


class ApiUnauthorized(Exception):
    """No valid bearer token on an API call."""


class CsrfFailed(Exception):
    """A form arrived without the CSRF token of the session that showed it."""


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


Db = Annotated[Session, Depends(get_db)]


def login_policy(settings: Settings) -> network_actions.LoginPolicy:
    return network_actions.LoginPolicy(
        secret=settings.secret_key.get_secret_value(),
        max_failures=settings.login_max_failures,
        lock_minutes=settings.login_lock_minutes,
        session_hours=settings.session_hours,
    )


def request_language(request: Request, user: User | None = None) -> str:
    """The user's own choice, else the language cookie, else the browser's, else the default."""
    settings = get_settings(request)
    return (
        (user.language if user is not None else None)
        or i18n.normalize(request.cookies.get(LANGUAGE_COOKIE))
        or i18n.from_accept_language(request.headers.get("accept-language"))
        or settings.default_language
    )


@dataclass
class PageUser:
    """The signed-in user of a page request, with their principal and language."""

    user: User
    principal: Principal
    web_session: WebSession
    language: str

    @property
    def csrf_token(self) -> str:
        return self.web_session.csrf_token


def page_user(request: Request, db: Db) -> PageUser:
    token = request.cookies.get(SESSION_COOKIE)
    settings = get_settings(request)
    found = (
        network_queries.user_by_session_token(db, settings.secret_key.get_secret_value(), token)
        if token
        else None
    )
    if found is None:
        raise LoginRequired(expired=token is not None)
    user, web_session = found
    network_actions.do_touch_session(db, login_policy(settings), web_session)
    current = PageUser(
        user=user,
        principal=network_queries.load_principal(db, user),
        web_session=web_session,
        language=request_language(request, user),
    )
    request.state.page_user = current
    return current


CurrentPageUser = Annotated[PageUser, Depends(page_user)]


async def csrf_protect(request: Request) -> None:
    """Every state-changing page request must carry the token its form was rendered with.

    Signed-in: the session's token. Signed out (the log-in form): the double-submit cookie.
    """
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = _expected_csrf(request)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfFailed()


def _expected_csrf(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        settings = get_settings(request)
        session: Session = request.app.state.sessionmaker()
        try:
            found = network_queries.user_by_session_token(
                session, settings.secret_key.get_secret_value(), token
            )
        finally:
            session.close()
        if found is not None:
            return found[1].csrf_token
    return request.cookies.get(ANON_CSRF_COOKIE)


CsrfChecked = Depends(csrf_protect)


@dataclass
class ApiUser:
    user: User
    principal: Principal


def api_user(request: Request, db: Db) -> ApiUser:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiUnauthorized()
    settings = get_settings(request)
    found = network_queries.user_by_api_token(db, settings.secret_key.get_secret_value(), token.strip())
    if found is None:
        raise ApiUnauthorized()
    user, api_token = found
    network_actions.do_mark_token_used(db, api_token)
    return ApiUser(user=user, principal=network_queries.load_principal(db, user))


CurrentApiUser = Annotated[ApiUser, Depends(api_user)]


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form's text fields (files are read by the routes that take them)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormData = Annotated[dict[str, str], Depends(form_data)]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect a user to another host after logging in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
