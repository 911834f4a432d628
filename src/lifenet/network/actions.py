"""Every write of the network module. Each action checks the actor's scope, writes the audit
entry in the same transaction, and commits; on any error nothing is changed.

``by`` is the acting user's :class:`Principal`, or ``None`` for the system itself (the CLI run
by an operator on the server, the demo seeder).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.access import Forbidden, NotFound, Permission, Principal
from lifenet.db import utcnow
from lifenet.lib.errors import N_, Conflict, InvalidInput
from lifenet.lib.tokens import hash_token, new_token
from lifenet.network.models import (
    ALLOWED_PARENTS,
    ApiToken,
    Hospital,
    OrgUnit,
    RoleGrant,
    User,
    WebSession,
    snapshot,
)
from lifenet.network.passwords import hash_password, needs_rehash, verify_password
from lifenet.network.queries import get_org_unit, role_by_code, user_by_username
from lifenet.network.schemas import (
    ApiTokenCreate,
    GrantCreate,
    HospitalAttributes,
    OrgUnitCreate,
    OrgUnitUpdate,
    UserCreate,
    UserUpdate,
)

UNIT_FIELDS = ("parent_id", "kind", "code", "name_en", "name_zh", "path", "unit_type")
USER_FIELDS = (
    "username",
    "display_name",
    "display_name_en",
    "email",
    "language",
    "home_org_unit_id",
    "is_active",
)
GRANT_FIELDS = ("user_id", "role_id", "org_unit_id", "valid_from", "valid_until", "revoked_at")

# Other modules register a check here that names the data they hold at an org unit, so a
# hospital with registry records cannot be deleted. A check returns None when it holds none.
DeleteGuard = Callable[[Session, OrgUnit], str | None]
DELETE_GUARDS: list[DeleteGuard] = []


def _actor(by: Principal | None) -> audit.Actor:
    return audit.SYSTEM if by is None else audit.Actor(by.user_id, by.username)


def _require(by: Principal | None, permission: Permission, unit: OrgUnit) -> None:
    if by is not None:
        by.require(permission, unit.path, where=unit.code)


def _commit(session: Session, field: str, message: str, **params: object) -> None:
    """Commit; a uniqueness race that slipped past the checks becomes a clear conflict."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict.one(field, "unique", message, **params) from exc


# ----- org units ----------------------------------------------------------------------------
def _check_parent(kind: str, parent: OrgUnit | None) -> None:
    allowed = ALLOWED_PARENTS[kind]
    if parent is None and allowed:
        raise InvalidInput.one("parent_id", "required", N_("A %(kind)s needs a parent org unit."), kind=kind)
    if parent is not None and parent.kind not in allowed:
        raise InvalidInput.one(
            "parent_id",
            "kind",
            N_("A %(kind)s cannot be placed under a %(parent_kind)s."),
            kind=kind,
            parent_kind=parent.kind,
        )


def _set_hospital(session: Session, unit: OrgUnit, attributes: HospitalAttributes | None) -> None:
    if attributes is None:
        return
    if unit.kind != "hospital":
        raise InvalidInput.one("hospital", "kind", N_("Only a hospital has hospital attributes."))
    hospital = unit.hospital or Hospital(org_unit_id=unit.id)
    for name, value in attributes.model_dump().items():
        setattr(hospital, name, value)
    unit.hospital = hospital


def do_create_org_unit(session: Session, by: Principal | None, data: OrgUnitCreate) -> OrgUnit:
    parent = get_org_unit(session, data.parent_id) if data.parent_id is not None else None
    if parent is None and by is not None:
        raise Forbidden(Permission.MANAGE_NETWORK, "root")
    if parent is not None:
        _require(by, Permission.MANAGE_NETWORK, parent)
    _check_parent(data.kind, parent)
    if data.kind == "hospital" and data.hospital is None:
        raise InvalidInput.one("hospital", "required", N_("A hospital needs its level and network role."))
    if data.unit_type is not None and data.kind != "unit":
        raise InvalidInput.one("unit_type", "kind", N_("Only a unit has a unit type."))
    if session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.code == data.code)):
        raise Conflict.one("code", "unique", N_("The code %(code)s is already used."), code=data.code)
    unit = OrgUnit(
        parent_id=data.parent_id,
        kind=data.kind,
        code=data.code,
        name_en=data.name_en,
        name_zh=data.name_zh,
        unit_type=data.unit_type,
    )
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    _set_hospital(session, unit, data.hospital)
    after = snapshot(unit, UNIT_FIELDS) | {"hospital": data.hospital.model_dump() if data.hospital else None}
    audit.record(session, _actor(by), "create", "org_unit", unit.id, after=after, org_unit_id=unit.id)
    _commit(session, "code", N_("The code %(code)s is already used."), code=data.code)
    return unit


