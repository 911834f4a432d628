"""Reads of the network module. Scoped reads go through ``access_*`` functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from lifenet.access import Forbidden, NotFound, Permission, Principal, ScopeGrant
from lifenet.db import utcnow
from lifenet.lib.tokens import hash_token
from lifenet.network.models import ApiToken, OrgUnit, Role, RoleGrant, User, WebSession


# ----- principals ---------------------------------------------------------------------------
def load_principal(session: Session, user: User, at: dt.datetime | None = None) -> Principal:
    """The user's active grants at ``at`` (now by default) as a :class:`Principal`."""
    moment = at or utcnow()
    if not user.is_active:
        return Principal(user_id=user.id, username=user.username)
    rows = session.execute(
        select(RoleGrant, Role.permissions, OrgUnit.path)
        .join(Role, Role.id == RoleGrant.role_id)
        .join(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id)
        .where(RoleGrant.user_id == user.id, RoleGrant.revoked_at.is_(None))
    ).all()
    grants = tuple(
        ScopeGrant(org_unit_id=grant.org_unit_id, path=path, permissions=frozenset(perms))
        for grant, perms, path in rows
        if grant.is_active(moment)
    )
    return Principal(user_id=user.id, username=user.username, grants=grants)


def user_by_session_token(session: Session, secret: str, token: str) -> tuple[User, WebSession] | None:
    web_session = session.get(WebSession, hash_token(secret, token))
    if web_session is None or web_session.expires_at <= utcnow() or not web_session.user.is_active:
        return None
    return web_session.user, web_session


def user_by_api_token(session: Session, secret: str, token: str) -> tuple[User, ApiToken] | None:
    api_token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret, token))
    ).first()
    if api_token is None or api_token.revoked_at is not None or not api_token.user.is_active:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= utcnow():
        return None
    return api_token.user, api_token


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.strip().lower())).first()


# ----- org units ----------------------------------------------------------------------------
def get_org_unit(session: Session, unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound("org unit", unit_id)
    return unit


def access_org_unit(session: Session, principal: Principal, unit_id: int, permission: Permission) -> OrgUnit:
    """The org unit, if the principal holds ``permission`` there; 404 if it does not exist."""
    unit = get_org_unit(session, unit_id)
    principal.require(permission, unit.path, where=unit.code)
    return unit


def org_tree(session: Session) -> list[OrgUnit]:
    """Every org unit in tree order (parents before children, siblings by code)."""
    units = session.scalars(select(OrgUnit).options(selectinload(OrgUnit.hospital))).all()
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[OrgUnit] = []

    def walk(parent: int | None) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: u.code):
            ordered.append(unit)
            walk(unit.id)

    walk(None)
    return ordered


def visible_units(session: Session, principal: Principal, permission: Permission) -> list[OrgUnit]:
    """Org units inside the principal's subtrees for ``permission``, in tree order."""
    paths = principal.scope_paths(permission)
    return [u for u in org_tree(session) if any(u.path.startswith(p) for p in paths)]


def subtree(session: Session, unit: OrgUnit) -> Sequence[OrgUnit]:
    return session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(unit.path)).order_by(OrgUnit.path)
    ).all()


def hospital_of(session: Session, unit: OrgUnit) -> OrgUnit | None:
    """The hospital an org unit belongs to (itself if it is one); None above hospital level."""
    current: OrgUnit | None = unit
    while current is not None and current.kind != "hospital":
        current = current.parent if current.kind == "unit" else None
    return current


def hospitals(session: Session) -> list[OrgUnit]:
    return [u for u in org_tree(session) if u.kind == "hospital"]


# ----- users, roles, grants -----------------------------------------------------------------
def list_roles(session: Session) -> Sequence[Role]:
    return session.scalars(select(Role).order_by(Role.id)).all()


def role_by_code(session: Session, code: str) -> Role | None:
    return session.scalars(select(Role).where(Role.code == code)).first()


def list_users(session: Session, principal: Principal) -> Sequence[User]:
    """Users whose home org unit lies in a subtree where the principal manages users."""
    paths = principal.scope_paths(Permission.MANAGE_USERS)
    if not paths:
        raise Forbidden(Permission.MANAGE_USERS)
    return session.scalars(
        select(User)
        .join(OrgUnit, OrgUnit.id == User.home_org_unit_id)
        .where(or_(*[OrgUnit.path.startswith(p) for p in paths]))
        .order_by(User.username)
    ).all()


def access_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user the principal may manage: their home unit must be in a managed subtree."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    if user.home_org_unit is None:
        raise Forbidden(Permission.MANAGE_USERS, user.username)
    principal.require(Permission.MANAGE_USERS, user.home_org_unit.path, where=user.username)
    return user


def users_at(session: Session, unit: OrgUnit) -> Sequence[User]:
    return session.scalars(
        select(User)
        .join(OrgUnit, OrgUnit.id == User.home_org_unit_id)
        .where(OrgUnit.path.startswith(unit.path))
        .order_by(User.username)
    ).all()


def grants_at(session: Session, unit: OrgUnit) -> Sequence[RoleGrant]:
    """Grants whose scope lies in ``unit``'s subtree (not revoked), newest first."""
    return session.scalars(
        select(RoleGrant)
        .join(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id)
        .where(OrgUnit.path.startswith(unit.path), RoleGrant.revoked_at.is_(None))
        .options(selectinload(RoleGrant.user), selectinload(RoleGrant.role), selectinload(RoleGrant.org_unit))
        .order_by(RoleGrant.id.desc())
    ).all()


def access_grant(session: Session, principal: Principal, grant_id: int) -> RoleGrant:
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound("grant", grant_id)
    principal.require(Permission.MANAGE_USERS, grant.org_unit.path, where=f"grant {grant_id}")
    return grant


def api_tokens_of(session: Session, user_id: int) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    ).all()
