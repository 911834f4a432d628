"""HTML pages of the network module: log in and out, language, home, org units, users, account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lifenet.access import Permission
from lifenet.lib.errors import N_, InvalidInput
from lifenet.network import actions, queries
from lifenet.network.models import HOSPITAL_LEVELS, NETWORK_ROLES, ORG_UNIT_KINDS, UNIT_TYPES, OrgUnit
from lifenet.network.passwords import verify_password
from lifenet.network.schemas import ApiTokenCreate, GrantCreate, OrgUnitCreate, OrgUnitUpdate, UserCreate
from lifenet.web import i18n
from lifenet.web.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CsrfChecked,
    CurrentPageUser,
    Db,
    FormData,
    PageUser,
    get_settings,
    login_policy,
    request_language,
    safe_next,
)
from lifenet.web.forms import parse_form
from lifenet.web.render import error_status, render, translate_errors

router = APIRouter(include_in_schema=False)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ----- log in / out, language ---------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", expired: int = 0) -> Response:
    message = N_("Your session has expired. Please log in again.") if expired else None
    return render(
        request, "login.html", {"next": safe_next(next), "notice": message, "error": None, "username": ""}
    )


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, db: Db, form: FormData) -> Response:
    settings = get_settings(request)
    client = request.client.host if request.client else "unknown"
    target = safe_next(form.get("next"))
    try:
        started = actions.do_login(
            db, login_policy(settings), form.get("username", ""), form.get("password", ""), client
        )
    except actions.LoginRefused as refused:
        _ = i18n.gettext_for(request_language(request))
        context = {"next": target, "notice": None, "error": _(refused.message, **refused.params)}
        context["username"] = form.get("username", "")
        return render(request, "login.html", context, status_code=401)
    response = _redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=int(settings.session_hours * 3600),
    )
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, db: Db) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        actions.do_logout(db, login_policy(get_settings(request)), token)
    response = _redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language", dependencies=[CsrfChecked])
def set_language(request: Request, db: Db, form: FormData) -> Response:
    """Choose the page language; saved on the account when signed in, in a cookie otherwise."""
    wanted = form.get("language", "")
    language = i18n.normalize(wanted)
    if language is None:
        _ = i18n.gettext_for(request_language(request))
        return render(
            request,
            "error.html",
            {
                "status": 400,
                "title": N_("Unsupported language"),
                "message": N_("Unsupported language %(language)s: choose zh_Hans or en."),
                "params": {"language": wanted},
            },
            status_code=400,
        )
    token = request.cookies.get(SESSION_COOKIE)
    settings = get_settings(request)
    found = (
        queries.user_by_session_token(db, settings.secret_key.get_secret_value(), token) if token else None
    )
    if found is not None:
        actions.do_set_language(db, found[0], language)
    response = _redirect(safe_next(form.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE, language, samesite="lax", secure=settings.secure_cookies, max_age=31536000
    )
    return response


# ----- home ---------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request, me: CurrentPageUser, db: Db) -> Response:
    """The own-hospital view: where the user works, what they may do, and their units."""
    home_unit = me.user.home_org_unit
    hospital = queries.hospital_of(db, home_unit) if home_unit else None
    units = [u for u in queries.subtree(db, hospital) if u.id != hospital.id] if hospital else []
    grants = [g for g in me.user.grants if g.revoked_at is None]
    return render(
        request,
        "home.html",
        {"home_unit": home_unit, "hospital": hospital, "units": units, "grants": grants},
        user=me,
        active="home",
    )


# ----- org units ----------------------------------------------------------------------------
def _unit_choices(db: Db, me: PageUser) -> list[OrgUnit]:
    return queries.visible_units(db, me.principal, Permission.MANAGE_NETWORK)


@router.get("/network", response_class=HTMLResponse)
def network_tree(request: Request, me: CurrentPageUser, db: Db) -> Response:
    me.principal.require_anywhere(Permission.VIEW_ORG)
    units = queries.visible_units(db, me.principal, Permission.VIEW_ORG)
    return render(request, "network/tree.html", {"units": units}, user=me, active="network")


def _unit_page(
    request: Request,
    me: PageUser,
    db: Db,
    unit: OrgUnit,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    can_manage = me.principal.can(Permission.MANAGE_NETWORK, unit.path)
    can_users = me.principal.can(Permission.MANAGE_USERS, unit.path)
    context: dict[str, Any] = {
        "unit": unit,
        "children": [u for u in queries.subtree(db, unit) if u.parent_id == unit.id],
        "users": queries.users_at(db, unit) if can_users else [],
        "grants": queries.grants_at(db, unit) if can_users else [],
        "can_manage": can_manage,
        "can_users": can_users,
        "parents": [u for u in _unit_choices(db, me) if not u.path.startswith(unit.path)]
        if can_manage
        else [],
        "kinds": ORG_UNIT_KINDS,
        "unit_types": UNIT_TYPES,
        "levels": HOSPITAL_LEVELS,
        "network_roles": NETWORK_ROLES,
        "errors": errors or {},
        "form": form or {},
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "network/unit.html", context, user=me, active="network", status_code=status_code)


@router.get("/network/units/{unit_id}", response_class=HTMLResponse)
def unit_page(request: Request, unit_id: int, me: CurrentPageUser, db: Db) -> Response:
    unit = queries.access_org_unit(db, me.principal, unit_id, Permission.VIEW_ORG)
    return _unit_page(request, me, db, unit)


def _hospital_fields(form: dict[str, str]) -> dict[str, Any] | None:
    if not form.get("level") and not form.get("network_role"):
        return None
    return {
        "level": form.get("level"),
        "network_role": form.get("network_role"),
        "ecmo_capable": form.get("ecmo_capable") == "on",
        "licensed_beds": form.get("licensed_beds") or 0,
    }


@router.post("/network/units", dependencies=[CsrfChecked])
def create_unit(request: Request, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    parent_id = int(form["parent_id"]) if form.get("parent_id", "").isdigit() else None
    parent = (
        queries.access_org_unit(db, me.principal, parent_id, Permission.MANAGE_NETWORK) if parent_id else None
    )
    try:
        values: dict[str, Any] = {k: form.get(k) for k in ("kind", "code", "name_en", "name_zh", "unit_type")}
        data = parse_form(
            OrgUnitCreate, values | {"parent_id": parent_id, "hospital": _hospital_fields(form)}
        )
        unit = actions.do_create_org_unit(db, me.principal, data)
    except InvalidInput as exc:
        if parent is None:
            raise
        errors = translate_errors(me.language, exc.errors)
        return _unit_page(request, me, db, parent, errors=errors, form=form, status_code=error_status(exc))
    return _redirect(f"/network/units/{unit.id}?saved=1")


@router.post("/network/units/{unit_id}", dependencies=[CsrfChecked])
def update_unit(request: Request, unit_id: int, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    unit = queries.access_org_unit(db, me.principal, unit_id, Permission.MANAGE_NETWORK)
    try:
        values: dict[str, Any] = {k: form.get(k) for k in ("name_en", "name_zh", "unit_type")}
        data = parse_form(OrgUnitUpdate, values | {"hospital": _hospital_fields(form)})
        actions.do_update_org_unit(db, me.principal, unit_id, data, reason=form.get("reason"))
    except InvalidInput as exc:
        return _unit_page(
            request,
            me,
            db,
            unit,
            errors=translate_errors(me.language, exc.errors),
            form=form,
            status_code=error_status(exc),
        )
    return _redirect(f"/network/units/{unit_id}?saved=1")


@router.post("/network/units/{unit_id}/move", dependencies=[CsrfChecked])
def move_unit(request: Request, unit_id: int, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    unit = queries.access_org_unit(db, me.principal, unit_id, Permission.MANAGE_NETWORK)
    try:
        if not form.get("parent_id", "").isdigit():
            raise InvalidInput.one("parent_id", "required", N_("This field is required."))
        actions.do_move_org_unit(db, me.principal, unit_id, int(form["parent_id"]), reason=form.get("reason"))
    except InvalidInput as exc:
        return _unit_page(
            request,
            me,
            db,
            unit,
            errors=translate_errors(me.language, exc.errors),
            status_code=error_status(exc),
        )
    return _redirect(f"/network/units/{unit_id}?saved=1")


@router.post("/network/units/{unit_id}/delete", dependencies=[CsrfChecked])
def delete_unit(request: Request, unit_id: int, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    unit = queries.access_org_unit(db, me.principal, unit_id, Permission.MANAGE_NETWORK)
    parent_id = unit.parent_id
    try:
        actions.do_delete_org_unit(db, me.principal, unit_id, reason=form.get("reason"))
    except InvalidInput as exc:
        return _unit_page(
            request,
            me,
            db,
            unit,
            errors=translate_errors(me.language, exc.errors),
            status_code=error_status(exc),
        )
    return _redirect(f"/network/units/{parent_id}?saved=1" if parent_id else "/network")


# ----- users and grants ---------------------------------------------------------------------
def _users_page(
    request: Request,
    me: PageUser,
    db: Db,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "users": queries.list_users(db, me.principal),
        "homes": queries.visible_units(db, me.principal, Permission.MANAGE_USERS),
        "errors": errors or {},
        "form": form or {},
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "network/users.html", context, user=me, active="users", status_code=status_code)


@router.get("/network/users", response_class=HTMLResponse)
def users_page(request: Request, me: CurrentPageUser, db: Db) -> Response:
    return _users_page(request, me, db)


@router.post("/network/users", dependencies=[CsrfChecked])
def create_user(request: Request, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    me.principal.require_anywhere(Permission.MANAGE_USERS)
    fields = (
        "username",
        "display_name",
        "display_name_en",
        "email",
        "password",
        "home_org_unit_id",
        "language",
    )
    try:
        user = actions.do_create_user(
            db, me.principal, parse_form(UserCreate, {k: form.get(k) for k in fields})
        )
    except InvalidInput as exc:
        form = {k: v for k, v in form.items() if k != "password"}
        return _users_page(
            request,
            me,
            db,
            errors=translate_errors(me.language, exc.errors),
            form=form,
            status_code=error_status(exc),
        )
    return _redirect(f"/network/users/{user.id}?saved=1")


def _user_page(
    request: Request,
    me: PageUser,
    db: Db,
    user_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    user = queries.access_user(db, me.principal, user_id)
    context = {
        "person": user,
        "grants": user.grants,
        "roles": queries.list_roles(db),
        "scopes": queries.visible_units(db, me.principal, Permission.MANAGE_USERS),
        "errors": errors or {},
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "network/user.html", context, user=me, active="users", status_code=status_code)


@router.get("/network/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int, me: CurrentPageUser, db: Db) -> Response:
    return _user_page(request, me, db, user_id)


@router.post("/network/users/{user_id}/active", dependencies=[CsrfChecked])
def set_user_active(request: Request, user_id: int, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    try:
        actions.do_set_user_active(
            db, me.principal, user_id, form.get("active") == "1", reason=form.get("reason")
        )
    except InvalidInput as exc:
        return _user_page(
            request,
            me,
            db,
            user_id,
            errors=translate_errors(me.language, exc.errors),
            status_code=error_status(exc),
        )
    return _redirect(f"/network/users/{user_id}?saved=1")


@router.post("/network/grants", dependencies=[CsrfChecked])
def create_grant(request: Request, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    user_id = int(form["user_id"]) if form.get("user_id", "").isdigit() else 0
    queries.access_user(db, me.principal, user_id)
    values = {k: form.get(k) for k in ("user_id", "role", "org_unit_id")}
    for bound in ("valid_from", "valid_until"):
        if form.get(bound):
            values[bound] = f"{form[bound]}T00:00:00+08:00"  # dates are entered in China Standard Time
    try:
        actions.do_grant_role(db, me.principal, parse_form(GrantCreate, values))
    except InvalidInput as exc:
        return _user_page(
            request,
            me,
            db,
            user_id,
            errors=translate_errors(me.language, exc.errors),
            status_code=error_status(exc),
        )
    return _redirect(f"/network/users/{user_id}?saved=1")


@router.post("/network/grants/{grant_id}/revoke", dependencies=[CsrfChecked])
def revoke_grant(request: Request, grant_id: int, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    grant = queries.access_grant(db, me.principal, grant_id)
    try:
        actions.do_revoke_grant(db, me.principal, grant_id, reason=form.get("reason"))
    except InvalidInput as exc:
        return _user_page(
            request,
            me,
            db,
            grant.user_id,
            errors=translate_errors(me.language, exc.errors),
            status_code=error_status(exc),
        )
    return _redirect(f"/network/users/{grant.user_id}?saved=1")


# ----- own account --------------------------------------------------------------------------
def _account_page(
    request: Request,
    me: PageUser,
    db: Db,
    *,
    new_token: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "tokens": queries.api_tokens_of(db, me.user.id),
        "new_token": new_token,
        "errors": errors or {},
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "network/account.html", context, user=me, status_code=status_code)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, me: CurrentPageUser, db: Db) -> Response:
    return _account_page(request, me, db)


@router.post("/account/tokens", dependencies=[CsrfChecked])
def create_token(request: Request, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    try:
        data = parse_form(
            ApiTokenCreate, {"name": form.get("name"), "expires_in_days": form.get("expires_in_days")}
        )
    except InvalidInput as exc:
        return _account_page(
            request, me, db, errors=translate_errors(me.language, exc.errors), status_code=error_status(exc)
        )
    secret = get_settings(request).secret_key.get_secret_value()
    _api_token, token = actions.do_create_api_token(db, secret, me.user, data)
    return _account_page(request, me, db, new_token=token)


@router.post("/account/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke_token(request: Request, token_id: int, me: CurrentPageUser, db: Db) -> Response:
    actions.do_revoke_api_token(db, me.user, token_id)
    return _redirect("/account?saved=1")


@router.post("/account/password", dependencies=[CsrfChecked])
def change_password(request: Request, me: CurrentPageUser, db: Db, form: FormData) -> Response:
    try:
        if not verify_password(me.user.password_hash, form.get("current_password", "")):
            raise InvalidInput.one("current_password", "wrong", N_("The current password is wrong."))
        actions.do_set_password(db, me.principal, me.user.id, form.get("new_password", ""))
    except InvalidInput as exc:
        return _account_page(
            request, me, db, errors=translate_errors(me.language, exc.errors), status_code=error_status(exc)
        )
    response = _redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response