def do_update_org_unit(
    session: Session, by: Principal | None, unit_id: int, data: OrgUnitUpdate, reason: str | None = None
) -> OrgUnit:
    unit = get_org_unit(session, unit_id)
    _require(by, Permission.MANAGE_NETWORK, unit)
    before = snapshot(unit, UNIT_FIELDS)
    changes = data.model_dump(exclude_unset=True, exclude={"hospital"})
    if changes.get("unit_type") is not None and unit.kind != "unit":
        raise InvalidInput.one("unit_type", "kind", N_("Only a unit has a unit type."))
    for name, value in changes.items():
        if value is not None or name == "unit_type":
            setattr(unit, name, value)
    _set_hospital(session, unit, data.hospital)
    after = snapshot(unit, UNIT_FIELDS)
    audit.record(
        session,
        _actor(by),
        "update",
        "org_unit",
        unit.id,
        before=before,
        after=after,
        reason=reason,
        org_unit_id=unit.id,
    )
    session.commit()
    return unit


def do_move_org_unit(
    session: Session, by: Principal | None, unit_id: int, new_parent_id: int, reason: str | None = None
) -> OrgUnit:
    """Move a unit (and its subtree) under another parent; refuses anything making a cycle."""
    unit = get_org_unit(session, unit_id)
    parent = get_org_unit(session, new_parent_id)
    _require(by, Permission.MANAGE_NETWORK, unit)
    _require(by, Permission.MANAGE_NETWORK, parent)
    if parent.path.startswith(unit.path):
        raise InvalidInput.one(
            "parent_id",
            "cycle",
            N_("%(unit)s cannot move under itself or one of its own sub-units."),
            unit=unit.code,
        )
    _check_parent(unit.kind, parent)
    before = snapshot(unit, UNIT_FIELDS)
    old_path, new_path = unit.path, f"{parent.path}{unit.id}/"
    # Rewrite the materialized path of the whole subtree in one statement.
    session.execute(
        update(OrgUnit)
        .where(OrgUnit.path.startswith(old_path))
        .values(path=literal(new_path).concat(func.substr(OrgUnit.path, len(old_path) + 1)))
        .execution_options(synchronize_session=False)
    )
    unit.parent_id = parent.id
    session.flush()
    session.expire_all()
    unit = get_org_unit(session, unit_id)
    audit.record(
        session,
        _actor(by),
        "move",
        "org_unit",
        unit.id,
        before=before,
        after=snapshot(unit, UNIT_FIELDS),
        reason=reason,
        org_unit_id=unit.id,
    )
    session.commit()
    return unit


def do_delete_org_unit(
    session: Session, by: Principal | None, unit_id: int, reason: str | None = None
) -> None:
    """Delete an org unit that holds nothing: no sub-units, users, grants or data."""
    unit = get_org_unit(session, unit_id)
    _require(by, Permission.MANAGE_NETWORK, unit)
    blockers = _delete_blockers(session, unit)
    if blockers:
        raise Conflict.one(
            "org_unit",
            "in_use",
            N_("%(unit)s cannot be deleted: it still has %(what)s."),
            unit=unit.code,
            what=", ".join(blockers),
        )
    before = snapshot(unit, UNIT_FIELDS)
    if unit.hospital is not None:
        session.delete(unit.hospital)
    session.delete(unit)
    audit.record(
        session, _actor(by), "delete", "org_unit", unit_id, before=before, reason=reason, org_unit_id=unit_id
    )
    session.commit()


def _delete_blockers(session: Session, unit: OrgUnit) -> list[str]:
    counts = {
        "sub-units": session.scalar(
            select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id == unit.id)
        ),
        "users": session.scalar(
            select(func.count()).select_from(User).where(User.home_org_unit_id == unit.id)
        ),
        "role grants": session.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.org_unit_id == unit.id)
        ),
    }
    blockers = [f"{n} {what}" for what, n in counts.items() if n]
    blockers += [b for guard in DELETE_GUARDS if (b := guard(session, unit))]
    return blockers


# ----- users --------------------------------------------------------------------------------
def do_create_user(session: Session, by: Principal | None, data: UserCreate) -> User:
    home = get_org_unit(session, data.home_org_unit_id)
    _require(by, Permission.MANAGE_USERS, home)
    username = data.username.lower()
    if user_by_username(session, username) is not None:
        raise Conflict.one("username", "unique", N_("The username %(username)s is taken."), username=username)
    user = User(
        username=username,
        display_name=data.display_name,
        display_name_en=data.display_name_en,
        email=data.email,
        password_hash=hash_password(data.password),
        language=data.language,
        home_org_unit_id=home.id,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, _actor(by), "create", "user", user.id, after=snapshot(user, USER_FIELDS), org_unit_id=home.id
    )
    _commit(session, "username", N_("The username %(username)s is taken."), username=username)
    return user


