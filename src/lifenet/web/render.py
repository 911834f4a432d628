"""Rendering pages: one Jinja2 environment, the base layout, and the module navigation."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from lifenet.access import Permission, Principal
from lifenet.lib.errors import N_, Conflict, FieldError, InvalidInput
from lifenet.web import i18n
from lifenet.web.deps import ANON_CSRF_COOKIE, PageUser, get_settings, request_language

TEMPLATE_DIR = Path(__file__).parent / "templates"
# ``_`` and ``ngettext`` are passed per render, bound to the user's language.
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(), undefined=StrictUndefined
    )
)
templates.env.globals["languages"] = i18n.LANGUAGES
templates.env.globals["html_lang"] = i18n.HTML_LANG
templates.env.globals["unit_label"] = i18n.unit_label


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str | None
    permission: Permission | None = None

    def shown_to(self, principal: Principal) -> bool:
        return self.permission is None or principal.can_anywhere(self.permission)


# Modules to come are listed (greyed) so the layout already has their place.
NAV: tuple[NavItem, ...] = (
    NavItem("home", N_("Home"), "/"),
    NavItem("network", N_("Network"), "/network", Permission.VIEW_ORG),
    NavItem("users", N_("Users"), "/network/users", Permission.MANAGE_USERS),
    NavItem("registry", N_("Registry"), "/registry", Permission.READ_PATIENTS),
    NavItem("quality", N_("Quality"), None),
    NavItem("early_warning", N_("Early warning"), "/early-warning/scores"),
    NavItem("referral", N_("Referral"), None),
    NavItem("capacity", N_("Capacity"), None),
)


def error_status(exc: InvalidInput) -> int:
    """409 when the input clashes with what exists, 422 when it is wrong in itself."""
    return 409 if isinstance(exc, Conflict) else 422


def translate_errors(
    language: str, errors: list[FieldError], translate: Callable[..., str] | None = None
) -> dict[str, str]:
    """Field name -> message in the user's language, for showing errors beside their field
    (``translate``: a translator that knows more than the catalog, e.g. a dictionary's checks)."""
    _ = translate or i18n.gettext_for(language)
    return {e.field: _(e.message, **e.params) for e in errors}


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    user: PageUser | None = None,
    language: str | None = None,
    status_code: int = 200,
    active: str = "",
) -> HTMLResponse:
    """Render a page in the user's language; signed-out pages get a double-submit CSRF cookie."""
    lang = user.language if user else (language or request_language(request))
    anon_csrf = None
    if user is None:
        anon_csrf = request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(32)
    full: dict[str, Any] = {
        "_": i18n.gettext_for(lang),
        "ngettext": i18n.ngettext_for(lang),
        "lang": lang,
        "page_user": user,
        "csrf_token": user.csrf_token if user else anon_csrf,
        "nav": [n for n in NAV if user is None or n.shown_to(user.principal)] if user else [],
        "active": active,
    }
    full.update(context or {})
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    if anon_csrf is not None:
        settings = get_settings(request)
        response.set_cookie(
            ANON_CSRF_COOKIE, anon_csrf, httponly=True, samesite="strict", secure=settings.secure_cookies
        )
    return response
