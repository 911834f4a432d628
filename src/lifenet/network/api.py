"""JSON API of the network module, under /api/v1/network."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, Field

from lifenet.access import Permission
from lifenet.network import actions, queries
from lifenet.network.models import RoleGrant
from lifenet.network.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    GrantCreate,
    GrantOut,
    Me,
    OrgUnitCreate,
    OrgUnitMove,
    OrgUnitOut,
    OrgUnitUpdate,
    RoleOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from lifenet.web.deps import CurrentApiUser, Db, get_settings

router = APIRouter(prefix="/api/v1/network", tags=["network"])


class Reason(BaseModel):
    reason: str | None = Field(None, max_length=1000, description="Why; kept in the audit log.")


OptionalReason = Annotated[Reason, Body(default_factory=Reason)]


def _grant_out(grant: RoleGrant) -> GrantOut:
    return GrantOut(
        id=grant.id,
        user_id=grant.user_id,
        role=grant.role.code,
        org_unit_id=grant.org_unit_id,
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        revoked_at=grant.revoked_at,
    )


@router.get("/me")
def read_me(me: CurrentApiUser) -> Me:
    """The token's user and their role grants."""
    return Me(user=UserOut.model_validate(me.user), grants=[_grant_out(g) for g in me.user.grants])


@router.get("/org-units")
def list_org_units(me: CurrentApiUser, db: Db) -> list[OrgUnitOut]:
    """Org units the caller may view (their scopes), in tree order."""
    me.principal.require_anywhere(Permission.VIEW_ORG)
    return [
        OrgUnitOut.model_validate(u) for u in queries.visible_units(db, me.principal, Permission.VIEW_ORG)
    ]


@router.get("/org-units/{unit_id}")
def read_org_unit(unit_id: int, me: CurrentApiUser, db: Db) -> OrgUnitOut:
    return OrgUnitOut.model_validate(queries.access_org_unit(db, me.principal, unit_id, Permission.VIEW_ORG))


@router.post("/org-units", status_code=201)
def create_org_unit(data: OrgUnitCreate, me: CurrentApiUser, db: Db) -> OrgUnitOut:
    return OrgUnitOut.model_validate(actions.do_create_org_unit(db, me.principal, data))


@router.patch("/org-units/{unit_id}")
def update_org_unit(unit_id: int, data: OrgUnitUpdate, me: CurrentApiUser, db: Db) -> OrgUnitOut:
    return OrgUnitOut.model_validate(actions.do_update_org_unit(db, me.principal, unit_id, data))


@router.post("/org-units/{unit_id}/move")
def move_org_unit(unit_id: int, data: OrgUnitMove, me: CurrentApiUser, db: Db) -> OrgUnitOut:
    return OrgUnitOut.model_validate(actions.do_move_org_unit(db, me.principal, unit_id, data.parent_id))


@router.delete("/org-units/{unit_id}", status_code=204)
def delete_org_unit(unit_id: int, me: CurrentApiUser, db: Db) -> Response:
    actions.do_delete_org_unit(db, me.principal, unit_id)
    return Response(status_code=204)


@router.get("/roles")
def list_roles(me: CurrentApiUser, db: Db) -> list[RoleOut]:
    return [RoleOut.model_validate(r) for r in queries.list_roles(db)]


@router.get("/users")
def list_users(me: CurrentApiUser, db: Db) -> list[UserOut]:
    """Users whose home unit lies where the caller manages users."""
    return [UserOut.model_validate(u) for u in queries.list_users(db, me.principal)]


@router.post("/users", status_code=201)
def create_user(data: UserCreate, me: CurrentApiUser, db: Db) -> UserOut:
    return UserOut.model_validate(actions.do_create_user(db, me.principal, data))


@router.get("/users/{user_id}")
def read_user(user_id: int, me: CurrentApiUser, db: Db) -> UserOut:
    return UserOut.model_validate(queries.access_user(db, me.principal, user_id))


@router.patch("/users/{user_id}")
def update_user(user_id: int, data: UserUpdate, me: CurrentApiUser, db: Db) -> UserOut:
    return UserOut.model_validate(actions.do_update_user(db, me.principal, user_id, data))


@router.post("/users/{user_id}/disable")
def disable_user(user_id: int, me: CurrentApiUser, db: Db, body: OptionalReason) -> UserOut:
    return UserOut.model_validate(actions.do_set_user_active(db, me.principal, user_id, False, body.reason))


@router.post("/users/{user_id}/enable")
def enable_user(user_id: int, me: CurrentApiUser, db: Db, body: OptionalReason) -> UserOut:
    return UserOut.model_validate(actions.do_set_user_active(db, me.principal, user_id, True, body.reason))


@router.get("/users/{user_id}/grants")
def list_user_grants(user_id: int, me: CurrentApiUser, db: Db) -> list[GrantOut]:
    user = queries.access_user(db, me.principal, user_id)
    return [_grant_out(g) for g in user.grants]


@router.post("/grants", status_code=201)
def create_grant(data: GrantCreate, me: CurrentApiUser, db: Db) -> GrantOut:
    return _grant_out(actions.do_grant_role(db, me.principal, data))


@router.post("/grants/{grant_id}/revoke")
def revoke_grant(grant_id: int, me: CurrentApiUser, db: Db, body: OptionalReason) -> GrantOut:
    return _grant_out(actions.do_revoke_grant(db, me.principal, grant_id, body.reason))


@router.get("/tokens")
def list_tokens(me: CurrentApiUser, db: Db) -> list[ApiTokenOut]:
    """The caller's own API tokens (never the secret part)."""
    return [ApiTokenOut.model_validate(t) for t in queries.api_tokens_of(db, me.user.id)]


@router.post("/tokens", status_code=201)
def create_token(data: ApiTokenCreate, me: CurrentApiUser, db: Db, request: Request) -> ApiTokenCreated:
    """A new token for the caller; the secret is in this answer only."""
    secret = get_settings(request).secret_key.get_secret_value()
    api_token, token = actions.do_create_api_token(db, secret, me.user, data)
    return ApiTokenCreated(**ApiTokenOut.model_validate(api_token).model_dump(), token=token)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, me: CurrentApiUser, db: Db) -> Response:
    actions.do_revoke_api_token(db, me.user, token_id)
    return Response(status_code=204)