def _managed_user(session: Session, by: Principal | None, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    if by is not None:
        if user.home_org_unit is None:
            raise Forbidden(Permission.MANAGE_USERS, user.username)
        by.require(Permission.MANAGE_USERS, user.home_org_unit.path, where=user.username)
    return user


def do_update_user(session: Session, by: Principal | None, user_id: int, data: UserUpdate) -> User:
    user = _managed_user(session, by, user_id)
    before = snapshot(user, USER_FIELDS)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(user, name, value)
    audit.record(
        session,
        _actor(by),
        "update",
        "user",
        user.id,
        before=before,
        after=snapshot(user, USER_FIELDS),
        org_unit_id=user.home_org_unit_id,
    )
    session.commit()
    return user


def do_set_user_active(
    session: Session, by: Principal | None, user_id: int, active: bool, reason: str | None = None
) -> User:
    """Disable (or re-enable) an account; disabling ends its sessions at once."""
    user = _managed_user(session, by, user_id)
    if by is not None and by.user_id == user.id and not active:
        raise InvalidInput.one("user", "self", N_("You cannot disable your own account."))
    before = snapshot(user, USER_FIELDS)
    user.is_active = active
    if not active:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    else:
        user.failed_logins = 0
        user.locked_until = None
    audit.record(
        session,
        _actor(by),
        "enable" if active else "disable",
        "user",
        user.id,
        before=before,
        after=snapshot(user, USER_FIELDS),
        reason=reason,
        org_unit_id=user.home_org_unit_id,
    )
    session.commit()
    return user


def do_set_password(session: Session, by: Principal | None, user_id: int, password: str) -> User:
    if len(password) < 10:
        raise InvalidInput.one("password", "min_length", N_("A password needs at least 10 characters."))
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    if by is not None and by.user_id != user.id:
        user = _managed_user(session, by, user_id)
    user.password_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    audit.record(session, _actor(by), "set_password", "user", user.id, org_unit_id=user.home_org_unit_id)
    session.commit()
    return user


def do_set_language(session: Session, user: User, language: str) -> None:
    if language not in ("zh_Hans", "en"):
        raise InvalidInput.one(
            "language",
            "choice",
            N_("Unsupported language %(language)s: choose zh_Hans or en."),
            language=language,
        )
    before = {"language": user.language}
    user.language = language
    audit.record(
        session,
        audit.Actor(user.id, user.username),
        "update",
        "user",
        user.id,
        before=before,
        after={"language": language},
        org_unit_id=user.home_org_unit_id,
    )
    session.commit()


# ----- grants -------------------------------------------------------------------------------
def do_grant_role(session: Session, by: Principal | None, data: GrantCreate) -> RoleGrant:
    """Grant a role over an org-unit subtree; the granter must manage users there."""
    if by is not None:
        by.require_anywhere(Permission.MANAGE_USERS)
    unit = get_org_unit(session, data.org_unit_id)
    if by is not None and not by.can(Permission.MANAGE_USERS, unit.path):
        raise InvalidInput.one(
            "org_unit_id",
            "scope",
            N_("You can only grant roles inside your own scope; %(unit)s is outside it."),
            unit=unit.code,
        )
    user = session.get(User, data.user_id)
    if user is None:
        raise InvalidInput.one("user_id", "exists", N_("No user with id %(id)s."), id=data.user_id)
    role = role_by_code(session, data.role)
    if role is None:
        raise InvalidInput.one("role", "choice", N_("Unknown role %(role)s."), role=data.role)
    if (
        by is not None
        and Permission.MANAGE_NETWORK in role.permissions
        and not by.can(Permission.MANAGE_NETWORK, unit.path)
    ):
        raise InvalidInput.one(
            "role",
            "scope",
            N_("Only a network administrator of this scope can grant %(role)s."),
            role=role.code,
        )
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        raise InvalidInput.one("valid_until", "after", N_("The end of the grant must come after its start."))
    grant = RoleGrant(
        user_id=user.id,
        role_id=role.id,
        org_unit_id=unit.id,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        granted_by_id=by.user_id if by else None,
    )
    session.add(grant)
    session.flush()
    after = snapshot(grant, GRANT_FIELDS) | {"role": role.code}
    audit.record(session, _actor(by), "grant", "role_grant", grant.id, after=after, org_unit_id=unit.id)
    session.commit()
    return grant


def do_revoke_grant(
    session: Session, by: Principal | None, grant_id: int, reason: str | None = None
) -> RoleGrant:
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound("grant", grant_id)
    _require(by, Permission.MANAGE_USERS, grant.org_unit)
    if grant.revoked_at is not None:
        raise Conflict.one("grant", "revoked", N_("This grant was already revoked."))
    before = snapshot(grant, GRANT_FIELDS)
    grant.revoked_at = utcnow()
    audit.record(
        session,
        _actor(by),
        "revoke",
        "role_grant",
        grant.id,
        before=before,
        after=snapshot(grant, GRANT_FIELDS),
        reason=reason,
        org_unit_id=grant.org_unit_id,
    )
    session.commit()
    return grant


# ----- log in, sessions, tokens -------------------------------------------------------------
class LoginRefused(Exception):
    """Wrong credentials, a disabled or a locked account. ``message`` is a translation key."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


@dataclass(frozen=True)
class StartedSession:
    user: User
    token: str
    csrf_token: str


@dataclass(frozen=True)
class LoginPolicy:
    secret: str
    max_failures: int
    lock_minutes: float
    session_hours: float


WRONG_CREDENTIALS = N_("Wrong username or password.")


def do_login(
    session: Session, policy: LoginPolicy, username: str, password: str, client: str
) -> StartedSession:
    """Check a password; lock the account after repeated failures. Every outcome is audited."""
    user = user_by_username(session, username)
    now = utcnow()
    if user is None:
        verify_password(None, password)
        raise LoginRefused(WRONG_CREDENTIALS)
    actor = audit.Actor(user.id, user.username)
    if user.locked_until is not None and user.locked_until > now:
        audit.record(session, actor, "login_refused_locked", "user", user.id, after={"client": client})
        session.commit()
        raise LoginRefused(
            N_("Too many failed attempts: this account is locked until %(until)s UTC."),
            until=user.locked_until.strftime("%H:%M"),
        )
    if not verify_password(user.password_hash, password):
        _count_failure(session, policy, user, client)
        raise LoginRefused(WRONG_CREDENTIALS)
    if not user.is_active:
        raise LoginRefused(N_("This account is disabled. Ask your administrator."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, actor, "login", "user", user.id, after={"client": client})
    return do_start_session(session, policy, user)


def _count_failure(session: Session, policy: LoginPolicy, user: User, client: str) -> None:
    user.failed_logins += 1
    action = "login_failed"
    after: dict[str, object] = {"client": client, "failed_logins": user.failed_logins}
    if user.failed_logins >= policy.max_failures:
        user.locked_until = utcnow() + dt.timedelta(minutes=policy.lock_minutes)
        user.failed_logins = 0
        action = "account_locked"
        after["locked_until"] = user.locked_until.isoformat()
    audit.record(session, audit.Actor(user.id, user.username), action, "user", user.id, after=after)
    session.commit()


def do_start_session(session: Session, policy: LoginPolicy, user: User) -> StartedSession:
    token, csrf = new_token(), new_token()
    session.add(
        WebSession(
            token_hash=hash_token(policy.secret, token),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=utcnow() + dt.timedelta(hours=policy.session_hours),
        )
    )
    session.commit()
    return StartedSession(user=user, token=token, csrf_token=csrf)


def do_touch_session(session: Session, policy: LoginPolicy, web_session: WebSession) -> None:
    """Slide the expiry forward on activity, at most once a minute."""
    new_expiry = utcnow() + dt.timedelta(hours=policy.session_hours)
    if new_expiry - web_session.expires_at > dt.timedelta(minutes=1):
        web_session.expires_at = new_expiry
        session.commit()


def do_logout(session: Session, policy: LoginPolicy, token: str) -> None:
    web_session = session.get(WebSession, hash_token(policy.secret, token))
    if web_session is not None:
        session.delete(web_session)
        session.commit()


def do_create_api_token(
    session: Session, secret: str, user: User, data: ApiTokenCreate
) -> tuple[ApiToken, str]:
    token = new_token("lnt_")
    expires = utcnow() + dt.timedelta(days=data.expires_in_days) if data.expires_in_days else None
    api_token = ApiToken(
        user_id=user.id,
        name=data.name,
        prefix=token[:10],
        token_hash=hash_token(secret, token),
        expires_at=expires,
    )
    session.add(api_token)
    session.flush()
    audit.record(
        session,
        audit.Actor(user.id, user.username),
        "create",
        "api_token",
        api_token.id,
        after={
            "name": data.name,
            "prefix": api_token.prefix,
            "expires_at": expires.isoformat() if expires else None,
        },
        org_unit_id=user.home_org_unit_id,
    )
    session.commit()
    return api_token, token


def do_revoke_api_token(session: Session, user: User, token_id: int) -> ApiToken:
    api_token = session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound("API token", token_id)
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        audit.record(
            session,
            audit.Actor(user.id, user.username),
            "revoke",
            "api_token",
            api_token.id,
            after={"prefix": api_token.prefix},
            org_unit_id=user.home_org_unit_id,
        )
        session.commit()
    return api_token


def do_mark_token_used(session: Session, api_token: ApiToken) -> None:
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > dt.timedelta(minutes=5):
        api_token.last_used_at = now
        session.commit()
